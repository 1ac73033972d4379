# EA07: STA (Standard Transfer Algorithm) decryption, sts.md 6.2 (IEC 62055-41 6.5.4).
#
# The tables are data (sts.md 6.3): StaTables takes a (S1, S2, P) tuple such
# as sts.sta_tables.REAL or SAMPLE, or a licensee's own, and derives the
# decrypt lookup tables from it (sts.sta_prepare, loaded only for that).
#
# Decrypt, sts.md 6.2:  16 x { block = Pinv(block); nibble n -> S1inv if key
# bit (4n + round) is 1 else S2inv }. The block is four 16-bit halfwords
# (a = bits 63..48 ... d = bits 15..0): every value stays below 2^16, no big
# integers on a 32-bit port, no allocation in the rounds. Pinv is one lookup
# per nibble in P[n][v] = Pinv(v << 4n), held as four halfwords: 2 KB of
# array('H') per table set, built once. The S-boxes are one 32-byte table.
# (Folding each S-box into the next Pinv would halve the lookups for 4 KB
# more of the board's heap, which the meter needs more: docs/benchmarks.md.)
# Where the port runs native code the rounds are sts.native's viper loop,
# checked once against the portable one (on the first block decrypted).
from array import array

try:
    from sts import native as _native
except Exception:  # CPython, or no native code on this port
    _native = None


class StaTables:
    """Prepared STA decrypt tables from a (S1, S2, P) data tuple (sts.md 6.3).
    prepared: the (p, s) tables this class made before for the same data."""

    def __init__(self, data, name="", prepared=None):
        if prepared is None:  # once per table set and boot: its code loads only then
            from sts import sta_prepare
            data, prepared = sta_prepare.prepare(data)
        self.name = name
        self.data = data
        self.p, self.s = prepared


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
            sts.KEPT["sta"] = (_default.data, (_default.p, _default.s))
        else:
            _default = StaTables(kept[0], "real", kept[1])
    return _default


def key_schedule(key):
    """The S-box of each round and nibble for an 8-byte decoder key:
    ks[16 * round + n] = 16 * key bit (4n + round) mod 64 (bit 0 = LSB of the
    big-endian key, sts.md 1), an offset into StaTables.s."""
    if len(key) != 8:
        raise ValueError("EA07 decoder key must be 8 bytes")
    ks = bytearray(256)
    for s in range(16):
        for n in range(16):
            bit = (4 * n + s) & 63
            ks[s * 16 + n] = ((key[7 - (bit >> 3)] >> (bit & 7)) & 1) << 4
    return ks


def decrypt_words(key, a, b, c, d, tables=None):
    """Decrypt the block (a, b, c, d) of 16-bit halfwords, a = bits 63..48."""
    if tables is None:
        tables = default_tables()
    n = _native
    w = None
    if n is not None and n.verified is not False and len(key) == 8:
        w = array("H", (a, b, c, d))
        n.sta_decrypt(w, key, tables.p, tables.s)  # takes the key bits itself: no key schedule
        if n.verified:
            return w[0], w[1], w[2], w[3]
    ks = key_schedule(key)  # (not kept: the meter unloads this module after a token)
    p = tables.p
    s = tables.s
    i = 0
    while i < 256:  # 16 rounds of 16 nibbles
        na = nb = nc = nd = 0  # Pinv
        o = (d << 2) & 60
        na |= p[o]; nb |= p[o + 1]; nc |= p[o + 2]; nd |= p[o + 3]
        o = 64 + ((d >> 2) & 60)
        na |= p[o]; nb |= p[o + 1]; nc |= p[o + 2]; nd |= p[o + 3]
        o = 128 + ((d >> 6) & 60)
        na |= p[o]; nb |= p[o + 1]; nc |= p[o + 2]; nd |= p[o + 3]
        o = 192 + ((d >> 10) & 60)
        na |= p[o]; nb |= p[o + 1]; nc |= p[o + 2]; nd |= p[o + 3]
        o = 256 + ((c << 2) & 60)
        na |= p[o]; nb |= p[o + 1]; nc |= p[o + 2]; nd |= p[o + 3]
        o = 320 + ((c >> 2) & 60)
        na |= p[o]; nb |= p[o + 1]; nc |= p[o + 2]; nd |= p[o + 3]
        o = 384 + ((c >> 6) & 60)
        na |= p[o]; nb |= p[o + 1]; nc |= p[o + 2]; nd |= p[o + 3]
        o = 448 + ((c >> 10) & 60)
        na |= p[o]; nb |= p[o + 1]; nc |= p[o + 2]; nd |= p[o + 3]
        o = 512 + ((b << 2) & 60)
        na |= p[o]; nb |= p[o + 1]; nc |= p[o + 2]; nd |= p[o + 3]
        o = 576 + ((b >> 2) & 60)
        na |= p[o]; nb |= p[o + 1]; nc |= p[o + 2]; nd |= p[o + 3]
        o = 640 + ((b >> 6) & 60)
        na |= p[o]; nb |= p[o + 1]; nc |= p[o + 2]; nd |= p[o + 3]
        o = 704 + ((b >> 10) & 60)
        na |= p[o]; nb |= p[o + 1]; nc |= p[o + 2]; nd |= p[o + 3]
        o = 768 + ((a << 2) & 60)
        na |= p[o]; nb |= p[o + 1]; nc |= p[o + 2]; nd |= p[o + 3]
        o = 832 + ((a >> 2) & 60)
        na |= p[o]; nb |= p[o + 1]; nc |= p[o + 2]; nd |= p[o + 3]
        o = 896 + ((a >> 6) & 60)
        na |= p[o]; nb |= p[o + 1]; nc |= p[o + 2]; nd |= p[o + 3]
        o = 960 + ((a >> 10) & 60)
        na |= p[o]; nb |= p[o + 1]; nc |= p[o + 2]; nd |= p[o + 3]
        # the S-boxes the key selects for this round
        d = (s[ks[i] | (nd & 15)] | s[ks[i + 1] | ((nd >> 4) & 15)] << 4
             | s[ks[i + 2] | ((nd >> 8) & 15)] << 8 | s[ks[i + 3] | (nd >> 12)] << 12)
        c = (s[ks[i + 4] | (nc & 15)] | s[ks[i + 5] | ((nc >> 4) & 15)] << 4
             | s[ks[i + 6] | ((nc >> 8) & 15)] << 8 | s[ks[i + 7] | (nc >> 12)] << 12)
        b = (s[ks[i + 8] | (nb & 15)] | s[ks[i + 9] | ((nb >> 4) & 15)] << 4
             | s[ks[i + 10] | ((nb >> 8) & 15)] << 8 | s[ks[i + 11] | (nb >> 12)] << 12)
        a = (s[ks[i + 12] | (na & 15)] | s[ks[i + 13] | ((na >> 4) & 15)] << 4
             | s[ks[i + 14] | ((na >> 8) & 15)] << 8 | s[ks[i + 15] | (na >> 12)] << 12)
        i += 16
    if w is not None:  # the first block: the native loop must give the portable one
        n.verified = tuple(w) == (a, b, c, d)
    return a, b, c, d


def decrypt(key, block, tables=None):
    """Decrypt a 64-bit integer block (tools and tests; the meter uses words)."""
    a, b, c, d = decrypt_words(key, (block >> 48) & 0xFFFF, (block >> 32) & 0xFFFF,
                               (block >> 16) & 0xFFFF, block & 0xFFFF, tables)
    return (a << 48) | (b << 32) | (c << 16) | d
