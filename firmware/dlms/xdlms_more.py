# The xDLMS responses a basic session (GET normal, ACTION) never sends,
# dlms.md 5.2: GET with-list, GET with data blocks (block transfer, LongGet)
# and SET. Loaded the first time an association needs one and kept (a long
# GET spans requests); dlms.xdlms's module __getattr__ finds these names too.
# get_response and get_next are dlms.association.Association methods kept
# out of the class, called f(association, ...).
from builtins import isinstance, len  # module globals: a builtin is found by a linear search
from compat import const
from dlms import axdr, xdlms

_GET_RESPONSE = const(0xC4)  # xdlms._GET_RESPONSE
_SET_RESPONSE = const(0xC5)  # xdlms._SET_RESPONSE
_NORMAL = const(1)  # xdlms.NORMAL
_NEXT = const(2)  # xdlms.NEXT
_WITH_LIST = const(3)  # xdlms.WITH_LIST
_SET_RESPONSE_WITH_LIST = const(5)  # xdlms._SET_RESPONSE_WITH_LIST
_LONG_GET_ABORTED = const(15)  # xdlms.LONG_GET_ABORTED
_NO_LONG_GET_IN_PROGRESS = const(16)  # xdlms.NO_LONG_GET_IN_PROGRESS
_CONF_BLOCK_GET = const(0x001000)  # association.CONF_BLOCK_GET
_STATE_SERVICE_NOT_ALLOWED = const(1)  # xdlms.STATE_SERVICE_NOT_ALLOWED
_SERVICE_PDU_TOO_LONG = const(4)  # xdlms.SERVICE_PDU_TOO_LONG
_BLOCK_HEADER = const(12)  # C4 02 iid last bn(4) 00 len(up to 3)


def get_result_list(results):
    """The SEQUENCE OF Get-Data-Result of a with-list response; each result
    is encoded Data (bytes) or a data-access-result (int)."""
    out = bytearray()
    axdr.put_length(out, len(results))
    for r in results:
        if isinstance(r, int):
            out.append(1)
            out.append(r)
        else:
            out.append(0)
            out.extend(r)
    return bytes(out)


def get_response_with_list(invoke, results):
    out = bytearray((_GET_RESPONSE, _WITH_LIST, invoke))
    out.extend(get_result_list(results))
    return bytes(out)


def get_response_block(invoke, last, block_number, raw):
    """GET-response-with-datablock carrying a slice of the encoded result."""
    out = bytearray((_GET_RESPONSE, _NEXT, invoke, 1 if last else 0,
                     (block_number >> 24) & 255, (block_number >> 16) & 255,
                     (block_number >> 8) & 255, block_number & 255, 0))
    axdr.put_length(out, len(raw))
    out.extend(raw)
    return bytes(out)


def get_response_block_error(invoke, block_number, dar):
    return bytes((_GET_RESPONSE, _NEXT, invoke, 1, (block_number >> 24) & 255,
                  (block_number >> 16) & 255, (block_number >> 8) & 255,
                  block_number & 255, 1, dar))



def set_response_normal(invoke, dar):
    return bytes((_SET_RESPONSE, _NORMAL, invoke, dar))


def set_response_with_list(invoke, dars):
    out = bytearray((_SET_RESPONSE, _SET_RESPONSE_WITH_LIST, invoke))
    axdr.put_length(out, len(dars))
    out.extend(bytes(dars))
    return bytes(out)


class LongGet:
    """A GET result too long for one APDU, sent as numbered data blocks
    (dlms.md 5.2 'Block-transfer behaviour'): block 1 goes with the
    request, each get-request-next acknowledging block n asks for n + 1.
    raw: bytes, or an object with len() and chunk(start, n) that makes them
    front to back (dlms.profile_generic.Stream)."""

    def __init__(self, invoke, raw, block_size):
        self.invoke = invoke
        self.raw = raw
        self.size = block_size
        self.sent = 0  # number of the last block sent

    def blocks(self):
        return (len(self.raw) + self.size - 1) // self.size

    def next_block(self):
        n = self.sent + 1
        s = (n - 1) * self.size
        raw = self.raw
        last = s + self.size >= len(raw)
        self.sent = n
        part = raw[s:s + self.size] if isinstance(raw, (bytes, bytearray)) else raw.chunk(s, self.size)
        return get_response_block(self.invoke, last, n, part), last


def _whole(r):
    """A GET result as bytes (or its data-access-result)."""
    return r if isinstance(r, (int, bytes, bytearray)) else r.chunk(0, len(r))


def get_response(self, req, results):
    """Association self's GET response of a list, or of a result too long for
    one APDU: sent as data blocks, the first now (self._long is the rest)."""
    # A lazily encoded result (a profile buffer) is made whole only in a list.
    normal = req.kind == _NORMAL
    if normal:
        size = 4 + (1 if isinstance(results[0], int) else len(results[0]))
    else:
        results = [_whole(r) for r in results]
        size = 3 + axdr.length_size(len(results))
        for r in results:
            size += 2 if isinstance(r, int) else 1 + len(r)
    limit = self._limit() - self._overhead()
    if size <= limit:
        if normal:
            return self._protect(xdlms.get_response_normal(req.invoke, _whole(results[0])))
        return self._protect(get_response_with_list(req.invoke, results))
    if not self.conformance & _CONF_BLOCK_GET or limit - _BLOCK_HEADER < 16:
        return xdlms.exception_response(_STATE_SERVICE_NOT_ALLOWED, _SERVICE_PDU_TOO_LONG)
    raw = results[0] if normal else get_result_list(results)
    self._long = LongGet(req.invoke, raw, limit - _BLOCK_HEADER)
    apdu, _ = self._long.next_block()
    return self._protect(apdu)


def get_next(self, req):
    """Association self's answer to get-request-next: the next data block."""
    lg = self._long
    if lg is None:
        return self._reply(get_response_block_error(
            req.invoke, req.block_number, _NO_LONG_GET_IN_PROGRESS))
    if req.block_number != lg.sent:
        self._long = None
        return self._reply(get_response_block_error(
            req.invoke, req.block_number, _LONG_GET_ABORTED))
    lg.invoke = req.invoke
    apdu, last = lg.next_block()
    if last:
        self._long = None
    return self._reply(apdu)
