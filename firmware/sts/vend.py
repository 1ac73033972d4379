# Vending side: build plain blocks and 20-digit tokens (tools and tests only;
# the meter never imports this module). Portable, so portable tests can make
# tokens. Layouts: sts.md 3; carrier: sts.md 2; CRC: sts.md 5.
from sts import amount, carrier, crc_message, tid as _tid
from sts.encrypt import encrypt

KCT_SUBCLASSES = (3, 4, 8, 9)
_M16 = 0xFFFF


def _frame(cls, sub, rnd, tid, field):
    if not (0 <= tid <= 0xFFFFFF):
        raise ValueError("TID must be 0..2^24-1")
    if not (0 <= rnd <= 15 and 0 <= field <= _M16):
        raise ValueError("RND or 16-bit field out of range")
    return crc_message.seal(cls, (sub << 60) | (rnd << 56) | (tid << 32) | (field << 16))


def set_flag_field(flag_index, flag_value):
    """Class 2 sub 10 value: index 63 | flag index (9) | flag value (1)."""
    return (63 << 10) | ((flag_index & 0x1FF) << 1) | (flag_value & 1)


def vend_block(cls, subclass, tid=0, rnd=0, value=None, field=None, control=0, mfrcode=0, **kct):
    """The plain 64-bit block (CRC sealed) of any token class/sub-class.

    value: units for class 0 (0.1 kWh ..., or 1e-5 currency for sub 4..7), W for
    MPL/MPPUL (class 2 sub 0/6), the register for ClearCredit, else the raw
    16-bit field; field: the encoded 16-bit field itself. Class 1 uses control and
    mfrcode. Key change tokens take their sts.md 3.3 fields as keywords (see kct_block).
    """
    if not (0 <= subclass <= 15):
        raise ValueError("sub-class must be 0..15")
    if cls == 1:
        if subclass == 0:
            if not (0 <= control < 1 << 36 and 0 <= mfrcode <= 0xFF):
                raise ValueError("control (36 bits) or MfrCode (8 bits) out of range")
            return crc_message.seal(1, (control << 24) | (mfrcode << 16))
        if subclass == 1:
            if not (0 <= control < 1 << 28 and 0 <= mfrcode <= _M16):
                raise ValueError("control (28 bits) or MfrCode (16 bits) out of range")
            return crc_message.seal(1, (1 << 60) | (control << 32) | (mfrcode << 16))
        if not (0 <= control < 1 << 44):
            raise ValueError("class 1 data must be 44 bits")
        return crc_message.seal(1, (subclass << 60) | (control << 16))
    if cls == 2 and subclass in KCT_SUBCLASSES:
        return kct_block(subclass, **kct)
    if cls == 0 and 4 <= subclass <= 7:
        f = field if field is not None else amount.currency_encode(value or 0)
        if not (0 <= f < 1 << 20):
            raise ValueError("currency field must be 20 bits")
        return _frame(0, subclass, f >> 16, tid, f & _M16)
    if cls not in (0, 2):
        raise ValueError("token class must be 0, 1 or 2")
    if field is None:
        v = value or 0
        if cls == 0 or subclass in (0, 6):
            field = amount.encode(v)
        else:
            field = v
    return _frame(cls, subclass, rnd, tid, field)


def kct_block(subclass, ken=255, krn=1, ro=0, res=0, kt=2, ti=1, sgc=0, key_word=0):
    """One key change token block (sts.md 3.3). key_word = the 32 key bits it carries."""
    if not (0 <= key_word < 1 << 32 and 0 <= ken <= 255 and 0 <= krn <= 15 and 0 <= kt <= 3
            and 0 <= ti <= 255 and 0 <= sgc < 1 << 24):
        raise ValueError("key change field out of range")
    if subclass == 3:
        head = ((ken >> 4) << 8) | (krn << 4) | ((ro & 1) << 3) | ((res & 1) << 2) | kt
    elif subclass == 4:
        head = ((ken & 15) << 8) | ti
    elif subclass == 8:
        head = sgc & 0xFFF
    elif subclass == 9:
        head = sgc >> 12
    else:
        raise ValueError("key change sub-classes are 3, 4, 8, 9")
    return crc_message.seal(2, (subclass << 60) | (head << 48) | (key_word << 16))


def key_change_blocks(new_key, kt=2, krn=1, ti=1, ken=255, ro=0, sgc=0):
    """[(sub-class, block)] of the key change set for an 8- or 16-byte new key:
    KCT1, KCT2 (64-bit) or KCT1, KCT2, KCT3, KCT4 (128-bit) (sts.md 3.3)."""
    k = bytes(new_key)
    if len(k) not in (8, 16):
        raise ValueError("new decoder key must be 8 or 16 bytes")

    def word(i):
        return (k[i] << 24) | (k[i + 1] << 16) | (k[i + 2] << 8) | k[i + 3]

    common = {"ken": ken, "krn": krn, "ro": ro, "kt": kt, "ti": ti, "sgc": sgc}
    out = [(3, kct_block(3, key_word=word(0), **common)),
           (4, kct_block(4, key_word=word(len(k) - 4), **common))]
    if len(k) == 16:
        out.append((8, kct_block(8, key_word=word(4), **common)))
        out.append((9, kct_block(9, key_word=word(8), **common)))
    return out


def encode(ea, key, cls, plain_block, tables=None):
    """Plain block -> 20-digit token: encrypt (classes 0, 2) and transpose."""
    block = plain_block if cls == 1 else encrypt(ea, key, plain_block, tables)
    return carrier.format_token(cls, block)


def vend(ea, key, cls, subclass, tables=None, **kw):
    """One 20-digit token; keywords as for vend_block."""
    return encode(ea, key, cls, vend_block(cls, subclass, **kw), tables)


def key_change_tokens(ea, key, new_key, tables=None, **kw):
    """The key change set encrypted with the current key `key` (sts.md 9.4)."""
    return [encode(ea, key, 2, b, tables) for _, b in key_change_blocks(new_key, **kw)]


def tid_for(base_date, y, m, d, hh=0, mm=0):
    """TID for an issue time; 00:01 becomes 00:02 (the reserved STID, sts.md 4.2)."""
    t = _tid.from_date(base_date, y, m, d, hh, mm)
    if _tid.is_stid(t):
        t += 1
    return t
