# Prepayment COSEM objects bound to the meter core (dlms.md 7.2-7.4): disconnect
# control (70), account (111), credit (112), token gateway (115), the CTS test
# mode register and the event log. Each reads and calls meter.meter.Meter; no
# state is duplicated here beyond the token gateway's own attributes.
from compat import const
import vocab
from dlms import axdr, cosem_time
from dlms.cosem import (CosemObject, AccessError, expect, expect_int, R0, R1, R2, R1W2,
                        MANAGEMENT, NOBODY, READ_WRITE_DENIED, TYPE_UNMATCHED, OTHER_REASON)

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
    if code == vocab.NOT_READY:
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


class TokenGateway(CosemObject):
    """Class 115 version 0 at 0.0.19.40.0.255 (dlms.md 7.4). `enter` runs the
    token through Meter.enter_token synchronously; token_status tells the
    outcome, data_value carries the STS result code as 8 bits."""
    class_id = 115
    ATTRS = (R0, R1, R1, R1, R1, R1)
    METHODS = (MANAGEMENT,)

    def __init__(self, ln, formats=("ascii", "bcd", "binary"), reject_is_error=False):
        CosemObject.__init__(self, ln)
        self.formats = formats
        self.reject_is_error = reject_is_error
        self.token = b""
        self.time = None
        self.delivery = vocab.REMOTE
        self.status = FORMAT_OK
        self.sts_result = 0
        self.descriptions = []

    def note_keypad(self, digits, code, now_s):
        """The keypad path reports its tokens here too, so the gateway's
        attributes describe the last token whatever its carrier."""
        self.token = digits.encode()
        self.time = now_s
        self.delivery = vocab.KEYPAD
        self._status(code)

    def _status(self, code):
        self.sts_result = code
        self.status = token_status_code(code)
        self.descriptions = [vocab.result_display(code).encode()]

    def read(self, attr, ctx):
        if attr == 2:
            return (axdr.OCTET_STRING, self.token)
        if attr == 3:
            if self.time is None:  # no token yet: date-time not specified
                return (axdr.OCTET_STRING, _UNSPECIFIED_DT)
            return (axdr.OCTET_STRING, cosem_time.to_octets(self.time))
        if attr == 4:
            return (axdr.ARRAY, [(axdr.OCTET_STRING, d) for d in self.descriptions])
        if attr == 5:
            return (axdr.ENUM, self.delivery)
        return (axdr.STRUCTURE, [(axdr.ENUM, self.status),
                                 axdr.bit_string(8, bytes((self.sts_result & 0xFF,)))])

    def invoke(self, method, param, ctx):
        if param is None or param[0] not in (axdr.OCTET_STRING, axdr.VISIBLE_STRING):
            self._reject(ctx)
            raise AccessError(TYPE_UNMATCHED)
        raw = param[1].encode() if isinstance(param[1], str) else bytes(param[1])
        self.token = raw
        self.time = ctx.server.wall_seconds()
        self.delivery = vocab.REMOTE
        formats = self.formats if param[0] == axdr.OCTET_STRING else ("ascii",)
        digits = token_digits(raw, formats)
        if digits is None:
            self._status(vocab.FORMAT)
            raise AccessError(TYPE_UNMATCHED)
        self._status(vocab.NOT_READY)  # stays if the meter fails (store error): not processed
        code, _ = ctx.meter.enter_token(digits, vocab.REMOTE, raw)
        self._status(code)
        if self.reject_is_error and not vocab.accepted(code):
            raise AccessError(OTHER_REASON)
        return None

    def _reject(self, ctx):
        self.time = ctx.server.wall_seconds()
        self.delivery = vocab.REMOTE
        self._status(vocab.FORMAT)


class DisconnectControl(CosemObject):
    """Class 70 version 0 at 0.0.96.3.10.255 (dlms.md 7.2); the decisions are in
    meter.relay_policy, reached through Meter.remote_disconnect/reconnect."""
    class_id = 70
    ATTRS = (R0, R0, R0, R0)
    METHODS = (MANAGEMENT, MANAGEMENT)

    def read(self, attr, ctx):
        m = ctx.meter
        if attr == 2:
            return (axdr.BOOLEAN, bool(m.relay_closed))
        if attr == 3:
            return (axdr.ENUM, m.control_state_view())
        return (axdr.ENUM, m.control_mode)

    def invoke(self, method, param, ctx):
        if param is not None and param[0] != axdr.INTEGER:
            raise AccessError(TYPE_UNMATCHED)
        ok = ctx.meter.remote_disconnect() if method == 1 else ctx.meter.remote_reconnect()
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


class Account(CosemObject):
    """Class 111 version 0 at 0.0.19.0.0.255. Amounts are in the metered credit
    register's token units; attribute 15 says which (scale -1: 0.1 kWh)."""
    class_id = 111
    ATTRS = (R0,) + (R1,) * 18
    METHODS = (NOBODY, NOBODY, NOBODY)

    def __init__(self, ln, credit_lns):
        CosemObject.__init__(self, ln)
        self.credit_lns = credit_lns

    def read(self, attr, ctx):
        a = ctx.meter.account
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
            return (axdr.OCTET_STRING, _UNSPECIFIED_DT)
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


_UNSPECIFIED_DT = bytes((0xFF,) * 9 + (0x80, 0x00, 0xFF))


class Credit(CosemObject):
    """Class 112 version 0: the token credit (0.0.19.10.0.255) or the emergency
    credit (0.0.19.10.1.255). Emergency credit can be invoked (method 3) by the
    management client; the keypad offers the same through a short code."""
    class_id = 112
    ATTRS = (R0,) + (R1,) * 10
    METHODS = (NOBODY, NOBODY, MANAGEMENT)

    def __init__(self, ln, emergency=False):
        # only the emergency credit offers invoke_credit (the object list says so)
        CosemObject.__init__(self, ln, methods=None if emergency else (NOBODY,) * 3)
        self.emergency = emergency

    def read(self, attr, ctx):
        a = ctx.meter.account
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
        return (axdr.OCTET_STRING, _UNSPECIFIED_DT)

    def invoke(self, method, param, ctx):
        if not self.emergency or method != 3:
            raise AccessError(READ_WRITE_DENIED)
        if not ctx.meter.invoke_emergency_credit():
            raise AccessError(OTHER_REASON)
        return None


class CtsMode(CosemObject):
    """STS 203-1 CTS test mode register (Data, manufacturer OBIS). Read: the
    UUT number in use, 0 when not in CTS mode. Write an unsigned 1..99 to enter
    or change profile, 0 to leave (cts-mode.md CTS-9; Meter.cts_register_write);
    a value outside 0..99 is other-reason, a refused one read-write-denied."""
    class_id = 1
    ATTRS = (R0, (R0[0], MANAGEMENT))

    def read(self, attr, ctx):
        state, uut, _, _ = ctx.meter.cts_register_read()
        return (axdr.UNSIGNED, uut if ctx.meter.cts.active() else 0)

    def write(self, attr, value, ctx):
        from meter import cts as ctsmod
        r = ctx.meter.cts_register_write(expect_int(value))
        if r == ctsmod.REFUSED_RANGE:
            raise AccessError(OTHER_REASON)
        if r not in (ctsmod.ENTERED, ctsmod.CHANGED):
            raise AccessError(READ_WRITE_DENIED)


class CtsStatus(CosemObject):
    """CTS status (Data, manufacturer OBIS): structure {state enum (0 never
    entered, 1 active, 2 ended), uut unsigned, powered-up timer seconds
    double-long-unsigned, exit reason enum}."""
    class_id = 1
    ATTRS = (R0, R0)

    def read(self, attr, ctx):
        state, uut, elapsed, reason = ctx.meter.cts_register_read()
        return (axdr.STRUCTURE, [(axdr.ENUM, state), (axdr.UNSIGNED, uut),
                                 (axdr.DOUBLE_LONG_UNSIGNED, elapsed), (axdr.ENUM, reason)])


class EventLog(CosemObject):
    """The newest entries of the meter's event ring (Data, manufacturer OBIS):
    array of structure {seq, time (s since power-up clock), code, a, b}."""
    class_id = 1
    ATTRS = (R0, R1)

    def __init__(self, ln, count=24):
        CosemObject.__init__(self, ln)
        self.count = count

    def read(self, attr, ctx):
        log = ctx.meter.eventlog
        rows = log.entries()[-self.count:] if log is not None else []
        return (axdr.ARRAY, [(axdr.STRUCTURE, [
            (axdr.DOUBLE_LONG_UNSIGNED, e[0]), (axdr.DOUBLE_LONG_UNSIGNED, e[1] & 0xFFFFFFFF),
            (axdr.LONG_UNSIGNED, e[2]), (axdr.DOUBLE_LONG, e[3]), (axdr.DOUBLE_LONG, e[4])])
            for e in rows])
