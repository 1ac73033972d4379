# Compact, self-describing encoding of the meter's state record: a
# deterministic subset of CBOR (RFC 8949), so any CBOR tool can read a dump.
#
#   value      CBOR (RFC 8949 section 3)
#   int        major 0 (n >= 0) or 1 (-1 - n), argument up to 64 bits
#   bytes      major 2          (bytearray/memoryview encode as bytes)
#   str        major 3, UTF-8
#   list/tuple major 4          (decodes as list)
#   dict       major 5, keys int or str, sorted by encoded key (RFC 8949 4.2.1)
#   False/True/None  0xF4 / 0xF5 / 0xF6
#
# Only definite lengths and shortest arguments (RFC 8949 4.2.1). decode()
# rejects everything else (floats, tags, indefinite lengths, non-minimal
# arguments, bad UTF-8, duplicate keys, trailing bytes, nesting deeper than
# MAX_DEPTH, input longer than MAX_SIZE) with CodecError, never anything else.
from compat import const

MAX_DEPTH = const(16)
MAX_SIZE = const(16384)

_FALSE = const(0xF4)
_TRUE = const(0xF5)
_NULL = const(0xF6)


# type tuples built once (a tuple display in a function allocates on each call)
_BYTES_T = (bytes, bytearray, memoryview)
_SEQ_T = (list, tuple)
_KEY_T = (int, str)


class CodecError(ValueError):
    """The value cannot be encoded, or the bytes are not a valid record."""


def encode(value, head=0, tail=0):
    """The encoding of `value` as a bytearray, with `head` and `tail` spare
    bytes around it (for a record header and check). Sizes first, then one
    allocation: no buffer growth on the heap."""
    n = _size(value, 0)
    if n > MAX_SIZE:
        raise CodecError("encoded record is %d bytes, limit %d" % (n, MAX_SIZE))
    buf = bytearray(head + n + tail)
    _fill(buf, head, value)
    return buf


def _hsize(n):
    if n < 24:
        return 1
    if n < 0x100:
        return 2
    if n < 0x10000:
        return 3
    if n < 0x100000000:
        return 5
    if n < 0x10000000000000000:
        return 9
    raise CodecError("integer outside the 64-bit range")


def _sorted_keys(d):
    # RFC 8949 4.2.1: keys sorted by their encoded bytes. For uint, nint and
    # text keys that is (major type, value) and (major type, UTF-8 length,
    # text); code-point order is UTF-8 byte order. Decorated once per key:
    # MicroPython's sort calls a key function on every comparison.
    order = []
    for k in d:
        if isinstance(k, str):
            order.append((3, len(k.encode()), k))
        else:
            order.append((0, k, "") if k >= 0 else (1, -1 - k, ""))
    order.sort()
    return order


def _size(v, depth):
    if depth > MAX_DEPTH:
        raise CodecError("nesting deeper than %d" % MAX_DEPTH)
    if v is None or v is True or v is False:
        return 1
    if isinstance(v, int):
        return _hsize(v if v >= 0 else -1 - v)
    if isinstance(v, str):
        n = len(v.encode())
        return _hsize(n) + n
    if isinstance(v, _BYTES_T):
        return _hsize(len(v)) + len(v)
    if isinstance(v, _SEQ_T):
        n = _hsize(len(v))
        for item in v:
            n += _size(item, depth + 1)
        return n
    if isinstance(v, dict):
        n = _hsize(len(v))
        for k in v:
            if k is True or k is False or not isinstance(k, _KEY_T):
                raise CodecError("map key %r is not an int or str" % (k,))
            n += _size(k, depth + 1) + _size(v[k], depth + 1)
        return n
    raise CodecError("cannot encode a %s" % type(v).__name__)


def _head(buf, pos, major, n):
    if n < 24:
        buf[pos] = major | n
        return pos + 1
    size = _hsize(n) - 1
    buf[pos] = major | (24 + (0, 0, 1, 0, 2, 0, 0, 0, 3)[size])
    end = pos + 1 + size
    i = end
    while i > pos + 1:
        i -= 1
        buf[i] = n & 0xFF
        n >>= 8
    return end


def _fill(buf, pos, v):
    if v is None:
        buf[pos] = _NULL
        return pos + 1
    if v is True:
        buf[pos] = _TRUE
        return pos + 1
    if v is False:
        buf[pos] = _FALSE
        return pos + 1
    if isinstance(v, int):
        return _head(buf, pos, 0x00, v) if v >= 0 else _head(buf, pos, 0x20, -1 - v)
    if isinstance(v, str):
        v = v.encode()
        major = 0x60
    elif isinstance(v, _BYTES_T):
        major = 0x40
    elif isinstance(v, dict):
        pos = _head(buf, pos, 0xA0, len(v))
        for o in _sorted_keys(v):
            k = o[2] if o[0] == 3 else (o[1] if o[0] == 0 else -1 - o[1])
            pos = _fill(buf, pos, k)
            pos = _fill(buf, pos, v[k])
        return pos
    else:  # list or tuple (checked by _size)
        pos = _head(buf, pos, 0x80, len(v))
        for item in v:
            pos = _fill(buf, pos, item)
        return pos
    pos = _head(buf, pos, major, len(v))
    buf[pos:pos + len(v)] = v
    return pos + len(v)


def decode(data):
    """The value of a record's bytes; CodecError for anything but the subset
    above. The reader (store.codec_read) loads on use: a meter reads its
    records at power-up only (app.App unloads it after the build)."""
    from store.codec_read import decode
    return decode(data)
