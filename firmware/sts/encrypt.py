# Token encryption: vending side only (tools, tests, sts.vend). The meter
# never imports this module.
#   EA07 STA encrypt, sts.md 6.1, written plainly on 64-bit integers (it
#   doubles as an independent check of the table-driven decryptor);
#   EA11 MISTY1 encrypt (RFC 2994), sharing FI/FO/FL with sts.misty1.
from sts import misty1

_M64 = (1 << 64) - 1


def sta_encrypt(key, block, tables=None):
    """STA-encrypt a 64-bit block with an 8-byte decoder key (sts.md 6.1)."""
    if tables is None:
        from sts import sta_tables
        tables = sta_tables.REAL
    elif hasattr(tables, "data"):
        tables = tables.data  # a prepared sts.sta.StaTables
    s1, s2, p = tables[0], tables[1], tables[2]
    if len(key) != 8:
        raise ValueError("EA07 decoder key must be 8 bytes")
    k = 0
    for byte in key:
        k = (k << 8) | byte
    k = ~k & _M64
    k = ((k >> 12) | (k << 52)) & _M64  # ROTR64(NOT K, 12)
    x = block
    for _ in range(16):
        y = 0
        for n in range(16):
            v = (x >> (4 * n)) & 15
            v = s2[v] if (k >> (4 * n + 3)) & 1 else s1[v]
            y |= v << (4 * n)
        x = 0
        for i in range(64):
            if (y >> i) & 1:
                x |= 1 << p[i]
        k = ((k << 1) | (k >> 63)) & _M64
    return x


def misty1_encrypt_words(key, a, b, c, d):
    """MISTY1-encrypt (a, b, c, d) halfwords with a 16-byte key (RFC 2994)."""
    ek = misty1.key_schedule(key)
    w = [a, b, c, d]  # D0 = high half at w[0..1], D1 = low half at w[2..3]
    fo, fl = misty1.fo, misty1.fl
    for k in (0, 2, 4, 6):
        fl(ek, w, 0, k)
        fl(ek, w, 2, k + 1)
        fo(ek, w, 0, 2, k)
        fo(ek, w, 2, 0, k + 1)
    fl(ek, w, 0, 8)
    fl(ek, w, 2, 9)
    return w[2], w[3], w[0], w[1]


def misty1_encrypt(key, block):
    a, b, c, d = misty1_encrypt_words(key, (block >> 48) & 0xFFFF, (block >> 32) & 0xFFFF,
                                      (block >> 16) & 0xFFFF, block & 0xFFFF)
    return (a << 48) | (b << 32) | (c << 16) | d


def encrypt(ea, key, block, tables=None):
    """Encrypt a plain 64-bit block for EA 7 (STA) or 11 (MISTY1)."""
    if ea == 7:
        return sta_encrypt(key, block, tables)
    if ea == 11:
        return misty1_encrypt(key, block)
    raise ValueError("EA must be 7 or 11")
