# The token gateway (class 115, dlms.md 7.4), which every remote token
# reaches: the STS result -> token_status mapping and the three encodings of
# the token. The other prepayment objects (account and credits:
# binding.account_objects; disconnect control, CTS mode, event log:
# binding.meter_objects) load when a client first reads one. Each is given the meter.meter.Meter it shows and
# calls; none keeps state of its own.
from compat import const
import vocab
from dlms import axdr
from dlms.cosem import CosemObject, AccessError, R0, R1

_MANAGEMENT = const(2)  # cosem.MANAGEMENT
_TYPE_UNMATCHED = const(12)  # cosem.TYPE_UNMATCHED
_OTHER_REASON = const(250)  # cosem.OTHER_REASON
_TEMPORARY_FAILURE = const(2)  # cosem.TEMPORARY_FAILURE

# token_status status_code (dlms.md 7.4)
_FORMAT_OK = const(0)
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


class TokenGateway(CosemObject):
    """Class 115 version 0 at 0.0.19.40.0.255 (dlms.md 7.4): a view of
    Meter.last_token, the last token whatever its carrier (keypad tokens
    too). `enter` runs the token through Meter.enter_token synchronously;
    token_status tells the outcome, data_value carries the STS result code
    as 8 bits. token_time is on `clock` (meter.realtime.RealTime)."""
    class_id = 115
    ATTRS = (R0, R1, R1, R1, R1, R1)
    METHODS = (_MANAGEMENT,)

    def __init__(self, ln, meter, formats=None, reject_is_error=False, clock=None):
        CosemObject.__init__(self, ln)
        self.meter = meter
        self.formats = formats or ("ascii", "bcd", "binary")  # docs/dlms.md token encodings
        self.reject_is_error = reject_is_error
        self.clock = clock

    @property
    def token(self):
        """Attribute 2: the last token as its carrier delivered it."""
        t = self.meter.last_token  # (source, result, units, time, token)
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
            from dlms import cosem_time  # loaded when a client first reads the time
            if t is None:  # no token yet: date-time not specified
                return (axdr.OCTET_STRING, cosem_time.UNSPECIFIED)
            return (axdr.OCTET_STRING, cosem_time.stamp(self.clock, t[3]))
        if attr == 4:
            return (axdr.ARRAY, [(axdr.OCTET_STRING, vocab.result_display(t[1]).encode())]
                    if t else [])
        if attr == 5:
            return (axdr.ENUM, t[0] if t else vocab.REMOTE)
        code = t[1] if t else 0
        return (axdr.STRUCTURE, [(axdr.ENUM, token_status_code(code) if t else _FORMAT_OK),
                                 axdr.bit_string(8, bytes((code & 0xFF,)))])

    def invoke(self, method, param, ctx):
        m = self.meter
        if param is None or param[0] not in (axdr.OCTET_STRING, axdr.VISIBLE_STRING):
            m.token_refused(vocab.REMOTE, vocab.FORMAT, b"")
            raise AccessError(_TYPE_UNMATCHED)
        raw = param[1].encode() if isinstance(param[1], str) else bytes(param[1])
        formats = self.formats if param[0] == axdr.OCTET_STRING else ("ascii",)
        digits = token_digits(raw, formats)
        if digits is None:
            m.token_refused(vocab.REMOTE, vocab.FORMAT, raw)
            raise AccessError(_TYPE_UNMATCHED)
        try:
            code, _ = m.enter_token(digits, vocab.REMOTE, raw)
        except MemoryError:  # out of memory outside the meter's own retry: temporary-failure
            m.token_refused(vocab.REMOTE, vocab.RESOURCE, raw)
            raise
        except Exception:  # the meter failed (a store error): not processed, hardware-fault
            m.token_refused(vocab.REMOTE, vocab.NOT_READY, raw)
            raise
        if code == vocab.RESOURCE:  # out of memory: nothing changed, send it again
            raise AccessError(_TEMPORARY_FAILURE)
        if self.reject_is_error and not vocab.accepted(code):
            raise AccessError(_OTHER_REASON)
        return None
