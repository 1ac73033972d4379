# The load switch policy: the ONE place that decides whether the relay is closed.
#
# Two layers, as in DLMS disconnect control (class 70, dlms.md 7.2):
#  * the commanded state `control_state` (0 disconnected, 1 connected,
#    2 ready_for_reconnection), changed only by remote/manual commands through
#    `command()` and kept in non-volatile state;
#  * local conditions evaluated afresh on every decision: CTS ended, tamper,
#    power-limit trip, out of credit. A local condition is a "local disconnect"
#    (transition g); when it clears the meter reconnects locally (transition h)
#    without a button press (dlms.md 7.2 "Prepayment use": local disconnect when
#    credit is exhausted, local reconnect after a successful token).
#
# Class 70 transitions as read from the Blue Book (dlms.md 7.2 marks the letters
# unconfirmed): a remote_reconnect disc->conn; b remote_disconnect conn->disc;
# c remote_disconnect ready->disc; d remote_reconnect disc->ready;
# e manual_reconnect ready->conn; f manual_disconnect conn->ready.
# control_mode 0: always connected, no disconnection possible (only CTS-19
# overrides it); 1,3,5,6: remote reconnect goes to ready_for_reconnection and
# the customer confirms at the meter (e); 2,4: remote reconnect connects at once;
# manual disconnect (f) only in modes 1, 2 and 5.
from compat import const
import vocab

DISCONNECTED = const(0)
CONNECTED = const(1)
READY = const(2)  # ready_for_reconnection

# commands
REMOTE_DISCONNECT = const(1)
REMOTE_RECONNECT = const(2)
MANUAL_DISCONNECT = const(3)
MANUAL_RECONNECT = const(4)


def command(control_state, control_mode, cmd):
    """Class 70 transition for a remote/manual command.
    Returns (new control_state, allowed)."""
    if control_mode < 1 or control_mode > 6:
        return control_state, False
    if cmd == REMOTE_DISCONNECT:  # b, c
        return DISCONNECTED, True
    if cmd == REMOTE_RECONNECT:
        if control_state != DISCONNECTED:  # already connected or waiting
            return control_state, True
        if control_mode == 2 or control_mode == 4:  # a
            return CONNECTED, True
        return READY, True  # d
    if cmd == MANUAL_RECONNECT:  # e
        if control_state == READY:
            return CONNECTED, True
        return control_state, control_state == CONNECTED
    if cmd == MANUAL_DISCONNECT:  # f
        if control_mode == 1 or control_mode == 2 or control_mode == 5:
            if control_state == CONNECTED:
                return READY, True
            return control_state, True
        return control_state, False
    return control_state, False


def decide(control_state, control_mode, cts_ended, tamper_open, power_tripped, out_of_credit,
           fault=False):
    """Returns (relay_closed, reason (vocab.REASON_*), exposed_control_state).

    cts_ended: CTS test mode has ended (opens in every control mode, CTS-19).
    tamper_open: tamper detected and the meter is configured to disconnect on it.
    power_tripped: the maximum power limit trip is latched (see account.py).
    out_of_credit: prepayment mode and no available credit (incl. emergency).
    fault: the meter's stored state is unreadable (meter.py): open, like CTS end.
    exposed_control_state is what class 70 attribute 3 shows: the commanded
    state, or ready_for_reconnection while a local condition holds the relay open.
    """
    if fault:
        return False, vocab.REASON_FAULT, DISCONNECTED
    if cts_ended:
        return False, vocab.REASON_CTS_ENDED, DISCONNECTED
    if control_mode == 0:
        return True, vocab.REASON_NONE, CONNECTED
    if control_state != CONNECTED:
        return False, vocab.REASON_COMMANDED, control_state
    if tamper_open:
        return False, vocab.REASON_TAMPER, READY
    if power_tripped:
        return False, vocab.REASON_POWER_LIMIT, READY
    if out_of_credit:
        return False, vocab.REASON_NO_CREDIT, READY
    return True, vocab.REASON_NONE, CONNECTED
