# xDLMS LN services: GET / SET / ACTION requests and their responses,
# exception-response, dlms.md 5.1-5.2. A-XDR data via dlms.axdr.
#
# Requests parse into small objects; responses are built as bytes. The
# invoke-id-and-priority byte is kept whole and echoed unchanged (5.1).

from builtins import isinstance, len  # module globals: a builtin is found by a linear search
from compat import const
from dlms import axdr
from dlms.axdr import DecodeError

GET_REQUEST = const(0xC0)
SET_REQUEST = const(0xC1)
ACTION_REQUEST = const(0xC3)
_GET_RESPONSE = const(0xC4)
_SET_RESPONSE = const(0xC5)
_ACTION_RESPONSE = const(0xC7)
EXCEPTION_RESPONSE = const(0xD8)

# request / response sub-types (CHOICE index)
NORMAL = const(1)
NEXT = const(2)          # get-request-next / get-response-with-datablock
WITH_LIST = const(3)     # GET with-list
SET_WITH_LIST = const(4)  # set-request-with-list / set-response-with-list is 5
_SET_RESPONSE_WITH_LIST = const(5)

# data-access-result / action-result, 5.2
SUCCESS = const(0)
HARDWARE_FAULT = const(1)
TEMPORARY_FAILURE = const(2)
READ_WRITE_DENIED = const(3)
OBJECT_UNDEFINED = const(4)
OBJECT_CLASS_INCONSISTENT = const(9)
OBJECT_UNAVAILABLE = const(11)
TYPE_UNMATCHED = const(12)
SCOPE_OF_ACCESS_VIOLATED = const(13)
_DATA_BLOCK_UNAVAILABLE = const(14)
LONG_GET_ABORTED = const(15)
NO_LONG_GET_IN_PROGRESS = const(16)
_DATA_BLOCK_NUMBER_INVALID = const(19)
OTHER_REASON = const(250)

# exception-response, 5.2
STATE_SERVICE_NOT_ALLOWED = const(1)
STATE_SERVICE_UNKNOWN = const(2)
SERVICE_OPERATION_NOT_POSSIBLE = const(1)
SERVICE_NOT_SUPPORTED = const(2)
SERVICE_OTHER_REASON = const(3)
SERVICE_PDU_TOO_LONG = const(4)
SERVICE_DECIPHERING_ERROR = const(5)
SERVICE_INVOCATION_COUNTER_ERROR = const(6)


class Unsupported(DecodeError):
    """Well-formed enough to name, but a service or sub-type this server
    does not offer (answer with exception-response service-not-supported)."""


class Ref:
    """A COSEM attribute or method reference (LN): class_id, 6-byte logical
    name, attribute/method index; selective access for attributes."""

    def __init__(self, class_id, ln, index, selector=None, parameters=None):
        self.class_id = class_id
        self.ln = ln
        self.index = index
        self.selector = selector        # access selector, None = no selective access
        self.parameters = parameters    # its access parameters as (tag, value)


class GetRequest:
    def __init__(self, kind, invoke, refs=None, block_number=None):
        self.kind = kind                # NORMAL, NEXT or WITH_LIST
        self.invoke = invoke
        self.refs = refs                # list of Ref (one for NORMAL)
        self.block_number = block_number  # NEXT: the block being acknowledged


class SetRequest:
    def __init__(self, kind, invoke, refs, values):
        self.kind = kind                # NORMAL or SET_WITH_LIST
        self.invoke = invoke
        self.refs = refs
        self.values = values            # decoded (tag, value) per ref


class ActionRequest:
    def __init__(self, invoke, ref, value):
        self.kind = NORMAL
        self.invoke = invoke
        self.ref = ref
        self.value = value              # decoded (tag, value), None = no parameter


def _u16(d, p):
    return (d[p] << 8) | d[p + 1]


def _u32(d, p):
    return (d[p] << 24) | (d[p + 1] << 16) | (d[p + 2] << 8) | d[p + 3]


def _ref(d, p, end, with_access):
    # class_id(2) ln(6) index(1) [access-selection OPTIONAL]
    if p + 9 > end:
        raise DecodeError("reference truncated")
    r = Ref(_u16(d, p), bytes(d[p + 2:p + 8]), d[p + 8])
    p += 9
    if with_access:
        if p >= end:
            raise DecodeError("access selection missing")
        flag = d[p]
        p += 1
        if flag:
            if p >= end:
                raise DecodeError("access selector missing")
            r.selector = d[p]
            r.parameters, p = axdr.decode(d, p + 1, end)
    return r, p


def _count(d, p, end):
    n, p = axdr.get_length(d, p, end)
    if n == 0 or n > end - p:
        raise DecodeError("bad list count")
    return n, p


def _refs(d, p, end):
    """A SEQUENCE OF attribute descriptors with selective access (with-list)."""
    n, p = _count(d, p, end)
    refs = []
    for _ in range(n):
        r, p = _ref(d, p, end, True)
        refs.append(r)
    return refs, p


def _done(p, end):
    if p != end:
        raise DecodeError("trailing bytes in APDU")


def parse_request(d):
    """Parse a plaintext GET/SET/ACTION request; raises DecodeError
    (Unsupported for other services or sub-types)."""
    try:  # (one function: a call more would allocate another frame on MicroPython's heap)
        end = len(d)
        if end < 3:
            raise DecodeError("APDU too short")
        tag, kind, invoke = d[0], d[1], d[2]
        p = 3
        if tag == GET_REQUEST:
            if kind == NORMAL:
                r, p = _ref(d, p, end, True)
                _done(p, end)
                return GetRequest(NORMAL, invoke, [r])
            if kind == NEXT:
                if p + 4 != end:
                    raise DecodeError("bad get-request-next")
                return GetRequest(NEXT, invoke, None, _u32(d, p))
            if kind == WITH_LIST:
                refs, p = _refs(d, p, end)
                _done(p, end)
                return GetRequest(WITH_LIST, invoke, refs)
            raise Unsupported("GET sub-type")
        if tag == SET_REQUEST:
            if kind == NORMAL:
                r, p = _ref(d, p, end, True)
                v, p = axdr.decode(d, p, end)
                _done(p, end)
                return SetRequest(NORMAL, invoke, [r], [v])
            if kind == SET_WITH_LIST:
                refs, p = _refs(d, p, end)
                m, p = _count(d, p, end)
                if m != len(refs):
                    raise DecodeError("SET list counts differ")
                values = []
                for _ in range(m):
                    v, p = axdr.decode(d, p, end)
                    values.append(v)
                _done(p, end)
                return SetRequest(SET_WITH_LIST, invoke, refs, values)
            raise Unsupported("SET sub-type")
        if tag == ACTION_REQUEST:
            if kind == NORMAL:
                r, p = _ref(d, p, end, False)
                if p >= end:
                    raise DecodeError("parameter flag missing")
                v = None
                if d[p]:
                    v, p = axdr.decode(d, p + 1, end)
                else:
                    p += 1
                _done(p, end)
                return ActionRequest(invoke, r, v)
            raise Unsupported("ACTION sub-type")
        raise Unsupported("service")
    except DecodeError:
        raise
    except (IndexError, ValueError, TypeError):
        raise DecodeError("request truncated")


# ---- responses ----
# (with-list, data blocks and SET: dlms.xdlms_more, loaded on first use)

def __getattr__(name):
    # the responses a basic session (GET, ACTION) never sends live in
    # dlms.xdlms_more, loaded on use (heap); xdlms.LongGet etc. still work
    from dlms import xdlms_more
    return getattr(xdlms_more, name)


def get_response_normal(invoke, data):
    """GET-response-normal with encoded Data, or with a data-access-result
    when `data` is an int."""
    if isinstance(data, int):
        return bytes((_GET_RESPONSE, NORMAL, invoke, 1, data))
    out = bytearray((_GET_RESPONSE, NORMAL, invoke, 0))
    out.extend(data)
    return bytes(out)


def action_response_normal(invoke, result, data=None):
    """ACTION-response-normal; `data` is encoded return Data, or an int
    data-access-result for the Get-Data-Result dar choice, or None."""
    if data is None:
        return bytes((_ACTION_RESPONSE, NORMAL, invoke, result, 0))
    if isinstance(data, int):
        return bytes((_ACTION_RESPONSE, NORMAL, invoke, result, 1, 1, data))
    out = bytearray((_ACTION_RESPONSE, NORMAL, invoke, result, 1, 0))
    out.extend(data)
    return bytes(out)


def exception_response(state_error, service_error, invocation_counter=None):
    """D8 state-error service-error [IC], dlms.md 5.2."""
    if service_error == SERVICE_INVOCATION_COUNTER_ERROR:
        ic = invocation_counter or 0
        return bytes((EXCEPTION_RESPONSE, state_error, service_error, (ic >> 24) & 255,
                      (ic >> 16) & 255, (ic >> 8) & 255, ic & 255))
    return bytes((EXCEPTION_RESPONSE, state_error, service_error))
