# The "STS attributes" object (issue 13 item 3): a manufacturer-specific class 1
# object whose value is one structure of the meter's STS status
# (meter.sts_status). NOT the ratified STS 201-2 COSEM class, whose contents
# are not public (docs/dlms.md "STS attributes"). binding.object_list.objects makes it on
# first access: this module loads only when a client reads it.
from dlms import axdr
from dlms.cosem import CosemObject, R0, R1
from dlms.cosem_time import UNSPECIFIED
from meter.sts_status import status

_NULL = (axdr.NULL, None)


def _when(t):
    """(y, m, d, hh, mm) of a TID minute -> COSEM date-time. The TID clock's
    time zone is not defined (sts.md 4.2): deviation not specified."""
    return (axdr.OCTET_STRING, axdr.date_time(t[0], t[1], t[2], t[3], t[4], 0))


class StsAttributes(CosemObject):
    """Class 1 at 0.128.96.51.0.255: attribute 2 is the structure of the 18
    elements of docs/dlms.md, readable by the reader and management clients.
    keypad: the meter.keypad.Keypad whose lock-out it shows, or None."""
    class_id = 1
    ATTRS = (R0, R1)

    def __init__(self, ln, meter, keypad):
        CosemObject.__init__(self, ln)
        self.meter = meter
        self.keypad = keypad

    def read(self, attr, ctx):
        s = status(self.meter, self.keypad.lockout if self.keypad is not None else None)
        U, U16, U32 = axdr.UNSIGNED, axdr.LONG_UNSIGNED, axdr.DOUBLE_LONG_UNSIGNED
        tid = s["last_tid"]
        exp = s["key_expiry"]
        return (axdr.STRUCTURE, [
            (axdr.VISIBLE_STRING, s["drn"]), (U, s["ea"]), (U32, s["sgc"]), (U, s["ti"]),
            (U, s["krn"]), (U, s["kt"]), (U, s["ken"]),
            (axdr.OCTET_STRING, UNSPECIFIED) if exp is None else _when(exp),  # KEN 255
            (U16, s["base_date"]),
            _NULL if tid is None else (U32, tid),
            _NULL if tid is None else _when(s["last_tid_date"]),
            (U16, s["tids_used"]), (U16, s["tids_size"]),
            (axdr.ENUM, s["cts_state"]), (U32, s["cts_timer_s"]),
            (axdr.BOOLEAN, s["keypad_locked"]), (U32, s["keypad_lock_s"]),
            (U, s["keypad_rejects"]),
        ])
