# EA07: STA (Standard Transfer Algorithm) decryption, sts.md 6.2 (IEC 62055-41 6.5.4).
#
# The tables are data (sts.md 6.3): StaTables takes a (S1, S2, P) tuple such
# as sts.sta_tables.REAL or SAMPLE, or a licensee's own, and derives the
# decrypt tables from it (sts.sta_prepare, loaded only for that).
#
# Decrypt, sts.md 6.2:  16 x { block = Pinv(block); nibble n -> S1inv if key
# bit (4n + round) is 1 else S2inv }. The block is four 16-bit halfwords
# (a = bits 63..48 ... d = bits 15..0): every value stays below 2^16, no big
# integers on a 32-bit port, no allocation in the rounds. Pinv moves each set
# bit to its place (64 bytes of table); a table of Pinv per nibble would take
# half the rounds' time for 2 KB of array('H'), one block a token on a
# fragmented heap may not find (docs/sts.md). The S-boxes are 32 bytes.
# Where the port runs native code the rounds are sts.native's viper loop,
# checked once against the portable one (on the first block decrypted).
from array import array

try:
    from sts import native as _native
except Exception:  # CPython, or no native code on this port
    _native = None


class StaTables:
    """Prepared STA decrypt tables from a (S1, S2, P) data tuple (sts.md 6.3).
    t: 96 bytes, the inverse S-boxes (S2inv then S1inv, 16 each) and Pinv's
    output bit of each input bit (64); prepared: the `t` this class made
    before for the same data."""

    def __init__(self, data, name="", prepared=None):
        if prepared is None:  # once per table set and boot: its code loads only then
            from sts import sta_prepare
            data, prepared = sta_prepare.prepare(data)
        self.name = name
        self.data = data
        self.t = prepared


_default = None


def default_tables():
    """The shipped table set (sts.sta_tables.REAL), prepared once per boot:
    the meter unloads the token engine after each token, so the prepared
    tables (values only, no object of this module) wait in sts.KEPT."""
    global _default
    if _default is None:
        import sts
        kept = sts.KEPT.get("sta")
        if kept is None:
            from sts import sta_tables
            _default = StaTables(sta_tables.REAL, "real")
            sts.KEPT["sta"] = (_default.data, _default.t)
        else:
            _default = StaTables(kept[0], "real", kept[1])
    return _default


def decrypt_words(key, a, b, c, d, tables=None):
    """Decrypt the block (a, b, c, d) of 16-bit halfwords, a = bits 63..48."""
    if len(key) != 8:
        raise ValueError("EA07 decoder key must be 8 bytes")
    if tables is None:
        tables = default_tables()
    t = tables.t
    n = _native
    w = None
    if n is not None and n.verified is not False:
        w = array("H", (a, b, c, d))
        n.sta_decrypt(w, key, t)
        if n.verified:
            return w[0], w[1], w[2], w[3]
    v = [d, c, b, a]  # the block, d (bits 15..0) first
    h = [0, 0, 0, 0]  # Pinv's output halfwords, the same order
    for r in range(16):
        h[0] = h[1] = h[2] = h[3] = 0
        i = 32  # t[32 + k]: the output bit of input bit k
        for x in v:
            k = i
            while x:
                if x & 1:
                    j = t[k]
                    h[j >> 4] |= 1 << (j & 15)
                x >>= 1
                k += 1
            i += 16
        # nibble m of the output: S1inv when key bit (4m + r) mod 64 is 1, else S2inv
        m = 0
        for q in range(4):
            x = h[q]
            y = 0
            for s in (0, 4, 8, 12):
                bit = (m + r) & 63
                y |= t[((key[7 - (bit >> 3)] >> (bit & 7)) & 1) << 4 | (x >> s) & 15] << s
                m += 4
            h[q] = y
        v, h = h, v  # the round's output is the next round's block
    d, c, b, a = v
    if w is not None:  # the first block: the native loop must give the portable one
        n.verified = tuple(w) == (a, b, c, d)
    return a, b, c, d


def decrypt(key, block, tables=None):
    """Decrypt a 64-bit integer block (tools and tests; the meter uses words)."""
    a, b, c, d = decrypt_words(key, (block >> 48) & 0xFFFF, (block >> 32) & 0xFFFF,
                               (block >> 16) & 0xFFFF, block & 0xFFFF, tables)
    return (a << 48) | (b << 32) | (c << 16) | d
