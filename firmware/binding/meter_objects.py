# COSEM objects that show the meter (dlms.md 7.2-7.3): disconnect control
# (70), the CTS test mode register and status, the newest events. The
# account (111) and the credits (112) are binding.account_objects' (a token
# session reads the credit: it loads less), single facts binding.facts' (the
# invocation counter a client reads before a ciphered session).
# binding.object_list.objects makes them on first access, so this module
# loads only when a client reads one.
# Each is given the meter.meter.Meter it shows and calls; none keeps state
# of its own.
from dlms import axdr
from meter import cts as ctsmod
from binding.account_objects import Bound
from dlms.cosem import (AccessError, expect_int, R0, R1, MANAGEMENT, READ_WRITE_DENIED,
                        TYPE_UNMATCHED, OTHER_REASON)


class DisconnectControl(Bound):
    """Class 70 version 0 at 0.0.96.3.10.255 (dlms.md 7.2); the decisions are in
    meter.relay_policy, reached through Meter.remote_disconnect/reconnect."""
    class_id = 70
    ATTRS = (R0, R0, R0, R0)
    METHODS = (MANAGEMENT, MANAGEMENT)

    def read(self, attr, ctx):
        m = self.meter
        if attr == 2:
            return (axdr.BOOLEAN, bool(m.relay_closed))
        if attr == 3:
            return (axdr.ENUM, m.control_state_view())
        return (axdr.ENUM, m.control_mode)

    def invoke(self, method, param, ctx):
        if param is not None and param[0] != axdr.INTEGER:
            raise AccessError(TYPE_UNMATCHED)
        m = self.meter
        ok = m.remote_disconnect() if method == 1 else m.remote_reconnect()
        if not ok:
            raise AccessError(OTHER_REASON)  # refused by the control mode
        return None


class CtsMode(Bound):
    """STS 203-1 CTS test mode register (Data, manufacturer OBIS). Read: the
    UUT number in use, 0 when not in CTS mode. Write an unsigned 1..99 to enter
    or change profile, 0 to leave (cts-mode.md CTS-9; Meter.cts_register_write);
    a value outside 0..99 is other-reason, a refused one read-write-denied."""
    class_id = 1
    ATTRS = (R0, (R0[0], MANAGEMENT))

    def read(self, attr, ctx):
        state, uut, _, _ = self.meter.cts_register_read()
        return (axdr.UNSIGNED, uut if state == ctsmod.ACTIVE else 0)

    def write(self, attr, value, ctx):
        r = self.meter.cts_register_write(expect_int(value))
        if r == ctsmod.REFUSED_RANGE:
            raise AccessError(OTHER_REASON)
        if r not in (ctsmod.ENTERED, ctsmod.CHANGED):
            raise AccessError(READ_WRITE_DENIED)


class CtsStatus(Bound):
    """CTS status (Data, manufacturer OBIS): structure {state enum (0 never
    entered, 1 active, 2 ended), uut unsigned, powered-up timer seconds
    double-long-unsigned, exit reason enum}."""
    class_id = 1
    ATTRS = (R0, R0)

    def read(self, attr, ctx):
        state, uut, elapsed, reason = self.meter.cts_register_read()
        return (axdr.STRUCTURE, [(axdr.ENUM, state), (axdr.UNSIGNED, uut),
                                 (axdr.DOUBLE_LONG_UNSIGNED, elapsed), (axdr.ENUM, reason)])


class EventLog(Bound):
    """The newest entries of the meter's event ring (Data, manufacturer OBIS):
    array of structure {seq, time (s since power-up clock), code, a, b}."""
    class_id = 1
    ATTRS = (R0, R1)

    def __init__(self, ln, meter, count=24):
        Bound.__init__(self, ln, meter)
        self.count = count

    def read(self, attr, ctx):
        log = self.meter.eventlog
        rows = log.entries()[-self.count:] if log is not None else []
        return (axdr.ARRAY, [(axdr.STRUCTURE, [
            (axdr.DOUBLE_LONG_UNSIGNED, e[0]), (axdr.DOUBLE_LONG_UNSIGNED, e[1] & 0xFFFFFFFF),
            (axdr.LONG_UNSIGNED, e[2]), (axdr.DOUBLE_LONG, e[3]), (axdr.DOUBLE_LONG, e[4])])
            for e in rows])
