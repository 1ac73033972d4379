# The meter's way to read a token's 20 digits (sts.md 2): class and the 64-bit
# block E as four 16-bit halfwords, no integer of 2^30 or more on any port. The
# big-integer carrier (digits <-> 66-bit number) is sts.carrier, for tools.
from compat import const
from sts.errors import FormatError

TOKEN_DIGITS = const(20)


def parse_words(text):
    """20-digit text -> (class, a, b, c, d): the block E as 16-bit halfwords.

    The meter's path: the digits are accumulated into five 16-bit limbs,
    four digits at a time (limb * 10^4 + carry stays below 2^30: small ints
    on every port, sts.md 2); 20 plain digits are checked and read in C.
    Raises FormatError.
    """
    if isinstance(text, str):
        text = text.encode()
    elif not isinstance(text, (bytes, bytearray)):
        raise FormatError("token must be a string of 20 digits")
    if len(text) != TOKEN_DIGITS or not text.isdigit():  # separators, or not a token
        plain = bytearray()
        for ch in text:
            if ch == 32 or ch == 45 or ch == 9:  # space, dash, tab
                continue
            if ch < 48 or ch > 57:
                raise FormatError("token contains a non-digit")
            if len(plain) == TOKEN_DIGITS:
                raise FormatError("token must have 20 digits")
            plain.append(ch)
        if len(plain) != TOKEN_DIGITS:
            raise FormatError("token must have 20 digits")
        text = bytes(plain)
    l0 = l1 = l2 = l3 = l4 = 0
    for i in range(0, TOKEN_DIGITS, 4):
        x = l0 * 10000 + int(text[i:i + 4])
        l0 = x & 0xFFFF
        x = l1 * 10000 + (x >> 16)
        l1 = x & 0xFFFF
        x = l2 * 10000 + (x >> 16)
        l2 = x & 0xFFFF
        x = l3 * 10000 + (x >> 16)
        l3 = x & 0xFFFF
        l4 = l4 * 10000 + (x >> 16)
    if l4 > 3:
        raise FormatError("token number is not below 2^66")
    cls = (l1 >> 11) & 3
    c = (l1 & 0xE7FF) | ((l4 & 3) << 11)  # bits 65/64 back to 28/27
    return cls, l3, l2, c, l0
