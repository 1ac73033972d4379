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


# Canonical key orders (_keys) of the dicts encoded lately, by the hash of
# their keys: a record's dicts have the same keys at every commit, so each
# is sorted once (the sort was a third of an encoding). Keyed by a hash, not
# the keys, to keep it small; _fill finds a dict whose keys are not those of
# its entry (a collision) and sorts it again. ASCII text keys only.
_ORDER = {}
_ORDER_MAX = const(8)  # entries kept; more and it starts again


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


def _keys(d, h, type=type, len=len, isinstance=isinstance):
    # RFC 8949 4.2.1: keys sorted by their encoded bytes: (major type, value)
    # for uint and nint keys, (major type, UTF-8 length, text) for text keys.
    # Decorated once per key (MicroPython's sort calls a key function on
    # every comparison) and compared in C: ASCII text keys (a record's) as
    # (length, key), since code-point order is UTF-8 byte order; other keys
    # exactly: text (UTF-8 length, UTF-8, key), uint (-2, value, key), nint
    # (-1, -1 - value, key). (Builtins as locals here and in _fill:
    # MicroPython finds a builtin by a linear search of its table after
    # missing the module's globals.)
    ks = list(d)
    exact = False
    for k in ks:
        if type(k) is not str or len(k.encode()) != len(k):
            exact = True
    order = []
    for k in ks:
        if not exact:
            order.append((len(k), k))
        elif isinstance(k, str):
            b = k.encode()
            order.append((len(b), b, k))
        elif k is True or k is False or not isinstance(k, int):
            raise CodecError("map key %r is not an int or str" % (k,))
        else:
            order.append((-2, k, k) if k >= 0 else (-1, -1 - k, k))
    order.sort()
    for i in range(len(ks)):
        ks[i] = order[i][-1]
    ks = tuple(ks)
    if not exact:  # text keys only: no other key is equal to one (1 == True)
        if len(_ORDER) >= _ORDER_MAX:
            _ORDER.clear()
        _ORDER[h] = ks
    return ks


def _head(buf, pos, major, n):
    # the shortest argument (RFC 8949 4.2.1): additional information 24..27;
    # a negative int (major 0 given) is major type 1 with -1 - n
    if n < 0:
        major, n = 0x20, -1 - n
    if n < 24:
        buf[pos] = major | n
        return pos + 1
    if n < 0x100:
        size, ai = 1, 24
    elif n < 0x10000:
        size, ai = 2, 25
    elif n < 0x100000000:
        size, ai = 4, 26
    elif n < 0x10000000000000000:
        size, ai = 8, 27
    else:
        raise CodecError("integer outside the 64-bit range")
    buf[pos] = major | ai
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


# Small ints (-24..23), None, False, True and short text keys have a
# one-byte head: the loop over a list's items or a dict's keys writes them
# inline, without a call per value (most of a record). Nesting deeper than
# MAX_DEPTH is refused, as decode does.
def _fill(buf, pos, v, depth, type=type, int=int, str=str, len=len, isinstance=isinstance):
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
        return _head(buf, pos, 0x00, v)
    if isinstance(v, str):
        return _put(buf, pos, 0x60, v.encode())
    if isinstance(v, _BYTES_T):
        return _put(buf, pos, 0x40, v)
    ks = None
    if isinstance(v, dict):
        h = hash(tuple(v))
        ks = _ORDER.get(h)
        if ks is None or len(ks) != len(v):
            ks = _keys(v, h)
    elif not isinstance(v, _SEQ_T):
        raise CodecError("cannot encode a %s" % type(v).__name__)
    n = len(v)
    if depth >= MAX_DEPTH and n:
        raise CodecError("nesting deeper than %d" % MAX_DEPTH)
    start = pos
    pos = _head(buf, pos, 0x80 if ks is None else 0xA0, n)
    size = len(buf)
    try:
        for x in v if ks is None else ks:
            if ks is not None:  # the key, then its value
                if type(x) is str:
                    b = x.encode()
                    m = len(b)
                    if m < 24 and pos + m < size:  # a short text key
                        buf[pos] = 0x60 | m
                        buf[pos + 1:pos + 1 + m] = b
                        pos += 1 + m
                    else:
                        pos = _put(buf, pos, 0x60, b)
                else:
                    pos = _head(buf, pos, 0x00, x)
                x = v[x]
            if type(x) is int:
                if -25 < x < 24:
                    buf[pos] = x if x >= 0 else 31 - x
                    pos += 1
                else:
                    pos = _head(buf, pos, 0x00, x)
            elif x is None:
                buf[pos] = _NULL
                pos += 1
            elif x is False:
                buf[pos] = _FALSE
                pos += 1
            elif x is True:
                buf[pos] = _TRUE
                pos += 1
            elif type(x) is list and depth + 1 < MAX_DEPTH:  # its ints here too
                pos = _head(buf, pos, 0x80, len(x))
                for y in x:
                    if type(y) is int and -25 < y < 24:
                        buf[pos] = y if y >= 0 else 31 - y
                        pos += 1
                    else:
                        pos = _fill(buf, pos, y, depth + 2)
            else:
                pos = _fill(buf, pos, x, depth + 1)
    except KeyError:  # the order of other keys with the same hash: sort these
        _ORDER.pop(h, None)
        return _fill(buf, start, v, depth)
    return pos


def decode(data):
    """The value of a record's bytes; CodecError for anything but the subset
    above. The reader (store.codec_read) loads on use: a meter reads its
    records at power-up only (app.App unloads it after the build)."""
    from store.codec_read import decode
    return decode(data)
