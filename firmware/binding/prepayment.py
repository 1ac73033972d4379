# Prepayment COSEM objects bound to the meter (dlms.md 7.2-7.4): disconnect
# control (70), account (111), credit (112), token gateway (115), the CTS test
# mode register and the event log. Each is given the meter.meter.Meter it
# shows and calls; none keeps state of its own.
from compat import const
import vocab
from dlms import axdr, cosem_time
from meter import cts as ctsmod
from dlms.cosem import (CosemObject, AccessError, expect_int, R0, R1, MANAGEMENT, NOBODY,
                        READ_WRITE_DENIED, TYPE_UNMATCHED, OTHER_REASON, TEMPORARY_FAILURE)

# token_status status_code (dlms.md 7.4)
FORMAT_OK = const(0)
EXECUTED = const(3)
FORMAT_FAILURE = const(4)
AUTHENTICATION_FAILURE = const(5)
VALIDATION_FAILURE = const(6)
EXECUTION_FAILURE = const(7)
NOT_PROCESSED = const(8)


def token_status_code(code):
    """STS result (sts.md 9.5) -> token_status status_code (dlms.md 7.4 mapping)."""
    if vocab.accepted(code):
        return EXECUTED
    if code == vocab.FORMAT:
        return FORMAT_FAILURE
    if code == vocab.CRC:
        return AUTHENTICATION_FAILURE
    if code == vocab.OVERFLOW or code == vocab.LOCKOUT:
        # Lockout through the gateway: the meter executes no token (CTS mode
        # ended, or its state unreadable), whatever the token (docs/cts.md)
        return EXECUTION_FAILURE
    if code == vocab.NOT_READY or code == vocab.RESOURCE:
        return NOT_PROCESSED
    return VALIDATION_FAILURE


def token_digits(octets, formats):
    """The octet-string given to `enter` -> 20 digits, or None (docs/dlms.md):
    'ascii' 20 bytes '0'..'9'; 'bcd' 10 bytes packed; 'binary' 9 bytes < 2^66."""
    n = len(octets)
    if n == 20 and "ascii" in formats:
        for b in octets:
            if b < 0x30 or b > 0x39:
                return None
        return bytes(octets).decode()
    if n == 10 and "bcd" in formats:
        out = []
        for b in octets:
            if b >> 4 > 9 or b & 15 > 9:
                return None
            out.append("%d%d" % (b >> 4, b & 15))
        return "".join(out)
    if n == 9 and "binary" in formats:
        t = int.from_bytes(bytes(octets), "big")
        if t >= 1 << 66:
            return None
        s = str(t)
        return "0" * (20 - len(s)) + s
    return None


class _Bound(CosemObject):
    """A COSEM object that shows and calls `meter` (meter.meter.Meter)."""

    def __init__(self, ln, meter, methods=None):
        CosemObject.__init__(self, ln, None, methods)
        self.meter = meter


class TokenGateway(_Bound):
    """Class 115 version 0 at 0.0.19.40.0.255 (dlms.md 7.4): a view of
    Meter.last_token, the last token whatever its carrier (keypad tokens
    too). `enter` runs the token through Meter.enter_token synchronously;
    token_status tells the outcome, data_value carries the STS result code
    as 8 bits."""
    class_id = 115
    ATTRS = (R0, R1, R1, R1, R1, R1)
    METHODS = (MANAGEMENT,)

    def __init__(self, ln, meter, formats=None, reject_is_error=False):
        _Bound.__init__(self, ln, meter)
        self.formats = formats or ("ascii", "bcd", "binary")  # docs/dlms.md token encodings
        self.reject_is_error = reject_is_error

    @property
    def token(self):
        """Attribute 2: the last token as its carrier delivered it."""
        t = self.meter.last_token  # (source, result, units, clock s, token)
        return t[4] if t is not None else b""

    @property
    def sts_result(self):
        """The STS result of the last token (0: none since power-up)."""
        t = self.meter.last_token
        return t[1] if t is not None else 0

    def read(self, attr, ctx):
        t = self.meter.last_token
        if attr == 2:
            return (axdr.OCTET_STRING, self.token)
        if attr == 3:
            if t is None:  # no token yet: date-time not specified
                return (axdr.OCTET_STRING, cosem_time.UNSPECIFIED)
            # the meter's clock time of the token, on the server's wall clock
            wall = ctx.server.wall_seconds() - (self.meter.clock() - t[3])
            return (axdr.OCTET_STRING, cosem_time.to_octets(wall))
        if attr == 4:
            return (axdr.ARRAY, [(axdr.OCTET_STRING, vocab.result_display(t[1]).encode())]
                    if t else [])
        if attr == 5:
            return (axdr.ENUM, t[0] if t else vocab.REMOTE)
        code = t[1] if t else 0
        return (axdr.STRUCTURE, [(axdr.ENUM, token_status_code(code) if t else FORMAT_OK),
                                 axdr.bit_string(8, bytes((code & 0xFF,)))])

    def invoke(self, method, param, ctx):
        m = self.meter
        if param is None or param[0] not in (axdr.OCTET_STRING, axdr.VISIBLE_STRING):
            m.token_refused(vocab.REMOTE, vocab.FORMAT, b"")
            raise AccessError(TYPE_UNMATCHED)
        raw = param[1].encode() if isinstance(param[1], str) else bytes(param[1])
        formats = self.formats if param[0] == axdr.OCTET_STRING else ("ascii",)
        digits = token_digits(raw, formats)
        if digits is None:
            m.token_refused(vocab.REMOTE, vocab.FORMAT, raw)
            raise AccessError(TYPE_UNMATCHED)
        try:
            code, _ = m.enter_token(digits, vocab.REMOTE, raw)
        except MemoryError:  # out of memory outside the meter's own retry: temporary-failure
            m.token_refused(vocab.REMOTE, vocab.RESOURCE, raw)
            raise
        except Exception:  # the meter failed (a store error): not processed, hardware-fault
            m.token_refused(vocab.REMOTE, vocab.NOT_READY, raw)
            raise
        if code == vocab.RESOURCE:  # out of memory: nothing changed, send it again
            raise AccessError(TEMPORARY_FAILURE)
        if self.reject_is_error and not vocab.accepted(code):
            raise AccessError(OTHER_REASON)
        return None


class DisconnectControl(_Bound):
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


def _credit_status_bits(acct):
    """Account attribute 4 current_credit_status: b0 in credit, b1 low credit,
    b6 out of credit (bit 0 = most significant bit of the octet)."""
    v = 0
    if acct.available() > 0:
        v |= 0x80
    if acct.low_credit():
        v |= 0x40
    if acct.out_of_credit():
        v |= 0x02
    return axdr.bit_string(8, bytes((v,)))


_UNIT_NAMES = ("kWh", "m3 water", "m3 gas", "time", "currency", "currency", "currency", "currency")


class Account(_Bound):
    """Class 111 version 0 at 0.0.19.0.0.255. Amounts are in the metered credit
    register's token units; attribute 15 says which (scale -1: 0.1 kWh)."""
    class_id = 111
    ATTRS = (R0,) + (R1,) * 18
    METHODS = (NOBODY, NOBODY, NOBODY)

    def __init__(self, ln, meter, credit_lns):
        _Bound.__init__(self, ln, meter)
        self.credit_lns = credit_lns

    def read(self, attr, ctx):
        a = self.meter.account
        if attr == 2:
            return (axdr.STRUCTURE, [(axdr.ENUM, 2), (axdr.ENUM, a.payment_mode)])
        if attr == 3:
            return (axdr.UNSIGNED, 1 if a.ec_active else 0)
        if attr == 4:
            return _credit_status_bits(a)
        if attr == 5:
            return (axdr.DOUBLE_LONG, a.available())
        if attr in (6, 7, 17):
            return (axdr.DOUBLE_LONG, 0)
        if attr == 8:
            debt = -a.credit[a.metered] if a.credit[a.metered] < 0 else 0
            return (axdr.DOUBLE_LONG, debt)
        if attr == 9:
            return (axdr.ARRAY, [(axdr.OCTET_STRING, ln) for ln in self.credit_lns])
        if attr in (10, 11):
            return (axdr.ARRAY, [])
        if attr == 12:
            return (axdr.ARRAY, [(axdr.STRUCTURE, [(axdr.OCTET_STRING, self.credit_lns[0]),
                                                   (axdr.UNSIGNED, 100)])])
        if attr in (13, 14):
            return (axdr.OCTET_STRING, cosem_time.UNSPECIFIED)
        if attr == 15:
            currency = a.metered >= 4
            return (axdr.STRUCTURE, [
                (axdr.VISIBLE_STRING, _UNIT_NAMES[a.metered].encode()),
                (axdr.INTEGER, -5 if currency else -1), (axdr.ENUM, 2 if currency else 1)])
        if attr == 16:
            return (axdr.DOUBLE_LONG, a.low_threshold)
        if attr == 18:
            return (axdr.LONG_UNSIGNED, 0)
        return (axdr.DOUBLE_LONG_UNSIGNED, 0)


class Credit(_Bound):
    """Class 112 version 0: the token credit (0.0.19.10.0.255) or the emergency
    credit (0.0.19.10.1.255). Emergency credit can be invoked (method 3) by the
    management client; the keypad offers the same through a short code."""
    class_id = 112
    ATTRS = (R0,) + (R1,) * 10
    METHODS = (NOBODY, NOBODY, MANAGEMENT)

    def __init__(self, ln, meter, emergency=False):
        # only the emergency credit offers invoke_credit (the object list says so)
        _Bound.__init__(self, ln, meter, None if emergency else (NOBODY,) * 3)
        self.emergency = emergency

    def read(self, attr, ctx):
        a = self.meter.account
        if attr == 2:
            if self.emergency:
                return (axdr.DOUBLE_LONG, a.ec_amount)
            return (axdr.DOUBLE_LONG, a.credit[a.metered])
        if attr == 3:
            return (axdr.ENUM, 2 if self.emergency else 0)
        if attr == 4:
            return (axdr.UNSIGNED, 2 if self.emergency else 1)
        if attr == 5:
            return (axdr.DOUBLE_LONG, a.low_threshold)
        if attr in (6, 9, 10):
            return (axdr.DOUBLE_LONG, 0)
        if attr == 7:  # b4 receives credit from tokens; b2 paid back (emergency)
            return axdr.bit_string(5, bytes((0x20 if self.emergency else 0x08,)))
        if attr == 8:
            if self.emergency:
                return (axdr.ENUM, 3 if a.ec_active else (1 if a.ec_invokable() else 0))
            return (axdr.ENUM, 4 if a.credit[a.metered] <= 0 else 3)
        return (axdr.OCTET_STRING, cosem_time.UNSPECIFIED)

    def invoke(self, method, param, ctx):
        if not self.emergency or method != 3:
            raise AccessError(READ_WRITE_DENIED)
        if not self.meter.invoke_emergency_credit():
            raise AccessError(OTHER_REASON)
        return None


class CtsMode(_Bound):
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


class CtsStatus(_Bound):
    """CTS status (Data, manufacturer OBIS): structure {state enum (0 never
    entered, 1 active, 2 ended), uut unsigned, powered-up timer seconds
    double-long-unsigned, exit reason enum}."""
    class_id = 1
    ATTRS = (R0, R0)

    def read(self, attr, ctx):
        state, uut, elapsed, reason = self.meter.cts_register_read()
        return (axdr.STRUCTURE, [(axdr.ENUM, state), (axdr.UNSIGNED, uut),
                                 (axdr.DOUBLE_LONG_UNSIGNED, elapsed), (axdr.ENUM, reason)])


class EventLog(_Bound):
    """The newest entries of the meter's event ring (Data, manufacturer OBIS):
    array of structure {seq, time (s since power-up clock), code, a, b}."""
    class_id = 1
    ATTRS = (R0, R1)

    def __init__(self, ln, meter, count=24):
        _Bound.__init__(self, ln, meter)
        self.count = count

    def read(self, attr, ctx):
        log = self.meter.eventlog
        rows = log.entries()[-self.count:] if log is not None else []
        return (axdr.ARRAY, [(axdr.STRUCTURE, [
            (axdr.DOUBLE_LONG_UNSIGNED, e[0]), (axdr.DOUBLE_LONG_UNSIGNED, e[1] & 0xFFFFFFFF),
            (axdr.LONG_UNSIGNED, e[2]), (axdr.DOUBLE_LONG, e[3]), (axdr.DOUBLE_LONG, e[4])])
            for e in rows])
