# The STA decrypt tables from a (S1, S2, P) data tuple (sts.md 6.2, 6.3):
# the inverse S-boxes and the inverse permutation per nibble. Made once per
# boot for the shipped tables (sts.sta.default_tables keeps them in sts.KEPT)
# or for a licensee's set, so the token engine's sts.sta does not carry this
# code at every token (sts.ENGINE unloads it with the engine).
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


def p_table(perm):
    """The permutation per nibble, index (n*16 + v)*4 + w: halfword w
    (0 = bits 63..48 .. 3) of perm(v << 4n); perm[i] is the output bit of
    input bit i (bit 0 = least significant)."""
    t = _zeros(1024)
    for n in range(16):
        for v in range(16):
            base = (n * 16 + v) * 4
            for bit in range(4):
                if (v >> bit) & 1:
                    j = perm[4 * n + bit]
                    t[base + 3 - (j >> 4)] |= 1 << (j & 15)
    return t


def prepare(data):
    """(data as bytes, (p, s)) for sts.sta.StaTables; ValueError when a table
    is not a permutation."""
    s1, s2, p = data[0], data[1], data[2]
    _check_perm(s1, 16, "S1")
    _check_perm(s2, 16, "S2")
    _check_perm(p, 64, "P")
    # data is kept for the whole boot (sts.KEPT): bytes, not tuples of ints;
    # decrypt S-box by key bit, s[16 * bit + v]: 1 -> S1inv, 0 -> S2inv (sts.md 6.2)
    return ((bytes(s1), bytes(s2), bytes(p)),
            (p_table(_inverse(p)), bytes(_inverse(s2)) + bytes(_inverse(s1))))
