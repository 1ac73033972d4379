# The meter's vocabulary: the codes that the STS engine, the meter, the DLMS
# binding, the display and the PC tools share, each defined once (issue 11).
# Codes are const(); the one text per result that the board shows is one
# string, split on use. Texts that only the PC tools print (result long
# texts, event names, relay reasons) are in vocab_names.py, which the firmware
# never imports.
from compat import const

# --- token sources: the carrier a token came by. The numbers are class 115
# token_delivery_method (dlms.md 7.4), so the token gateway shows them as is.
REMOTE = const(0)  # the DLMS token gateway (virtual token carrier)
KEYPAD = const(2)  # typed on the meter's keypad ("manual")

# --- STS token results, sts.md 9.5 (IEC 62055-41 TokenResult; Conlog BEC62
# display table): what the meter shows and what the token gateway reports.
ACCEPT = const(1)
KCT1_ACCEPTED = const(2)  # first key change token of a set stored
KCT2_ACCEPTED = const(3)  # second key change token of a set stored
OVERFLOW = const(4)  # the register would overflow; nothing added
KEY_TYPE = const(5)  # key change to a key type not allowed from the current one
FORMAT = const(6)  # not a token: wrong length, non-digits, >= 2^66, class 3
RANGE = const(7)  # data out of range
FUNCTION = const(8)  # function not supported by this meter
OLD = const(9)  # TID older than every TID remembered
USED = const(10)  # TID already remembered
KEY_EXPIRED = const(11)  # TID beyond the key expiry number (KEN)
DDTK = const(12)  # credit token while the meter holds a default key
CRC = const(13)  # CRC wrong: wrong meter, wrong key or a typo
MFR_CODE = const(14)  # class 1 manufacturer code is not ours
LOCKOUT = const(15)  # keypad locked out after repeated rejects
NOT_READY = const(16)  # token status not ready (virtual carrier)
# The meter's own results past sts.md 9.5 (docs/security.md "Failures"):
RESOURCE = const(17)  # out of memory even after a collection: nothing changed, enter it again

# The display text per result 1..16, "|"-separated: the LCD word (sts.md 9.5
# "typical LCD words"), shown with the two-digit code on the display and as
# the token gateway's token_description. Long texts: vocab_names.RESULTS.
_DISPLAY = const("Accept|KCT 1 ok|Key change|Overflow|Key type|Format|Range|Function|Old|Used|"
                 "Key expired|DDTK|Reject|Mfr code|Lockout|Not ready|No memory")


def result_display(code):
    """What the meter shows for a result, e.g. 'Reject 13' (<= 14 characters)."""
    word = _DISPLAY.split("|")[code - 1] if ACCEPT <= code <= RESOURCE else "Error"
    return "%s %02d" % (word, code)


def accepted(code):
    """True for the results after which the meter changed something."""
    return code == ACCEPT or code == KCT1_ACCEPTED or code == KCT2_ACCEPTED


# --- why the relay is open (meter.relay_policy.decide; the argument of the
# RELAY_OPENED / RELAY_CLOSED events), in order of priority
REASON_NONE = const(0)  # closed, or nothing holds it open
REASON_CTS_ENDED = const(1)  # cts-mode.md CTS-19: no service after CTS test mode
REASON_COMMANDED = const(2)  # remote or manual disconnect (class 70 state)
REASON_TAMPER = const(3)
REASON_POWER_LIMIT = const(4)
REASON_NO_CREDIT = const(5)
REASON_FAULT = const(6)  # a meter fault (FAULT_*): no service, nothing accepted

# --- meter faults (Meter.fault, the FAULT event's a), shown as "Err n <word>"
# (fault_display); docs/security.md "Storage damage and failures"
FAULT_SAVE = const(1)  # storage cannot be written (read-only, full, failing): retried each minute
FAULT_MEMORY = const(2)  # out of memory loading the state: retried at the next tick or token
FAULT_STATE = const(3)  # the meter's state or provisioning record is damaged: service needed
FAULT_RECORD = const(4)  # (event only) another record was damaged and replaced by its safe value
_FAULTS = const("No save|Memory|Store|Record")
# where (the FAULT event's b)
AT_STATE = const(1)  # the meter state record (data/meter)
AT_TOKEN = const(2)  # token processing
AT_DLMS = const(3)  # a DLMS exchange
AT_KEYS = const(4)  # the DLMS keys and counters record (data/dlms)
AT_AUTH = const(5)  # the authentication failure record (data/auth)
AT_EVENTS = const(6)  # the event log folder (data/events)
AT_PROVISION = const(7)  # the provisioning record (data/prov)


def fault_display(fault):
    """What the meter shows in fault state, e.g. 'Err 3 Store'."""
    return "Err %d %s" % (fault, _FAULTS.split("|")[fault - 1])

# --- event codes of the meter's event log (store.eventlog: entries
# (seq, time_s, code, a, b), all ints); a and b per code beside it. The DLMS
# event logs (meter.recorder, docs/dlms.md "Event codes") show them with
# IDIS/DSMR codes where those define one.
EV_TOKEN_ACCEPTED = const(1)  # a = result (1/2/3), b = TID or -1 (KCT)
EV_TOKEN_REJECTED = const(2)  # a = result, b = TID or -1
EV_POWER_UP = const(3)  # a = seconds the power was off (0: not known)
EV_POWER_DOWN = const(4)  # written only when the board reports a brown-out in time
EV_RELAY_OPENED = const(5)  # a = REASON_*
EV_RELAY_CLOSED = const(6)  # a = previous REASON_*
EV_TAMPER_DETECTED = const(7)
EV_TAMPER_CLEARED = const(8)  # a = 1 by token, 0 otherwise
EV_CTS_ENTERED = const(9)  # a = UUT number, b = entry method (meter.cts BY_*)
EV_CTS_EXITED = const(10)  # a = exit reason (meter.cts EXIT_*), b = timer seconds
EV_KEY_CHANGED = const(11)  # a = new KRN, b = 1 when the TID memory was reset (RO)
EV_CREDIT_CLEARED = const(12)  # a = register (0xFFFF all)
EV_LOW_CREDIT = const(13)  # a = available units
EV_EMERGENCY_CREDIT = const(14)  # a = amount
EV_POWER_LIMIT_TRIP = const(15)  # a = demand W, b = MPL W
EV_REMOTE_DISCONNECT = const(16)  # a = 1 allowed, 0 refused by control mode
EV_REMOTE_RECONNECT = const(17)  # a = 1 allowed, 0 refused
EV_MPL_SET = const(18)  # a = W
EV_CTS_PROFILE = const(19)  # a = UUT applied while CTS mode was already active
EV_MANUAL_RECONNECT = const(20)  # a = 1 allowed
EV_CTS_REFUSED = const(21)  # a = UUT asked, b = reason (meter.cts REFUSED_*)
EV_DLMS_COUNTER_NEAR_END = const(22)  # a = client SAP, b = 1 its IC, 2 the meter's (dlms.keystore)
EV_DLMS_AUTH_LOCKED = const(23)  # a = client SAP, b = seconds (dlms.auth_guard)
EV_DLMS_KEYS_RENEWED = const(24)  # a = client SAP, b = 1 EK (counters reset) | 2 AK changed
# firmware update (update.image, app.App; docs/update.md)
EV_FW_REFUSED = const(25)  # a = reason (update.image REFUSED_*): image not activated
EV_FW_ACTIVATING = const(26)  # a = slot switched to (on trial), b = slot it replaces
EV_FW_CONFIRMED = const(27)  # a = slot now running confirmed (healthy)
EV_FW_ROLLED_BACK = const(28)  # a = slot that failed its trial, b = slot running again
EV_FAULT = const(29)  # a = FAULT_*, b = AT_* (where)
EV_FAULT_CLEARED = const(30)  # a = FAULT_* that ended (the meter recovered by itself)
EV_DLMS_AUTH_FAILED = const(31)  # a = client SAP, b = failures in a row (dlms.auth_guard)
# the real-time clock (meter.realtime); b = how it was set (the COSEM clock attribute or
# method: 2 time, -1..-6 methods 1..6)
EV_CLOCK_OLD = const(32)  # a = shift in seconds, stamped with the time before the setting
EV_CLOCK_NEW = const(33)  # a = shift in seconds, stamped with the time after it
EV_CLOCK_JUMP = const(34)  # a = seconds the RTC stepped against the powered clock
EV_CLOCK_INVALID = const(35)  # resumed from the saved time (no running RTC): doubtful until set
# payment (meter.payment, docs/payment.md)
EV_PAYMENT_MODE = const(36)  # a = new payment mode (1 post-payment, 2 prepayment), b = old
EV_CHARGE_COLLECTED = const(37)  # a = charge number (1..), b = amount (currency units)
EV_FREE_ALLOCATION = const(38)  # a = Wh of free allocation for the new billing period
EV_TARIFF_ACTIVATED = const(39)  # a = charge number whose passive unit charge took over, 0 the
# passive calendar; b = 1: not activated (the passive calendar was inconsistent)
# 40 account status: meter.account_status.EV_ACCOUNT_STATUS (kept there: a name more here
# can grow this module's globals table on the board's heap)

