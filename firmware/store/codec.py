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


class CodecError(ValueError):
    """The value cannot be encoded, or the bytes are not a valid record."""


def encode(value):
    out = bytearray()
    _put(out, value, 0)
    if len(out) > MAX_SIZE:
        raise CodecError("encoded record is %d bytes, limit %d" % (len(out), MAX_SIZE))
    return bytes(out)


def _head(out, major, n):
    if n < 24:
        out.append(major | n)
    elif n < 0x100:
        out.append(major | 24)
        out.append(n)
    elif n < 0x10000:
        out.append(major | 25)
        out.extend(n.to_bytes(2, "big"))
    elif n < 0x100000000:
        out.append(major | 26)
        out.extend(n.to_bytes(4, "big"))
    elif n < 0x10000000000000000:
        out.append(major | 27)
        out.extend(n.to_bytes(8, "big"))
    else:
        raise CodecError("integer outside the 64-bit range")


def _put(out, v, depth):
    if depth > MAX_DEPTH:
        raise CodecError("nesting deeper than %d" % MAX_DEPTH)
    if v is None:
        out.append(_NULL)
    elif v is True:
        out.append(_TRUE)
    elif v is False:
        out.append(_FALSE)
    elif isinstance(v, int):
        if v >= 0:
            _head(out, 0x00, v)
        else:
            _head(out, 0x20, -1 - v)
    elif isinstance(v, str):
        b = v.encode()
        _head(out, 0x60, len(b))
        out.extend(b)
    elif isinstance(v, (bytes, bytearray, memoryview)):
        _head(out, 0x40, len(v))
        out.extend(v)
    elif isinstance(v, (list, tuple)):
        _head(out, 0x80, len(v))
        for item in v:
            _put(out, item, depth + 1)
    elif isinstance(v, dict):
        pairs = []
        for k in v:
            if k is True or k is False or not isinstance(k, (int, str)):
                raise CodecError("map key %r is not an int or str" % (k,))
            kb = bytearray()
            _put(kb, k, depth + 1)
            pairs.append((bytes(kb), k))
        pairs.sort()
        _head(out, 0xA0, len(pairs))
        for kb, k in pairs:
            out.extend(kb)
            _put(out, v[k], depth + 1)
    else:
        raise CodecError("cannot encode a %s" % type(v).__name__)


def decode(data):
    n = len(data)
    if n > MAX_SIZE:
        raise CodecError("record is %d bytes, limit %d" % (n, MAX_SIZE))
    mv = memoryview(data)
    v, pos = _get(mv, 0, n, 0)
    if pos != n:
        raise CodecError("%d trailing bytes after the value" % (n - pos))
    return v


def _arg(mv, pos, n, ai):
    if ai < 24:
        return ai, pos
    if ai > 27:
        raise CodecError("additional info %d (indefinite or reserved) at %d" % (ai, pos - 1))
    size = 1 << (ai - 24)
    if pos + size > n:
        raise CodecError("truncated argument at %d" % pos)
    v = int.from_bytes(mv[pos:pos + size], "big")
    if v < (24 if size == 1 else 1 << (4 * size)):
        raise CodecError("non-minimal argument at %d" % (pos - 1))
    return v, pos + size


def _get(mv, pos, n, depth):
    if depth > MAX_DEPTH:
        raise CodecError("nesting deeper than %d" % MAX_DEPTH)
    if pos >= n:
        raise CodecError("truncated: value expected at %d" % pos)
    ib = mv[pos]
    pos += 1
    major = ib >> 5
    if major == 7:
        if ib == _FALSE:
            return False, pos
        if ib == _TRUE:
            return True, pos
        if ib == _NULL:
            return None, pos
        raise CodecError("unsupported simple value or float 0x%02x at %d" % (ib, pos - 1))
    if major == 6:
        raise CodecError("tags are not supported (at %d)" % (pos - 1))
    v, pos = _arg(mv, pos, n, ib & 31)
    if major == 0:
        return v, pos
    if major == 1:
        return -1 - v, pos
    if major == 2 or major == 3:
        if v > n - pos:
            raise CodecError("truncated string at %d" % pos)
        b = bytes(mv[pos:pos + v])
        if major == 2:
            return b, pos + v
        try:
            return b.decode(), pos + v
        except (UnicodeError, ValueError):
            raise CodecError("invalid UTF-8 text at %d" % pos)
    if major == 4:
        if v > n - pos:
            raise CodecError("array of %d items cannot fit at %d" % (v, pos))
        items = []
        for _ in range(v):
            item, pos = _get(mv, pos, n, depth + 1)
            items.append(item)
        return items, pos
    # major 5: map
    if 2 * v > n - pos:
        raise CodecError("map of %d pairs cannot fit at %d" % (v, pos))
    d = {}
    for _ in range(v):
        at = pos
        k, pos = _get(mv, pos, n, depth + 1)
        if k is True or k is False or not isinstance(k, (int, str)):
            raise CodecError("map key at %d is not an int or str" % at)
        if k in d:
            raise CodecError("duplicate map key at %d" % at)
        d[k], pos = _get(mv, pos, n, depth + 1)
    return d, pos
