# AES key wrap (RFC 3394) with AES-128: the format of keys in a class 64
# key_transfer (dlms.md 6.5), wrapped under the key encrypting key (KEK).
#
#   wrap(kek, key)       -> 8 * (n + 1) bytes, n = len(key) / 8 >= 2
#   unwrap(kek, wrapped) -> the key, or None when the integrity check fails
#
# Unwrapping needs the AES inverse cipher (FIPS-197 5.3), which GCM never
# does: cryptolib's where the port has it, else the portable one below. The
# meter loads this module only when a key transfer arrives.
from dlms import aes

_IV = b"\xA6\xA6\xA6\xA6\xA6\xA6\xA6\xA6"  # RFC 3394 2.2.3.1


def wrap(kek, key, portable=False):
    n = len(key) // 8
    if n < 2 or len(key) % 8:
        raise ValueError("key data is a multiple of 8 bytes, at least 16")
    enc = aes.new(kek, portable)
    a = bytearray(_IV)
    r = bytearray(key)
    b = bytearray(16)
    for j in range(6):
        for i in range(n):
            b[0:8] = a
            b[8:16] = r[8 * i:8 * i + 8]
            b[:] = enc.encrypt(bytes(b))
            a[:] = b[0:8]
            _xor_t(a, n * j + i + 1)
            r[8 * i:8 * i + 8] = b[8:16]
    return bytes(a + r)


def unwrap(kek, wrapped, portable=False):
    n = len(wrapped) // 8 - 1
    if n < 2 or len(wrapped) % 8:
        return None
    dec = _decryptor(kek, portable)
    a = bytearray(wrapped[0:8])
    r = bytearray(wrapped[8:])
    b = bytearray(16)
    for j in range(5, -1, -1):
        for i in range(n - 1, -1, -1):
            _xor_t(a, n * j + i + 1)
            b[0:8] = a
            b[8:16] = r[8 * i:8 * i + 8]
            b[:] = dec.decrypt(bytes(b))
            a[:] = b[0:8]
            r[8 * i:8 * i + 8] = b[8:16]
    d = 0
    for i in range(8):  # without an early exit
        d |= a[i] ^ 0xA6
    return bytes(r) if d == 0 else None


def _xor_t(a, t):
    # A ^= t as a 64-bit big-endian integer (t < 2^16 here)
    a[7] ^= t & 0xFF
    a[6] ^= t >> 8


def _decryptor(kek, portable):
    if not portable:
        try:
            import cryptolib
            return cryptolib.aes(bytes(kek), 1)
        except (ImportError, AttributeError):
            pass
    return InvAes128(kek)


def _xt(b):
    return ((b << 1) ^ 0x1B) & 0xFF if b & 0x80 else b << 1


def _inv_sbox():
    """The inverse S-box, computed from its definition (FIPS-197 5.1.1): the
    S-box maps a to the affine transform of a's inverse in GF(2^8)."""
    exp = bytearray(256)
    log = bytearray(256)
    x = 1
    for i in range(255):  # powers of the generator 3
        exp[i] = x
        log[x] = i
        x ^= _xt(x)
    inv = bytearray(256)
    for a in range(256):
        b = exp[(255 - log[a]) % 255] if a else 0
        s = b
        for k in range(1, 5):
            s ^= ((b << k) | (b >> (8 - k))) & 0xFF
        inv[s ^ 0x63] = a
    return inv


# InvShiftRows as a source index per output byte (state is column-major)
_ISHIFT = bytes((0, 13, 10, 7, 4, 1, 14, 11, 8, 5, 2, 15, 12, 9, 6, 3))


class InvAes128:
    """Portable AES-128 decryption of one block: decrypt(block) -> bytes."""

    def __init__(self, key):
        self._w = aes.expand_key(key)
        self._inv = _inv_sbox()

    def decrypt(self, block):
        w = self._w
        inv = self._inv
        s = bytearray(16)
        t = bytearray(16)
        for i in range(16):
            s[i] = block[i] ^ w[160 + i]
        for rnd in range(9, -1, -1):
            k = 16 * rnd
            for i in range(16):  # InvShiftRows + InvSubBytes + AddRoundKey
                t[i] = inv[s[_ISHIFT[i]]] ^ w[k + i]
            if rnd == 0:
                return bytes(t)
            for c in (0, 4, 8, 12):  # InvMixColumns = a pre-step, then MixColumns
                a0, a1, a2, a3 = t[c], t[c + 1], t[c + 2], t[c + 3]
                u = _xt(_xt(a0 ^ a2))
                v = _xt(_xt(a1 ^ a3))
                a0 ^= u
                a1 ^= v
                a2 ^= u
                a3 ^= v
                x = a0 ^ a1 ^ a2 ^ a3
                s[c] = a0 ^ x ^ _xt(a0 ^ a1)
                s[c + 1] = a1 ^ x ^ _xt(a1 ^ a2)
                s[c + 2] = a2 ^ x ^ _xt(a2 ^ a3)
                s[c + 3] = a3 ^ x ^ _xt(a3 ^ a0)
