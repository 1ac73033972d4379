# The meter's way to read a token's 20 digits (sts.md 2): class and the 64-bit
# block E as four 16-bit halfwords, no integer above 2^20 on any port. The
# big-integer carrier (digits <-> 66-bit number) is sts.carrier, for tools.
from compat import const
from sts.errors import FormatError

TOKEN_DIGITS = const(20)


def parse_words(text):
    """20-digit text -> (class, a, b, c, d): the block E as 16-bit halfwords.

    The meter's path: the digits are accumulated into five 16-bit limbs, so
    no integer above 2^20 is made (sts.md 2). Raises FormatError.
    """
    if isinstance(text, str):
        text = text.encode()
    elif not isinstance(text, (bytes, bytearray)):
        raise FormatError("token must be a string of 20 digits")
    l0 = l1 = l2 = l3 = l4 = 0
    n = 0
    for ch in text:
        if ch == 32 or ch == 45 or ch == 9:  # space, dash, tab
            continue
        ch -= 48
        if ch < 0 or ch > 9:
            raise FormatError("token contains a non-digit")
        n += 1
        if n > TOKEN_DIGITS:
            break
        x = l0 * 10 + ch
        l0 = x & 0xFFFF
        x = l1 * 10 + (x >> 16)
        l1 = x & 0xFFFF
        x = l2 * 10 + (x >> 16)
        l2 = x & 0xFFFF
        x = l3 * 10 + (x >> 16)
        l3 = x & 0xFFFF
        l4 = l4 * 10 + (x >> 16)
    if n != TOKEN_DIGITS:
        raise FormatError("token must have 20 digits")
    if l4 > 3:
        raise FormatError("token number is not below 2^66")
    cls = (l1 >> 11) & 3
    c = (l1 & 0xE7FF) | ((l4 & 3) << 11)  # bits 65/64 back to 28/27
    return cls, l3, l2, c, l0
