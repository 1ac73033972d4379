# Texts for vocab.py codes that only the PC tools print (tools/read_meter.py,
# send_token.py): the firmware never imports this module, so the board does
# not hold them.
import vocab as v

# STS results, long text (sts.md 9.5); the display text is vocab.result_display
RESULTS = {
    v.ACCEPT: "Accept", v.KCT1_ACCEPTED: "1st KCT accepted", v.KCT2_ACCEPTED: "2nd KCT accepted",
    v.OVERFLOW: "Overflow error", v.KEY_TYPE: "Key type error", v.FORMAT: "Format error",
    v.RANGE: "Range error", v.FUNCTION: "Function error", v.OLD: "Old error",
    v.USED: "Used error", v.KEY_EXPIRED: "Key expired", v.DDTK: "DDTK error",
    v.CRC: "CRC error", v.MFR_CODE: "MfrCode error", v.LOCKOUT: "Token lockout active",
    v.NOT_READY: "Token status not ready", v.RESOURCE: "Out of memory, enter it again",
}


def result_text(code):
    return RESULTS.get(code, "reserved")


EVENTS = {
    v.EV_TOKEN_ACCEPTED: "token accepted", v.EV_TOKEN_REJECTED: "token rejected",
    v.EV_POWER_UP: "power up", v.EV_POWER_DOWN: "power down",
    v.EV_RELAY_OPENED: "relay opened", v.EV_RELAY_CLOSED: "relay closed",
    v.EV_TAMPER_DETECTED: "tamper", v.EV_TAMPER_CLEARED: "tamper cleared",
    v.EV_CTS_ENTERED: "CTS entered", v.EV_CTS_EXITED: "CTS exited",
    v.EV_KEY_CHANGED: "key changed", v.EV_CREDIT_CLEARED: "credit cleared",
    v.EV_LOW_CREDIT: "low credit", v.EV_EMERGENCY_CREDIT: "emergency credit",
    v.EV_POWER_LIMIT_TRIP: "power limit trip", v.EV_REMOTE_DISCONNECT: "remote disconnect",
    v.EV_REMOTE_RECONNECT: "remote reconnect", v.EV_MPL_SET: "MPL set",
    v.EV_CTS_PROFILE: "CTS profile changed", v.EV_MANUAL_RECONNECT: "manual reconnect",
    v.EV_CTS_REFUSED: "CTS refused", v.EV_DLMS_COUNTER_NEAR_END: "DLMS counter near end",
    v.EV_DLMS_AUTH_LOCKED: "DLMS client locked out", v.EV_DLMS_KEYS_RENEWED: "DLMS keys renewed",
    v.EV_FW_REFUSED: "firmware image refused", v.EV_FW_ACTIVATING: "firmware activating",
    v.EV_FW_CONFIRMED: "firmware confirmed", v.EV_FW_ROLLED_BACK: "firmware rolled back",
    v.EV_FAULT: "fault", v.EV_FAULT_CLEARED: "fault cleared",
    v.EV_PAYMENT_MODE: "payment mode changed", v.EV_CHARGE_COLLECTED: "charge collected",
    v.EV_FREE_ALLOCATION: "free allocation", v.EV_TARIFF_ACTIVATED: "tariff activated",
    v.EV_DLMS_AUTH_FAILED: "DLMS authentication failed", v.EV_CLOCK_OLD: "clock set (old time)",
    v.EV_CLOCK_NEW: "clock set (new time)", v.EV_CLOCK_JUMP: "clock jump",
    v.EV_CLOCK_INVALID: "clock resumed (doubtful)",
    40: "account status",  # meter.account_status.EV_ACCOUNT_STATUS
}

RELAY_REASONS = {
    v.REASON_NONE: "-", v.REASON_CTS_ENDED: "CTS ended", v.REASON_COMMANDED: "commanded",
    v.REASON_TAMPER: "tamper", v.REASON_POWER_LIMIT: "power limit",
    v.REASON_NO_CREDIT: "no credit", v.REASON_FAULT: "fault",
}

# where a fault happened (the FAULT event's b)
PLACES = {
    v.AT_STATE: "meter state", v.AT_TOKEN: "token processing", v.AT_DLMS: "DLMS exchange",
    v.AT_KEYS: "DLMS keys record", v.AT_AUTH: "authentication record", v.AT_EVENTS: "event log",
    v.AT_PROVISION: "provisioning record",
}


def result_name(code):
    """An STS result by name with its code, e.g. 'Old error (result 9)'."""
    return "%s (result %d)" % (result_text(code), code)


def event_detail(code, a, b):
    """What an event's a and b mean (vocab.EV_*), '' where a list of numbers
    says it as well."""
    if code in (v.EV_TOKEN_ACCEPTED, v.EV_TOKEN_REJECTED):
        return result_name(a) + (", TID %d" % b if b >= 0 else "")
    if code in (v.EV_RELAY_OPENED, v.EV_RELAY_CLOSED):  # a: why it is (was) open
        why = RELAY_REASONS.get(a, "reason %d" % a)
        return why if code == v.EV_RELAY_OPENED else "was open for: " + why
    if code in (v.EV_FAULT, v.EV_FAULT_CLEARED):
        what = v.fault_display(a) if v.FAULT_SAVE <= a <= v.FAULT_RECORD else "fault %d" % a
        return what + (" at %s" % PLACES[b] if b in PLACES else "")
    if code == v.EV_LOW_CREDIT:
        return "%d units available" % a
    if code == v.EV_POWER_LIMIT_TRIP:
        return "demand %d W over the limit %d W" % (a, b)
    if code == v.EV_MPL_SET:
        return "%d W" % a
    if code in (v.EV_REMOTE_DISCONNECT, v.EV_REMOTE_RECONNECT, v.EV_MANUAL_RECONNECT):
        return "done" if a else "refused"
    return ""
