# The 20-digit token carrier: digits <-> 66-bit integer <-> class + 64-bit block.
# sts.md section 2 (IEC 62055-41 6.1 TokenCarrier, 6.2 transposition of the class bits).
#
# The two class bits travel in the clear at bits 28 (class bit 1) and 27 (class
# bit 0) of the 66-bit number; the two block bits they displace live at bits 65
# and 64. The swap is an involution, so one helper serves both directions.
#
# These big-integer helpers serve the PC tools and vending; the meter reads a
# token with sts.digits.parse_words (small ints only), re-exported here.

from sts.errors import FormatError
from sts.digits import TOKEN_DIGITS, parse_words  # noqa: F401

_SEPARATORS = " -\t"
_LIMIT = 1 << 66  # a 66-bit carrier; anything at or above it is not a token
_MASK64 = (1 << 64) - 1
_B28 = 1 << 28
_B27 = 1 << 27


def clean(text):
    """Return the 20 digits of `text` with spaces and dashes removed.

    Raises FormatError for anything else: wrong length, other characters.
    """
    if isinstance(text, (bytes, bytearray)):
        try:
            text = text.decode()
        except Exception:
            raise FormatError("token is not text")
    if not isinstance(text, str):
        raise FormatError("token must be a string of 20 digits")
    digits = []
    for ch in text:
        if ch in _SEPARATORS:
            continue
        if ch < "0" or ch > "9":
            raise FormatError("token contains a non-digit")
        digits.append(ch)
    if len(digits) != TOKEN_DIGITS:
        raise FormatError("token must have 20 digits, not %d" % len(digits))
    return "".join(digits)


def to_int(text):
    """20 digits -> the 66-bit token number T (sts.md 2 step 1)."""
    t = int(clean(text))
    if t >= _LIMIT:
        raise FormatError("token number is not below 2^66")
    return t


def split(t):
    """66-bit token number -> (token class, 64-bit block E) (sts.md 2 step 2)."""
    if t < 0 or t >= _LIMIT:
        raise FormatError("token number is not below 2^66")
    cls = ((t >> 27) & 3)
    block = t & _MASK64 & ~(_B28 | _B27)
    if (t >> 65) & 1:
        block |= _B28
    if (t >> 64) & 1:
        block |= _B27
    return cls, block


def join(cls, block):
    """(token class, 64-bit block E) -> 66-bit token number (sts.md 2 step 3)."""
    if cls < 0 or cls > 3:
        raise ValueError("token class must be 0..3")
    if block < 0 or block > _MASK64:
        raise ValueError("block must be 64 bits")
    t = block & ~(_B28 | _B27)
    t |= (cls & 3) << 27
    if block & _B28:
        t |= 1 << 65
    if block & _B27:
        t |= 1 << 64
    return t


def parse(text):
    """20-digit text -> (token class, 64-bit block E). Raises FormatError."""
    return split(to_int(text))


def format_token(cls, block):
    """(class, block) -> the 20-digit token string, zero padded."""
    s = str(join(cls, block))
    return "0" * (TOKEN_DIGITS - len(s)) + s


def group(digits, size=4, sep=" "):
    """Group the digits for display: '1234 5678 ...' (sts.md 2 step 1)."""
    return sep.join(digits[i:i + size] for i in range(0, len(digits), size))
