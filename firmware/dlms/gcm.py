# AES-GCM (NIST SP 800-38D) with a 96-bit IV, on top of any AES-128 block
# encryptor (dlms.aes.new). DLMS security suite 0 uses a 12-byte tag and
# IV = system title (8) || invocation counter (4), dlms.md 6.1.
#
# GHASH uses Shoup's 4-bit tables: 16 multiples of H, each held as eight
# 16-bit words (w0 = most significant), so every integer stays a small int on
# 32-bit MicroPython ports. Tables are built once per key.

from dlms import aes

# Reduction constants for the 4 bits shifted out per step (x^128 + x^7 + x^2 + x + 1).
_LAST4 = (0x0000, 0x1C20, 0x3840, 0x2460, 0x7080, 0x6CA0, 0x48C0, 0x54E0,
          0xE100, 0xFD20, 0xD940, 0xC560, 0x9180, 0x8DA0, 0xA9C0, 0xB5E0)


class AuthenticationError(ValueError):
    """The GCM tag does not match: wrong key, IV, AAD or tampered data."""


def _ghash_table(h):
    # M[i] = i * H for 4-bit i in GCM's reflected bit order; M[8] = H.
    m = [0] * 128
    v = [(h[2 * i] << 8) | h[2 * i + 1] for i in range(8)]
    m[64:72] = v
    i = 4
    while i:
        carry = v[7] & 1
        for j in range(7, 0, -1):
            v[j] = (v[j] >> 1) | ((v[j - 1] & 1) << 15)
        v[0] >>= 1
        if carry:
            v[0] ^= 0xE100
        m[8 * i:8 * i + 8] = v
        i >>= 1
    i = 2
    while i <= 8:
        for j in range(1, i):
            for k in range(8):
                m[8 * (i + j) + k] = m[8 * i + k] ^ m[8 * j + k]
        i *= 2
    return m


class Gcm:
    def __init__(self, key, cipher=None):
        self._aes = cipher if cipher is not None else aes.new(key)
        h = bytearray(16)
        self._aes.encrypt(bytes(16), h)
        self._m = _ghash_table(h)
        self._y = bytearray(16)      # GHASH accumulator
        self._ctr = bytearray(16)    # counter block
        self._ks = bytearray(16)     # key stream block

    # -- GHASH --

    def _mul(self, y):
        # y <- y * H, y a 16-byte bytearray
        m = self._m
        last4 = _LAST4
        z0 = z1 = z2 = z3 = z4 = z5 = z6 = z7 = 0
        for j in range(32):
            # nibbles from the last byte backwards, low nibble first
            b = y[15 - (j >> 1)]
            n = b >> 4 if j & 1 else b & 15
            if j:
                rem = z7 & 15
                z7 = (z7 >> 4) | ((z6 & 15) << 12)
                z6 = (z6 >> 4) | ((z5 & 15) << 12)
                z5 = (z5 >> 4) | ((z4 & 15) << 12)
                z4 = (z4 >> 4) | ((z3 & 15) << 12)
                z3 = (z3 >> 4) | ((z2 & 15) << 12)
                z2 = (z2 >> 4) | ((z1 & 15) << 12)
                z1 = (z1 >> 4) | ((z0 & 15) << 12)
                z0 = (z0 >> 4) ^ last4[rem]
            k = 8 * n
            z0 ^= m[k]
            z1 ^= m[k + 1]
            z2 ^= m[k + 2]
            z3 ^= m[k + 3]
            z4 ^= m[k + 4]
            z5 ^= m[k + 5]
            z6 ^= m[k + 6]
            z7 ^= m[k + 7]
        y[0] = z0 >> 8
        y[1] = z0 & 255
        y[2] = z1 >> 8
        y[3] = z1 & 255
        y[4] = z2 >> 8
        y[5] = z2 & 255
        y[6] = z3 >> 8
        y[7] = z3 & 255
        y[8] = z4 >> 8
        y[9] = z4 & 255
        y[10] = z5 >> 8
        y[11] = z5 & 255
        y[12] = z6 >> 8
        y[13] = z6 & 255
        y[14] = z7 >> 8
        y[15] = z7 & 255

    def _absorb(self, data):
        y = self._y
        n = len(data)
        for off in range(0, n, 16):
            end = off + 16 if off + 16 < n else n
            for i in range(off, end):
                y[i - off] ^= data[i]
            self._mul(y)

    def _ghash(self, aad, ct):
        y = self._y
        for i in range(16):
            y[i] = 0
        self._absorb(aad)
        self._absorb(ct)
        a = len(aad) * 8
        c = len(ct) * 8
        for i in range(8):  # len(A) || len(C) as two 64-bit big-endian bit counts
            y[7 - i] ^= (a >> (8 * i)) & 255
            y[15 - i] ^= (c >> (8 * i)) & 255
        self._mul(y)

    # -- CTR --

    def _set_counter(self, iv, n):
        ctr = self._ctr
        ctr[0:12] = iv
        ctr[12] = (n >> 24) & 255
        ctr[13] = (n >> 16) & 255
        ctr[14] = (n >> 8) & 255
        ctr[15] = n & 255

    def _ctr_xor(self, iv, src):
        out = bytearray(len(src))
        ks = self._ks
        n = len(src)
        block = 2  # counter 1 (J0) is reserved for the tag
        for off in range(0, n, 16):
            self._set_counter(iv, block)
            self._aes.encrypt(self._ctr, ks)
            end = off + 16 if off + 16 < n else n
            for i in range(off, end):
                out[i] = src[i] ^ ks[i - off]
            block += 1
        return out

    def _tag(self, iv, aad, ct, tag_len):
        self._ghash(aad, ct)
        self._set_counter(iv, 1)
        self._aes.encrypt(self._ctr, self._ks)
        ks = self._ks
        y = self._y
        for i in range(16):
            y[i] ^= ks[i]
        return bytes(y)[:tag_len]

    # -- public --

    # Inputs may be bytes, bytearray or memoryview; ciphertext and plaintext
    # come back as a fresh bytearray (no extra copy).

    def encrypt(self, iv, plaintext, aad=b"", tag_len=12):
        """Return (ciphertext, tag)."""
        _check_iv(iv)
        ct = self._ctr_xor(iv, plaintext)
        return ct, self._tag(iv, aad, ct, tag_len)

    def decrypt(self, iv, ciphertext, aad, tag):
        """Return the plaintext, or raise AuthenticationError."""
        _check_iv(iv)
        if not 4 <= len(tag) <= 16:
            raise AuthenticationError("bad tag length")
        if not equal(self._tag(iv, aad, ciphertext, len(tag)), tag):
            raise AuthenticationError("tag mismatch")
        return self._ctr_xor(iv, ciphertext)

    def ctr(self, iv, data):
        """Encryption without authentication (SC with E only): GCM's CTR part."""
        _check_iv(iv)
        return self._ctr_xor(iv, data)

    def gmac(self, iv, aad, tag_len=12):
        """Authentication only: the tag over `aad` with an empty plaintext."""
        _check_iv(iv)
        return self._tag(iv, aad, b"", tag_len)


def _check_iv(iv):
    if len(iv) != 12:
        raise ValueError("GCM IV is 12 bytes here")


def equal(a, b):
    """Compare two byte strings without an early exit on the first difference."""
    if len(a) != len(b):
        return False
    d = 0
    for i in range(len(a)):
        d |= a[i] ^ b[i]
    return d == 0
