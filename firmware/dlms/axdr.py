# A-XDR encoding of the COSEM Data CHOICE, dlms.md section 5.3.
#
# A value is a pair (tag, value) with the tag from the table below and
#   null, dont-care             None
#   boolean                     bool
#   integer types, enum, bcd    int
#   octet-, visible-, utf8-string, bit-string, float32/64,
#   date-time/date/time         bytes (raw content; bit-string: see bit_string())
#   array, structure            list of (tag, value) pairs
# RAW is not a wire tag: its value is already-encoded A-XDR, copied verbatim
# (for example a cached object_list element).
#
# decode() raises only DecodeError, nests at most MAX_DEPTH deep and never
# reads past the end of its input.

from builtins import len  # module globals: a builtin is found by a linear search
from compat import const

NULL = const(0x00)
ARRAY = const(0x01)
STRUCTURE = const(0x02)
BOOLEAN = const(0x03)
_BIT_STRING = const(0x04)
DOUBLE_LONG = const(0x05)
DOUBLE_LONG_UNSIGNED = const(0x06)
OCTET_STRING = const(0x09)
VISIBLE_STRING = const(0x0A)
UTF8_STRING = const(0x0C)
BCD = const(0x0D)
INTEGER = const(0x0F)
LONG = const(0x10)
UNSIGNED = const(0x11)
LONG_UNSIGNED = const(0x12)
_COMPACT_ARRAY = const(0x13)
LONG64 = const(0x14)
LONG64_UNSIGNED = const(0x15)
ENUM = const(0x16)
FLOAT32 = const(0x17)
_FLOAT64 = const(0x18)
DATE_TIME = const(0x19)
_DATE = const(0x1A)
_TIME = const(0x1B)
_DONT_CARE = const(0xFF)
RAW = const(-1)

MAX_DEPTH = const(12)

# tag (0 .. 0x1B) -> its fixed size: for the integer types the byte width
# (1, 2, 4, 8) + _SIGNED when signed; for the opaque types kept as raw bytes
# (float32/64, date-time, date, time) _OPAQUE + the width; 0 for the others.
# One bytes table (a dict of tuples costs about 0.6 KB on the 64-bit port).
_SIGNED = const(0x10)
_OPAQUE = const(0x40)
_TYPES = (b"\x00\x00\x00\x00\x00\x14\x04\x00"  # 00-07: double-long, -unsigned
          b"\x00\x00\x00\x00\x00\x11\x00\x11"  # 08-0F: bcd, integer
          b"\x12\x01\x02\x00\x18\x08\x01\x44"  # 10-17: long, unsigned, long-unsigned,
          # long64, long64-unsigned, enum, float32
          b"\x48\x4c\x45\x44")  # 18-1B: float64, date-time, date, time
_STRINGS = (OCTET_STRING, VISIBLE_STRING, UTF8_STRING)


class DecodeError(ValueError):
    """Malformed or unsupported encoding (any DLMS APDU layer)."""


class EncodeError(ValueError):
    """A value that does not fit its A-XDR type (a programming error upstream)."""


# ---- lengths (A-XDR / BER definite form) ----

def put_length(buf, n):
    """Append a length: one byte below 128, else 0x81 nn / 0x82 nnnn / 0x84 ..."""
    if n < 0x80:
        buf.append(n)
    elif n < 0x100:
        buf.append(0x81)
        buf.append(n)
    elif n < 0x10000:
        buf.append(0x82)
        buf.append(n >> 8)
        buf.append(n & 0xFF)
    else:
        buf.append(0x84)
        buf.extend(n.to_bytes(4, "big"))


def length_size(n):
    return 1 if n < 0x80 else 2 if n < 0x100 else 3 if n < 0x10000 else 5


def get_length(data, pos, end=None):
    """Read a length at pos; return (n, pos after). Rejects lengths past `end`."""
    # (few locals: a frame of 11 words or less stays off MicroPython's heap)
    if end is None:
        end = len(data)
    if pos >= end:
        raise DecodeError("length missing")
    n = data[pos]
    pos += 1
    if n >= 0x80:
        k = n & 0x7F
        if k == 0 or k > 4 or pos + k > end:
            raise DecodeError("bad length")
        n = 0
        k += pos
        while pos < k:
            n = (n << 8) | data[pos]
            pos += 1
    if n > end - pos:
        raise DecodeError("length past end")
    return n, pos


# ---- integers ----

def put_int(buf, n, width, signed=False):
    lo = -(1 << (8 * width - 1)) if signed else 0
    hi = (1 << (8 * width - (1 if signed else 0))) - 1
    if not isinstance(n, int) or isinstance(n, bool) or n < lo or n > hi:
        raise EncodeError("integer out of range")
    if n < 0:
        n += 1 << (8 * width)
    if width == 1:
        buf.append(n)
    elif width == 2:
        buf.append(n >> 8)
        buf.append(n & 0xFF)
    else:
        buf.extend(n.to_bytes(width, "big"))


def get_int(data, pos, width, signed=False):
    if width == 1:
        n = data[pos]
    elif width == 2:
        n = (data[pos] << 8) | data[pos + 1]
    else:
        n = int.from_bytes(bytes(data[pos:pos + width]), "big")
    if signed and n >= 1 << (8 * width - 1):
        n -= 1 << (8 * width)
    return n


# ---- encoding ----

def encode(value, buf=None):
    """Encode a (tag, value) pair; append to `buf` if given, else return bytes."""
    out = bytearray() if buf is None else buf
    try:
        _put(out, value, 0)
    except EncodeError:
        raise
    except (TypeError, ValueError, AttributeError):
        raise EncodeError("value does not fit its type")
    return bytes(out) if buf is None else out


def _put(buf, item, depth):
    if depth > MAX_DEPTH:
        raise EncodeError("nesting too deep")
    try:
        tag, v = item
    except (TypeError, ValueError):
        raise EncodeError("not a (tag, value) pair")
    if tag == RAW:
        buf.extend(v)
        return
    k = _TYPES[tag] if 0 <= tag < 0x1C else 0
    if 0 < k < _OPAQUE:
        buf.append(tag)
        put_int(buf, v, k & 15, k & _SIGNED)
    elif tag in _STRINGS:
        if isinstance(v, str):
            v = v.encode()
        buf.append(tag)
        put_length(buf, len(v))
        buf.extend(v)
    elif tag == ARRAY or tag == STRUCTURE:
        buf.append(tag)
        put_length(buf, len(v))
        for e in v:
            _put(buf, e, depth + 1)
    elif tag == BOOLEAN:
        buf.append(BOOLEAN)
        buf.append(1 if v else 0)
    elif tag == NULL or tag == _DONT_CARE:
        buf.append(tag)
    elif tag == _BIT_STRING:
        nbits, bits = v
        if len(bits) != (nbits + 7) // 8:
            raise EncodeError("bit-string size")
        buf.append(_BIT_STRING)
        put_length(buf, nbits)
        buf.extend(bits)
    elif k:
        if len(v) != k & 63:
            raise EncodeError("fixed-size value has wrong size")
        buf.append(tag)
        buf.extend(v)
    else:
        raise EncodeError("unsupported tag")


def bit_string(nbits, bits):
    """A bit-string value: bit 0 is the MSB of the first byte (dlms.md 5.3)."""
    return (_BIT_STRING, (nbits, bytes(bits)))


# ---- decoding ----

def decode(data, pos=0, end=None):
    """Decode one Data at pos; return ((tag, value), pos after)."""
    if end is None:
        end = len(data)
    elif end > len(data):
        raise DecodeError("end past data")
    try:
        return _get(data, pos, end, 0)
    except DecodeError:
        raise
    except (IndexError, ValueError, TypeError, OverflowError):
        raise DecodeError("malformed data")


def _get(data, pos, end, depth):
    if pos >= end:
        raise DecodeError("data missing")
    tag = data[pos]
    pos += 1
    k = _TYPES[tag] if tag < 0x1C else 0
    if 0 < k < _OPAQUE:
        width = k & 15
        if pos + width > end:
            raise DecodeError("integer truncated")
        return (tag, get_int(data, pos, width, k & _SIGNED)), pos + width
    if tag in _STRINGS:
        n, pos = get_length(data, pos, end)
        return (tag, bytes(data[pos:pos + n])), pos + n
    if tag == ARRAY or tag == STRUCTURE:
        if depth >= MAX_DEPTH:
            raise DecodeError("nesting too deep")
        n, pos = get_length(data, pos, end)
        if n > end - pos:  # every element takes at least one byte
            raise DecodeError("too many elements")
        items = []
        for _ in range(n):
            item, pos = _get(data, pos, end, depth + 1)
            items.append(item)
        return (tag, items), pos
    if tag == BOOLEAN:
        if pos >= end:
            raise DecodeError("boolean truncated")
        return (BOOLEAN, data[pos] != 0), pos + 1
    if tag == NULL or tag == _DONT_CARE:
        return (tag, None), pos
    if tag == _BIT_STRING:
        nbits, pos = _bit_length(data, pos, end)
        nbytes = (nbits + 7) // 8
        if pos + nbytes > end:
            raise DecodeError("bit-string truncated")
        return (_BIT_STRING, (nbits, bytes(data[pos:pos + nbytes]))), pos + nbytes
    if k:
        n = k & 63
        if pos + n > end:
            raise DecodeError("value truncated")
        return (tag, bytes(data[pos:pos + n])), pos + n
    raise DecodeError("unsupported data tag")


def _bit_length(data, pos, end):
    # A bit count is not bounded by the remaining bytes the way a byte length is.
    if pos >= end:
        raise DecodeError("length missing")
    b = data[pos]
    if b < 0x80:
        return b, pos + 1
    k = b & 0x7F
    if k == 0 or k > 3 or pos + 1 + k > end:
        raise DecodeError("bad length")
    n = 0
    for i in range(k):
        n = (n << 8) | data[pos + 1 + i]
    return n, pos + 1 + k


# ---- COSEM date-time as octet-string, dlms.md 5.3 ----

DEVIATION_UNSPECIFIED = const(-0x8000)


def date_time(year, month, day, hour, minute, second, hundredths=0,
              deviation=DEVIATION_UNSPECIFIED, status=0, day_of_week=0xFF):
    """The 12 octets of a COSEM date-time (0xFF/0xFFFF fields = not specified)."""
    if deviation < 0:
        deviation += 0x10000
    return bytes((year >> 8, year & 0xFF, month, day, day_of_week, hour, minute,
                  second, hundredths, deviation >> 8, deviation & 0xFF, status))


def parse_date_time(b):
    """12 octets -> (year, month, day, day_of_week, hour, minute, second,
    hundredths, deviation (signed minutes, -0x8000 = unspecified), status)."""
    if len(b) != 12:
        raise DecodeError("date-time is 12 octets")
    dev = (b[9] << 8) | b[10]
    if dev >= 0x8000:
        dev -= 0x10000
    return ((b[0] << 8) | b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], dev, b[11])
