# AES-GCM (NIST SP 800-38D) with a 96-bit IV, on top of any AES-128 block
# encryptor (dlms.aes.new). DLMS security suite 0 uses a 12-byte tag and
# IV = system title (8) || invocation counter (4), dlms.md 6.1.
#
# GHASH uses Shoup's 4-bit tables: 16 multiples of H, each held as eight
# 16-bit words (w0 = most significant), so every integer stays a small int on
# 32-bit MicroPython ports. The table is built once per key (Gcm object):
# 256 bytes as an array("H") for the native loop, a list of 128 small ints
# (faster to index from Python) for the portable one.
# The security header AAD (SC || AK, dlms.md 6.1) is the same for every APDU
# of a key set: the GHASH state after it is kept and reused.
# The key stream comes from one ECB call over up to 4 counter blocks.
# The byte loops (GHASH, key stream XOR) are dlms.native's viper versions
# where the port runs native code (checked against the portable loops once,
# when this module loads), else ghash_py and xor_py.

from builtins import len  # module globals: a builtin is found by a linear search
from array import array
from struct import pack_into
from compat import const
from dlms import aes

_CHUNK = const(64)  # key stream bytes per AES call

# Reduction constants for the 4 bits shifted out per step (x^128 + x^7 + x^2 + x + 1).
_R4 = (0x0000, 0x1C20, 0x3840, 0x2460, 0x7080, 0x6CA0, 0x48C0, 0x54E0,
       0xE100, 0xFD20, 0xD940, 0xC560, 0x9180, 0x8DA0, 0xA9C0, 0xB5E0)
_LAST4 = array("H", _R4)  # for the native loop (ptr16)

try:
    from dlms import native as _native
except Exception:  # CPython, or no native code on this port
    _native = None
_ZERO = bytes(16)
_IV_LEN = "GCM IV is 12 bytes here"


class AuthenticationError(ValueError):
    """The GCM tag does not match: wrong key, IV, AAD or tampered data."""


def _ghash_table(h, xor):
    # M[n] = n * H for 4-bit n in GCM's reflected bit order (M[8] = H): a list of 128
    # 16-bit words for the portable loop, an array of 64 32-bit words for the
    # native one (the same 256 bytes, half the word operations per nibble)
    if xor is not xor_py:  # the native table, built by native code
        m = array("I", bytes(256))
        _native.table(m, h)
        return m
    m = [0] * 128
    v = [(h[2 * i] << 8) | h[2 * i + 1] for i in range(8)]
    i = 8
    while i:
        for k in range(8):
            m[8 * i + k] = v[k]
        carry = v[7] & 1
        for j in range(7, 0, -1):
            v[j] = (v[j] >> 1) | ((v[j - 1] & 1) << 15)
        v[0] >>= 1
        if carry:
            v[0] ^= 0xE100
        i >>= 1
    i = 2
    while i <= 8:
        for j in range(1, i):
            xor(m, 8 * (i + j), m, 8 * i, m, 8 * j, 8)
        i *= 2
    return m


def ghash_py(y, data, start, end, m, last4):
    """y <- (y ^ X) * H for each 16-byte block X of data[start:end], the last
    one zero-padded; m: _ghash_table(H), last4: _R4 (the portable loop)."""
    off = start
    while off < end:
        stop = off + 16 if off + 16 < end else end
        for i in range(off, stop):
            y[i - off] ^= data[i]
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
        off += 16


def xor_py(dst, d, a, s, b, t, n):
    """dst[d + i] = a[s + i] ^ b[t + i] for i < n (the portable loop)."""
    for i in range(n):
        dst[d + i] = a[s + i] ^ b[t + i]


class Gcm:
    def __init__(self, key, cipher=None, portable=False):
        """cipher: an AES-128 encryptor (default aes.new(key)); portable: use
        the Python loops even where native ones exist (tests, benchmarks)."""
        self._aes = cipher if cipher is not None else aes.new(key)
        h = bytearray(16)
        self._aes.encrypt(bytes(16), h)
        if not portable and _native_ok:
            self._gh = _native.ghash
            self._xor = _native.xor
            self._r4 = _LAST4
        else:
            self._gh = ghash_py
            self._xor = xor_py
            self._r4 = _R4
        self._m = _ghash_table(h, self._xor)
        self._y = bytearray(16)      # GHASH accumulator
        self._j0 = bytearray(16)     # J0, then E(K, J0)
        self._ks = bytearray(_CHUNK)  # counter blocks, then key stream
        self._ksv = memoryview(self._ks)
        self._len = bytearray(16)    # len(A) || len(C) block
        self._aad = None             # the last short AAD and the GHASH state after it
        self._y_aad = bytearray(16)

    # -- CTR --

    def _ctr_xor(self, iv, src):
        if len(iv) != 12:  # (here and in _tag: every public method calls one first)
            raise ValueError(_IV_LEN)
        n = len(src)
        out = bytearray(n)
        ks = self._ks
        enc = self._aes.encrypt
        block = 2  # counter 1 (J0) is reserved for the tag
        off = 0
        while off < n:
            k = n - off if n - off < _CHUNK else _CHUNK
            nb = (k + 15) >> 4
            for p in range(0, nb << 4, 16):
                ks[p:p + 12] = iv
                pack_into(">I", ks, p + 12, block)
                block += 1
            v = self._ksv[:nb << 4]
            enc(v, v)
            self._xor(out, off, src, off, ks, 0, k)
            off += k
        return out

    def _tag(self, iv, aad, ct, tag_len):
        # GHASH over aad and ct, inline (one call less, whose frame
        # MicroPython would allocate on its heap)
        if len(iv) != 12:
            raise ValueError(_IV_LEN)
        y = self._y
        m = self._m
        gh = self._gh
        r4 = self._r4
        na = len(aad)
        if na and aad == self._aad:
            y[:] = self._y_aad
        else:
            y[:] = _ZERO
            gh(y, aad, 0, na, m, r4)
            if na <= 32:
                self._aad = bytes(aad)
                self._y_aad[:] = y
        nc = len(ct)
        gh(y, ct, 0, nc, m, r4)
        # len(A) || len(C) as two 64-bit big-endian bit counts
        pack_into(">QQ", self._len, 0, na << 3, nc << 3)
        gh(y, self._len, 0, 16, m, r4)
        # the tag: GHASH xor E(K, J0)
        j0 = self._j0
        j0[0:12] = iv
        j0[12:16] = b"\x00\x00\x00\x01"  # counter 1: J0 = IV || 1 (96-bit IV)
        self._aes.encrypt(j0, j0)
        out = bytearray(tag_len)
        self._xor(out, 0, y, 0, j0, 0, tag_len)
        return out

    # -- public --

    # Inputs may be bytes, bytearray or memoryview; ciphertext, plaintext
    # and tags come back as a fresh bytearray (no extra copy).

    def encrypt(self, iv, plaintext, aad=b"", tag_len=12):
        """Return (ciphertext, tag)."""
        ct = self._ctr_xor(iv, plaintext)
        return ct, self._tag(iv, aad, ct, tag_len)

    def decrypt(self, iv, ciphertext, aad, tag):
        """Return the plaintext, or raise AuthenticationError."""
        if not 4 <= len(tag) <= 16:
            raise AuthenticationError("bad tag length")
        if not equal(self._tag(iv, aad, ciphertext, len(tag)), tag):
            raise AuthenticationError("tag mismatch")
        return self._ctr_xor(iv, ciphertext)

    def ctr(self, iv, data):
        """Encryption without authentication (SC with E only): GCM's CTR part."""
        return self._ctr_xor(iv, data)

    def gmac(self, iv, aad, tag_len=12):
        """Authentication only: the tag over `aad` with an empty plaintext."""
        return self._tag(iv, aad, b"", tag_len)


def equal(a, b):
    """Compare two byte strings without an early exit on the first difference."""
    n = len(a)
    if n != len(b):
        return False
    if _native_ok:  # the native loop, once a Gcm found the native ones right
        return _native.diff(a, b, n) == 0
    d = 0
    for i in range(n):
        d |= a[i] ^ b[i]
    return d == 0


def _agree(h):
    # the native loops must reproduce the portable ones
    a = bytearray(16)
    b = bytearray(16)
    _native.ghash(a, h, 0, 16, _ghash_table(h, _native.xor), _LAST4)
    ghash_py(b, h, 0, 16, _ghash_table(h, xor_py), _R4)
    return a == b


# Checked once, as the module loads (at the meter's build), not at the first
# Gcm: that is made inside a session's ciphered AARQ, where the heap is at its
# fullest and these four transient blocks made the 64-bit virtual meter fail
# at 224k (docs/sim.md "Heap of the virtual meter"). Any H does.
_native_ok = _native is not None and _agree(bytes(range(1, 17)))
del _agree
