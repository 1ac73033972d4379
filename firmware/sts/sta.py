# EA07: STA (Standard Transfer Algorithm) decryption, sts.md 6.2 (IEC 62055-41 6.5.4).
#
# The tables are data (sts.md 6.3): StaTables takes a (S1, S2, P) tuple such
# as sts.sta_tables.REAL or SAMPLE, or a licensee's own, and derives the
# decrypt lookup tables from it.
#
# Decrypt, sts.md 6.2:  16 x { block = Pinv(block); nibble n -> S1inv if key
# bit (4n + round) is 1 else S2inv }. Regrouped as Pinv, 15 x (S then Pinv),
# then S alone, so each round is 16 lookups in one combined table
#   T[n][sel][v] = Pinv(Ssel(v) << 4n)
# held as four 16-bit halfwords (a = bits 63..48 ... d = bits 15..0). Every
# value stays below 2^16: no big integers on a 32-bit port, no allocation in
# the rounds. Tables: 4 KB (T) + 2 KB (Pinv alone) of array('H') per set, built once.
from array import array


def _zeros(n):
    # array("H", bytes(n)) differs between CPython (raw buffer) and MicroPython
    a = array("H", range(n))
    for i in range(n):
        a[i] = 0
    return a


def _check_perm(seq, n, what):
    if len(seq) != n or sorted(seq) != list(range(n)):
        raise ValueError("STA %s must be a permutation of 0..%d" % (what, n - 1))


def _inverse(seq):
    inv = [0] * len(seq)
    for i, v in enumerate(seq):
        inv[v] = i
    return inv


def sp_table(sbox0, sbox1, perm):
    """Combined S-box + permutation table, index ((n*2 + sel)*16 + v)*4 + w.

    Entry = perm(sbox_sel(v) << 4n) as halfwords w = 0 (bits 63..48) .. 3;
    perm[i] is the output bit of input bit i. sbox None = identity.
    """
    t = _zeros(2048)
    for n in range(16):
        for sel in range(2):
            sb = sbox1 if sel else sbox0
            for v in range(16):
                x = sb[v] if sb is not None else v
                base = ((n * 2 + sel) * 16 + v) * 4
                for bit in range(4):
                    if (x >> bit) & 1:
                        j = perm[4 * n + bit]
                        t[base + 3 - (j >> 4)] |= 1 << (j & 15)
    return t


class StaTables:
    """Prepared STA decrypt tables from a (S1, S2, P) data tuple (sts.md 6.3)."""

    def __init__(self, data, name=""):
        s1, s2, p = data[0], data[1], data[2]
        _check_perm(s1, 16, "S1")
        _check_perm(s2, 16, "S2")
        _check_perm(p, 64, "P")
        self.name = name
        self.data = (tuple(s1), tuple(s2), tuple(p))
        s1inv, s2inv = _inverse(s1), _inverse(s2)
        pinv = _inverse(p)
        # decrypt selector: key bit 1 -> S1inv, key bit 0 -> S2inv (sts.md 6.2)
        self.t = sp_table(s2inv, s1inv, pinv)
        # Pinv alone (identity S-boxes), kept compact: index (n*16 + v)*4 + w
        full = sp_table(None, None, pinv)
        self.p = _zeros(1024)
        for n in range(16):
            for i in range(64):
                self.p[n * 64 + i] = full[n * 128 + i]
        self.s = bytes(s2inv) + bytes(s1inv)


_default = None
_ks_tables = None
_ks_key = None
_ks = None


def default_tables():
    """The shipped table set (sts.sta_tables.REAL), prepared once."""
    global _default
    if _default is None:
        from sts import sta_tables
        _default = StaTables(sta_tables.REAL, "real")
    return _default


def key_schedule(key):
    """Per-round nibble offsets into StaTables.t for an 8-byte decoder key.

    Round s, nibble n selects with key bit (4n + s) mod 64 (bit 0 = LSB of the
    big-endian key, sts.md 1); offset = (n*2 + sel) * 64.
    """
    if len(key) != 8:
        raise ValueError("EA07 decoder key must be 8 bytes")
    ks = _zeros(256)
    for s in range(16):
        for n in range(16):
            bit = (4 * n + s) & 63
            sel = (key[7 - (bit >> 3)] >> (bit & 7)) & 1
            ks[s * 16 + n] = (n * 2 + sel) * 64
    return ks


def _schedule(tables, key):
    # one-entry cache: a meter decrypts with one key; bytes compare is cheap
    global _ks_tables, _ks_key, _ks
    if _ks is None or _ks_tables is not tables or _ks_key != key:
        _ks = key_schedule(key)
        _ks_tables = tables
        _ks_key = bytes(key)
    return _ks


def decrypt_words(key, a, b, c, d, tables=None):
    """Decrypt the block (a, b, c, d) of 16-bit halfwords, a = bits 63..48."""
    if tables is None:
        tables = default_tables()
    ks = _schedule(tables, key)
    t = tables.t
    p = tables.p
    # initial Pinv
    na = nb = nc = nd = 0
    o = ((d << 2) & 60)
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
    a = na; b = nb; c = nc; d = nd
    # rounds 0..14: S-box then Pinv of the next round, combined
    i = 0
    while i < 240:
        na = nb = nc = nd = 0
        o = ks[i] + ((d << 2) & 60)
        na |= t[o]; nb |= t[o + 1]; nc |= t[o + 2]; nd |= t[o + 3]
        o = ks[i + 1] + ((d >> 2) & 60)
        na |= t[o]; nb |= t[o + 1]; nc |= t[o + 2]; nd |= t[o + 3]
        o = ks[i + 2] + ((d >> 6) & 60)
        na |= t[o]; nb |= t[o + 1]; nc |= t[o + 2]; nd |= t[o + 3]
        o = ks[i + 3] + ((d >> 10) & 60)
        na |= t[o]; nb |= t[o + 1]; nc |= t[o + 2]; nd |= t[o + 3]
        o = ks[i + 4] + ((c << 2) & 60)
        na |= t[o]; nb |= t[o + 1]; nc |= t[o + 2]; nd |= t[o + 3]
        o = ks[i + 5] + ((c >> 2) & 60)
        na |= t[o]; nb |= t[o + 1]; nc |= t[o + 2]; nd |= t[o + 3]
        o = ks[i + 6] + ((c >> 6) & 60)
        na |= t[o]; nb |= t[o + 1]; nc |= t[o + 2]; nd |= t[o + 3]
        o = ks[i + 7] + ((c >> 10) & 60)
        na |= t[o]; nb |= t[o + 1]; nc |= t[o + 2]; nd |= t[o + 3]
        o = ks[i + 8] + ((b << 2) & 60)
        na |= t[o]; nb |= t[o + 1]; nc |= t[o + 2]; nd |= t[o + 3]
        o = ks[i + 9] + ((b >> 2) & 60)
        na |= t[o]; nb |= t[o + 1]; nc |= t[o + 2]; nd |= t[o + 3]
        o = ks[i + 10] + ((b >> 6) & 60)
        na |= t[o]; nb |= t[o + 1]; nc |= t[o + 2]; nd |= t[o + 3]
        o = ks[i + 11] + ((b >> 10) & 60)
        na |= t[o]; nb |= t[o + 1]; nc |= t[o + 2]; nd |= t[o + 3]
        o = ks[i + 12] + ((a << 2) & 60)
        na |= t[o]; nb |= t[o + 1]; nc |= t[o + 2]; nd |= t[o + 3]
        o = ks[i + 13] + ((a >> 2) & 60)
        na |= t[o]; nb |= t[o + 1]; nc |= t[o + 2]; nd |= t[o + 3]
        o = ks[i + 14] + ((a >> 6) & 60)
        na |= t[o]; nb |= t[o + 1]; nc |= t[o + 2]; nd |= t[o + 3]
        o = ks[i + 15] + ((a >> 10) & 60)
        na |= t[o]; nb |= t[o + 1]; nc |= t[o + 2]; nd |= t[o + 3]
        a = na; b = nb; c = nc; d = nd
        i += 16
    # round 15: S-boxes alone
    s = tables.s
    nd = (s[((ks[240] >> 2) & 16) | (d & 15)]
          | s[((ks[241] >> 2) & 16) | ((d >> 4) & 15)] << 4
          | s[((ks[242] >> 2) & 16) | ((d >> 8) & 15)] << 8
          | s[((ks[243] >> 2) & 16) | (d >> 12)] << 12)
    nc = (s[((ks[244] >> 2) & 16) | (c & 15)]
          | s[((ks[245] >> 2) & 16) | ((c >> 4) & 15)] << 4
          | s[((ks[246] >> 2) & 16) | ((c >> 8) & 15)] << 8
          | s[((ks[247] >> 2) & 16) | (c >> 12)] << 12)
    nb = (s[((ks[248] >> 2) & 16) | (b & 15)]
          | s[((ks[249] >> 2) & 16) | ((b >> 4) & 15)] << 4
          | s[((ks[250] >> 2) & 16) | ((b >> 8) & 15)] << 8
          | s[((ks[251] >> 2) & 16) | (b >> 12)] << 12)
    na = (s[((ks[252] >> 2) & 16) | (a & 15)]
          | s[((ks[253] >> 2) & 16) | ((a >> 4) & 15)] << 4
          | s[((ks[254] >> 2) & 16) | ((a >> 8) & 15)] << 8
          | s[((ks[255] >> 2) & 16) | (a >> 12)] << 12)
    return na, nb, nc, nd


def decrypt(key, block, tables=None):
    """Decrypt a 64-bit integer block (tools and tests; the meter uses words)."""
    a, b, c, d = decrypt_words(key, (block >> 48) & 0xFFFF, (block >> 32) & 0xFFFF,
                               (block >> 16) & 0xFFFF, block & 0xFFFF, tables)
    return (a << 48) | (b << 32) | (c << 16) | d
