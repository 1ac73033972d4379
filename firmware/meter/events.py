# Event codes of the meter's event log (issue 4 item 5). The ring itself is
# store.eventlog.EventLog: entries (seq, time_s, code, a, b), all ints.
# Arguments a and b per code are listed beside it; readable names for tools
# are in docs/meter.md (kept out of the firmware to save RAM).
from compat import const

TOKEN_ACCEPTED = const(1)  # a = sts result code (1/2/3), b = TID or -1 (KCT)
TOKEN_REJECTED = const(2)  # a = sts result code, b = TID or -1
POWER_UP = const(3)
POWER_DOWN = const(4)  # written only when the board reports a brown-out in time
RELAY_OPENED = const(5)  # a = relay_policy reason
RELAY_CLOSED = const(6)  # a = previous reason
TAMPER_DETECTED = const(7)
TAMPER_CLEARED = const(8)  # a = 1 by token, 0 otherwise
CTS_ENTERED = const(9)  # a = UUT number, b = entry method (cts.BY_*)
CTS_EXITED = const(10)  # a = exit reason (cts.EXIT_*), b = timer seconds
KEY_CHANGED = const(11)  # a = new KRN, b = 1 when the TID memory was reset (RO)
CREDIT_CLEARED = const(12)  # a = register (0xFFFF all)
LOW_CREDIT = const(13)  # a = available units
EMERGENCY_CREDIT = const(14)  # a = amount
POWER_LIMIT_TRIP = const(15)  # a = demand W, b = MPL W
REMOTE_DISCONNECT = const(16)  # a = 1 allowed, 0 refused by control mode
REMOTE_RECONNECT = const(17)  # a = 1 allowed, 0 refused
MPL_SET = const(18)  # a = W
CTS_PROFILE = const(19)  # a = UUT applied while CTS mode was already active
MANUAL_RECONNECT = const(20)  # a = 1 allowed
CTS_REFUSED = const(21)  # a = UUT asked, b = reason (cts.REFUSED_*)
DLMS_COUNTER_NEAR_END = const(22)  # a = client SAP, b = 1 its IC, 2 the meter's (dlms.keystore)
DLMS_AUTH_LOCKED = const(23)  # a = client SAP, b = seconds (dlms.auth_guard)
DLMS_KEYS_RENEWED = const(24)  # a = client SAP, b = 1 EK (counters reset) | 2 AK changed
