# The STA decrypt tables from a (S1, S2, P) data tuple (sts.md 6.2, 6.3):
# the inverse S-boxes and the inverse permutation, 96 bytes. Made once per
# boot for the shipped tables (sts.sta.default_tables keeps them in sts.KEPT)
# or for a licensee's set, so the token engine's sts.sta does not carry this
# code at every token (sts.ENGINE unloads it with the engine).
def _check_perm(seq, n, what):
    if len(seq) != n or sorted(seq) != list(range(n)):
        raise ValueError("STA %s must be a permutation of 0..%d" % (what, n - 1))


def _inverse(seq):
    inv = [0] * len(seq)
    for i, v in enumerate(seq):
        inv[v] = i
    return inv


def prepare(data):
    """(data as bytes, t) for sts.sta.StaTables; ValueError when a table is
    not a permutation."""
    s1, s2, p = data[0], data[1], data[2]
    _check_perm(s1, 16, "S1")
    _check_perm(s2, 16, "S2")
    _check_perm(p, 64, "P")
    # kept for the whole boot (sts.KEPT): bytes, not tuples of ints; decrypt
    # S-box by key bit, t[16 * bit + v]: 1 -> S1inv, 0 -> S2inv (sts.md 6.2),
    # then Pinv, t[32 + i]: the output bit of input bit i
    return ((bytes(s1), bytes(s2), bytes(p)),
            bytes(_inverse(s2)) + bytes(_inverse(s1)) + bytes(_inverse(p)))
