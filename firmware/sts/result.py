# Token result codes, sts.md 9.5 (IEC 62055-41 TokenResult; Conlog BEC62 display table).
# The numbers are what a meter shows and what the DLMS token gateway reports.
from compat import const

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

NAMES = {
    ACCEPT: "Accept",
    KCT1_ACCEPTED: "1st KCT",
    KCT2_ACCEPTED: "2nd KCT",
    OVERFLOW: "Overflow",
    KEY_TYPE: "Key type",
    FORMAT: "Format",
    RANGE: "Range",
    FUNCTION: "Function",
    OLD: "Old",
    USED: "Used",
    KEY_EXPIRED: "Key expired",
    DDTK: "DDTK",
    CRC: "CRC",
    MFR_CODE: "MfrCode",
    LOCKOUT: "Lockout",
    NOT_READY: "Not ready",
}


def name(code):
    return NAMES.get(code, "Reserved")


def accepted(code):
    """True for the codes after which the meter changed something."""
    return code == ACCEPT or code == KCT1_ACCEPTED or code == KCT2_ACCEPTED
