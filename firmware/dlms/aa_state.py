# The application association (AA) of one client as a state machine: its
# states, the events that move it, and one transition table (dlms.md 4, 6.3).
# dlms.association produces the events from what it checked; an event that
# is not in the row of the current state is not allowed there and changes
# nothing (e.g. SERVICE outside ASSOCIATED: the request is refused).
from compat import const

IDLE = const(0)  # no association
PENDING = const(1)  # AARE sent, HLS pass 3 awaited (dlms.md 6.3 step 2)
ASSOCIATED = const(2)

# events
AARQ_ACCEPTED = const(1)  # AARQ accepted; no authentication or LLS passed
AARQ_HLS = const(2)  # AARQ accepted; the client must answer the server's challenge
AARQ_REFUSED = const(3)  # AARQ refused: context, mechanism, title, initiate, counter
AUTH_FAILED = const(4)  # wrong LLS password or HLS keys (auth_guard counts these)
AUTH_CLOSED = const(5)  # AARQ refused unseen: too many failures (auth_guard)
HLS_PASSED = const(6)  # f(StoC) verified (pass 3)
SERVICE = const(7)  # a GET, SET or ACTION request
RELEASE = const(8)  # RLRQ, the link went down, or an AARQ restarts the association
KEYS_RENEWED = const(9)  # key_transfer replaced this client's keys: associate again

# The transitions: for each state (a row) the state after each event 0..9
# (a column; 0 is no event), 0xFF where the event is not allowed. Every state
# takes an AARQ (it restarts the association) and a release; PENDING also the
# HLS reply (HLS_PASSED), ASSOCIATED a service and a key renewal. One bytes
# literal (heap: three dicts cost about 1 KB on the 64-bit port).
#       event:  -  ACC HLS REF FAIL CLO PASS SRV REL REN
_NEXT = (b"\xff\x02\x01\x00\x00\x00\xff\xff\x00\xff"  # IDLE
         b"\xff\x02\x01\x00\x00\x00\x02\xff\x00\xff"  # PENDING
         b"\xff\x02\x01\x00\x00\x00\xff\x02\x00\x00")  # ASSOCIATED


def next_state(state, event):
    """The state after `event` in `state`, or None if it is not allowed there."""
    n = _NEXT[state * 10 + event] if 0 < event < 10 else 0xFF
    return None if n == 0xFF else n
