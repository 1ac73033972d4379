# ACSE APDUs (BER) and the xDLMS Initiate exchange they carry, dlms.md 4.
#
# parse_aarq / parse_rlrq read what clients send; build_aare writes the
# answer (the RLRE is a constant of dlms.association).
# InitiateRequest/Response, ConfirmedServiceError: 4.4.

from compat import const
from dlms.axdr import DecodeError, get_length, length_size, put_length

AARQ = const(0x60)
AARE = const(0x61)
RLRQ = const(0x62)

# application context names {2 16 756 5 8 1 cc}, 4.1
CONTEXT_LN = const(1)
_CONTEXT_SN = const(2)
CONTEXT_LN_CIPHERED = const(3)
_CONTEXT_SN_CIPHERED = const(4)

# mechanism names {2 16 756 5 8 2 mm}
MECHANISM_LOWEST = const(0)
MECHANISM_LLS = const(1)
MECHANISM_HLS_GMAC = const(5)

# association result, 4.3
ACCEPTED = const(0)
REJECTED_PERMANENT = const(1)
REJECTED_TRANSIENT = const(2)

# acse-service-user diagnostics
DIAG_NULL = const(0)
DIAG_NO_REASON = const(1)
DIAG_CONTEXT_NOT_SUPPORTED = const(2)
DIAG_MECHANISM_NOT_RECOGNISED = const(11)
DIAG_MECHANISM_REQUIRED = const(12)
DIAG_AUTHENTICATION_FAILURE = const(13)
DIAG_AUTHENTICATION_REQUIRED = const(14)

# xDLMS
INITIATE_REQUEST = const(0x01)
_INITIATE_RESPONSE = const(0x08)
_CONFIRMED_SERVICE_ERROR = const(0x0E)
DLMS_VERSION = const(6)
_VAA_NAME_LN = const(0x0007)
# initiate error values, 4.4
INITIATE_OTHER = const(0)
INITIATE_VERSION_TOO_LOW = const(1)
INITIATE_INCOMPATIBLE_CONFORMANCE = const(2)
INITIATE_PDU_TOO_SHORT = const(3)

_OID_PREFIX = b"\x60\x85\x74\x05\x08"
_ACSE_REQUIREMENTS_AUTH = b"\x88\x02\x07\x80"


class Aarq:
    """Fields of an AARQ a server needs; None when absent (the class holds
    the values of absent fields: parse_aarq sets only those it finds)."""
    context = None               # 1..4
    mechanism = MECHANISM_LOWEST
    mechanism_present = False
    calling_ap_title = None      # client system title
    authentication_value = None  # LLS password or HLS CtoS
    user_information = None      # InitiateRequest, plain or glo-ciphered
    acse_requirements_auth = False


def _tlvs(data, pos, end):
    """Yield (tag, value start, value end) for each BER element in [pos, end)."""
    out = []
    while pos < end:
        tag = data[pos]
        if tag & 0x1F == 0x1F:
            raise DecodeError("multi-byte BER tags not used by DLMS")
        n = data[pos + 1] if pos + 1 < end else 0x80
        if n < 0x80 and n <= end - pos - 2:  # a short length that fits: get_length's case
            pos += 2
        else:
            n, pos = get_length(data, pos + 1, end)
        out.append((tag, pos, pos + n))
        pos += n
        if len(out) > 32:
            raise DecodeError("too many fields")
    return out


def _outer(data, tag):
    if len(data) < 2 or data[0] != tag:
        raise DecodeError("unexpected ACSE tag")
    n, pos = get_length(data, 1)
    if pos + n != len(data):
        raise DecodeError("ACSE length mismatch")
    return pos


def _oid_last(data, s, e, kind):
    # the last arc of {2 16 756 5 8 kind x}
    if e - s != 7 or bytes(data[s:s + 5]) != _OID_PREFIX or data[s + 5] != kind:
        raise DecodeError("unknown object identifier")
    return data[s + 6]


def _octets(data, s, e, tag):
    # an inner primitive [tag] len value, filling exactly [s, e)
    if e - s < 2 or data[s] != tag:
        raise DecodeError("unexpected inner tag")
    n, p = get_length(data, s + 1, e)
    if p + n != e:
        raise DecodeError("inner length mismatch")
    return bytes(data[p:e])


def parse_aarq(data):
    """Parse an AARQ APDU (dlms.md 4.2); raises DecodeError."""
    try:
        pos = _outer(data, AARQ)
        q = Aarq()
        for tag, s, e in _tlvs(data, pos, len(data)):
            if tag == 0xA1:  # application-context-name: 06 07 OID
                if e - s != 9 or data[s] != 0x06 or data[s + 1] != 7:
                    raise DecodeError("bad application context")
                q.context = _oid_last(data, s + 2, e, 1)
            elif tag == 0xA6:  # calling-AP-title: 04 len title
                q.calling_ap_title = _octets(data, s, e, 0x04)
            elif tag == 0x8A:  # sender-acse-requirements (bit-string)
                q.acse_requirements_auth = e - s >= 2 and bool(data[s + 1] & 0x80)
            elif tag == 0x8B:  # mechanism-name (implicit OID)
                q.mechanism = _oid_last(data, s, e, 2)
                q.mechanism_present = True
            elif tag == 0xAC:  # calling-authentication-value: 80 len value
                q.authentication_value = _octets(data, s, e, 0x80)
            elif tag == 0xBE:  # user-information: 04 len xDLMS APDU
                q.user_information = _octets(data, s, e, 0x04)
            # other fields (protocol version, called titles, ids, implementation
            # information) carry nothing this server acts on
        if q.context is None:
            raise DecodeError("application context missing")
        return q
    except DecodeError:
        raise
    except (IndexError, ValueError, TypeError):
        raise DecodeError("malformed AARQ")


class InitiateRequest:
    def __init__(self, dedicated_key, response_allowed, version, conformance, max_pdu):
        self.dedicated_key = dedicated_key
        self.response_allowed = response_allowed
        self.version = version
        self.conformance = conformance   # 24-bit mask, dlms.md 4.4
        self.max_pdu = max_pdu           # client-max-receive-pdu-size


def parse_initiate_request(data):
    """Plain xDLMS InitiateRequest (4.4); raises DecodeError."""
    try:
        if data[0] != INITIATE_REQUEST:
            raise DecodeError("not an InitiateRequest")
        pos = 1
        key = None
        if data[pos]:  # dedicated-key OPTIONAL
            n = data[pos + 1]
            key = bytes(data[pos + 2:pos + 2 + n])
            if len(key) != n:
                raise DecodeError("dedicated key truncated")
            pos += 2 + n
        else:
            pos += 1
        allowed = True
        if data[pos]:  # response-allowed DEFAULT TRUE
            allowed = data[pos + 1] != 0
            pos += 2
        else:
            pos += 1
        if data[pos]:  # proposed-quality-of-service OPTIONAL
            pos += 2
        else:
            pos += 1
        version = data[pos]
        pos += 1
        if bytes(data[pos:pos + 4]) != b"\x5F\x1F\x04\x00":
            raise DecodeError("bad conformance block")
        pos += 4
        conf = (data[pos] << 16) | (data[pos + 1] << 8) | data[pos + 2]
        pos += 3
        max_pdu = (data[pos] << 8) | data[pos + 1]
        pos += 2
        if pos != len(data):
            raise DecodeError("trailing bytes in InitiateRequest")
        return InitiateRequest(key, allowed, version, conf, max_pdu)
    except DecodeError:
        raise
    except (IndexError, ValueError, TypeError):
        raise DecodeError("InitiateRequest truncated")


def build_initiate_response(conformance, max_pdu, version=DLMS_VERSION):
    return bytes((_INITIATE_RESPONSE, 0x00, version, 0x5F, 0x1F, 0x04, 0x00,
                  (conformance >> 16) & 255, (conformance >> 8) & 255, conformance & 255,
                  (max_pdu >> 8) & 255, max_pdu & 255, _VAA_NAME_LN >> 8, _VAA_NAME_LN & 255))


def build_initiate_error(error):
    """ConfirmedServiceError: initiateError, service-error initiate (6), 4.4."""
    return bytes((_CONFIRMED_SERVICE_ERROR, 0x01, 0x06, error))


def _element(out, tag, value, inner=-1):
    """Append tag | length | value (BER definite form); with `inner`, the
    value wrapped in an inner element first: tag | length | inner | length | value."""
    n = len(value)
    if n < 0x7E:  # both lengths in one byte
        out += bytes((tag, n + 2, inner, n)) if inner >= 0 else bytes((tag, n))
    else:
        out.append(tag)
        if inner >= 0:
            put_length(out, 1 + length_size(n) + n)
            out.append(inner)
        put_length(out, n)
    out += value


def build_aare(context, result, diagnostic, responding_ap_title=None, mechanism=None,
               stoc=None, user_information=None, provider_diagnostic=False):
    """An AARE (4.3). `mechanism` None (or lowest) omits the authentication
    fields; `user_information` is the (possibly ciphered) xDLMS APDU."""
    # A1 application-context-name (06 07 OID), A2 result, A3 diagnostic
    body = bytearray(b"\xa1\x09\x06\x07" + _OID_PREFIX)
    body += bytes((1, context, 0xA2, 0x03, 0x02, 0x01, result, 0xA3, 0x05,
                   0xA2 if provider_diagnostic else 0xA1, 0x03, 0x02, 0x01, diagnostic))
    if responding_ap_title is not None:
        _element(body, 0xA4, responding_ap_title, 0x04)
    if mechanism:
        body += _ACSE_REQUIREMENTS_AUTH
        body += b"\x89\x07" + _OID_PREFIX + bytes((2, mechanism))
        if stoc is not None:
            _element(body, 0xAA, stoc, 0x80)
    if user_information is not None:
        _element(body, 0xBE, user_information, 0x04)
    out = bytearray()
    _element(out, AARE, body)
    return bytes(out)


class Rlrq:
    def __init__(self, reason, user_information):
        self.reason = reason                    # None when absent; 0 normal
        self.user_information = user_information


def parse_rlrq(data):
    """RLRQ (4.6): optional reason [0], optional user-information [30]."""
    try:
        pos = _outer(data, RLRQ)
        reason = None
        ui = None
        for tag, s, e in _tlvs(data, pos, len(data)):
            if tag == 0x80:
                if e - s != 1:
                    raise DecodeError("bad release reason")
                reason = data[s]
            elif tag == 0xBE:
                ui = _octets(data, s, e, 0x04)
        return Rlrq(reason, ui)
    except DecodeError:
        raise
    except (IndexError, ValueError, TypeError):
        raise DecodeError("malformed RLRQ")
