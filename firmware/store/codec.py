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

_SLACK = const(16)  # room for growth beyond encode()'s size_hint
_FIRST = const(128)  # room for a value without a hint

_FALSE = const(0xF4)
_TRUE = const(0xF5)
_NULL = const(0xF6)


# type tuples built once (a tuple display in a function allocates on each call)
_BYTES_T = (bytes, bytearray, memoryview)
_SEQ_T = (list, tuple)


class CodecError(ValueError):
    """The value cannot be encoded, or the bytes are not a valid record."""


def encode(value, head=0, tail=0, size_hint=0):
    """The encoding of `value` as a bytearray, with `head` and `tail` spare
    bytes around it (for a record header and check). One pass into a buffer
    of size_hint + _SLACK bytes (a store passes its last record's size), or
    of _FIRST; a value that does not fit is written again into twice the room."""
    room = min(size_hint + _SLACK if size_hint > 0 else _FIRST, MAX_SIZE)
    while True:
        buf = bytearray(head + room)
        try:
            end = _fill(buf, head, value, 0)
        except IndexError:  # no room left
            if room >= MAX_SIZE:
                raise CodecError("encoded record is over the %d-byte limit" % MAX_SIZE)
            room = min(2 * room, MAX_SIZE)
            continue
        buf[end:] = bytes(tail)
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
    # text); code-point order is UTF-8 byte order. Decorated once per key
    # (MicroPython's sort calls a key function on every comparison): text
    # (UTF-8 length, UTF-8, key), uint (-2, value, key), nint (-1, -1 - value, key).
    order = []
    for k in d:
        if isinstance(k, str):
            b = k.encode()
            order.append((len(b), b, k))
        elif k is True or k is False or not isinstance(k, int):
            raise CodecError("map key %r is not an int or str" % (k,))
        else:
            order.append((-2, k, k) if k >= 0 else (-1, -1 - k, k))
    order.sort()
    return order


# Small ints (-24..23) and short text keys have a one-byte head: the loops of
# lists and dicts write them inline, without a call per value (most of a
# record). An item deeper than MAX_DEPTH is refused, as decode does.
def _deeper(v, depth):
    if depth >= MAX_DEPTH and len(v):
        raise CodecError("nesting deeper than %d" % MAX_DEPTH)


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


def _put(buf, pos, major, data):
    # head and bytes; IndexError where they do not fit (a slice would grow buf)
    n = len(data)
    pos = _head(buf, pos, major, n)
    if pos + n > len(buf):
        raise IndexError
    buf[pos:pos + n] = data
    return pos + n


def _fill(buf, pos, v, depth):
    # IndexError when buf is too short
    if v is None:
        buf[pos] = _NULL
        return pos + 1
    if v is True:
        buf[pos] = _TRUE
        return pos + 1
    if v is False:
        buf[pos] = _FALSE
        return pos + 1
    if isinstance(v, int):  # _head refuses more than 64 bits
        return _head(buf, pos, 0x00, v) if v >= 0 else _head(buf, pos, 0x20, -1 - v)
    if isinstance(v, str):
        return _put(buf, pos, 0x60, v.encode())
    if isinstance(v, _BYTES_T):
        return _put(buf, pos, 0x40, v)
    if isinstance(v, dict):
        _deeper(v, depth)
        order = _sorted_keys(v)
        pos = _head(buf, pos, 0xA0, len(order))
        for o in order:
            m = o[0]
            if 0 <= m < 24 and pos + m < len(buf):  # a short text key
                buf[pos] = 0x60 | m
                buf[pos + 1:pos + 1 + m] = o[1]
                pos += 1 + m
            elif m >= 0:
                pos = _put(buf, pos, 0x60, o[1])
            else:
                pos = _head(buf, pos, 0x00 if m == -2 else 0x20, o[1])
            x = v[o[2]]
            if type(x) is int and -25 < x < 24:
                buf[pos] = x if x >= 0 else 31 - x
                pos += 1
            else:
                pos = _fill(buf, pos, x, depth + 1)
        return pos
    if not isinstance(v, _SEQ_T):
        raise CodecError("cannot encode a %s" % type(v).__name__)
    _deeper(v, depth)
    pos = _head(buf, pos, 0x80, len(v))
    for x in v:
        if type(x) is int and -25 < x < 24:
            buf[pos] = x if x >= 0 else 31 - x
            pos += 1
        else:
            pos = _fill(buf, pos, x, depth + 1)
    return pos


def decode(data):
    """The value of a record's bytes; CodecError for anything but the subset
    above. The reader (store.codec_read) loads on use: a meter reads its
    records at power-up only (app.App unloads it after the build)."""
    from store.codec_read import decode
    return decode(data)
