# A decoded STS token: class, sub-class, TID and fields by name (sts.md 3).
# Built from the plain 64-bit block given as halfwords a (bits 63..48),
# b (47..32), c (31..16), d (15..0 = CRC). Field names follow sts.md 11.
from array import array
from compat import module
import sts
from sts import amount

class Token:
    """cls, subclass, tid (None for class 1 and key change tokens), fields (dict)."""

    def __init__(self, cls, subclass, words, tid, fields):
        self.cls = cls
        self.subclass = subclass
        self.words = words
        self.tid = tid
        self.fields = fields

    def plain_hex(self):
        a, b, c, d = self.words
        return "%04x%04x%04x%04x" % (a, b, c, d)


def from_words(cls, a, b, c, d):
    """Parse the fields of a plain block (CRC already checked by the caller).
    Class 1 and 2 fields are sts.management's: a credit token never loads it."""
    sub = a >> 12
    if cls:
        return module("sts.management").token(cls, sub, (a, b, c, d))
    # the common frame: SubClass | RND | TID (24) | 16-bit value | CRC
    f = {}
    if 4 <= sub <= 7:
        field = (((a >> 8) & 15) << 16) | c
        f["currency_field"] = field
        f["sign"] = field >> 19
        f["exponent"] = (field >> 14) & 31
        f["mantissa"] = c & 0x3FFF
        f["amount_units"] = amount.currency_decode(field)
    else:
        f["rnd"] = (a >> 8) & 15
        f["amount_field"] = c
        f["amount_units"] = amount.decode(c)
    return Token(cls, sub, (a, b, c, d), ((a & 0xFF) << 16) | b, f)


def decrypt_words(ea, key, a, b, c, d, tables=None):
    """Decrypt with the meter's EA, importing only that cipher. EA07: once
    sts.sta has checked sts.native's loop (the boot's first EA07 block) the
    loop runs from here, with the prepared tables (sts.KEPT or `tables`):
    sts.sta, whose portable rounds are the engine's largest code block, then
    stays out of the heap for the tokens after."""
    if ea == 7:
        n = getattr(sts, "native", None)  # sts.sta imports it where the port has native code
        if n is not None and n.verified and len(key) == 8:
            # the shipped set, kept as (data, t) once sts.sta made it
            t = tables.t if tables is not None else sts.KEPT.get("sta", (None, None))[1]
            if t is not None:
                w = array("H", (a, b, c, d))
                n.sta_decrypt(w, key, t)
                return w[0], w[1], w[2], w[3]
        return module("sts.sta").decrypt_words(key, a, b, c, d, tables)
    if ea == 11:
        return module("sts.misty1").decrypt_words(key, a, b, c, d)
    raise ValueError("EA must be 7 or 11")


def decode(text, ea=None, key=None, tables=None):
    """Text -> (Token, crc_ok). Class 1 needs no key. Raises FormatError for
    text that is not a token, ValueError for a missing/bad key or EA."""
    from sts import crc, digits
    from sts.errors import FormatError
    cls, a, b, c, d = digits.parse_words(text)
    if cls == 3:
        raise FormatError("token class 3 is reserved")
    if cls != 1:
        if key is None:
            raise ValueError("class %d tokens need the decoder key" % cls)
        a, b, c, d = decrypt_words(ea, key, a, b, c, d, tables)
    return from_words(cls, a, b, c, d), crc.field_words(cls, a, b, c) == d
