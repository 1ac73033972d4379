# AES-128 block encryption (FIPS-197), the cipher under security suite 0
# (dlms.md 6.1). GCM only ever needs the forward direction.
#
# new(key) returns MicroPython's cryptolib.aes(key, 1) (ECB) where the port
# has it, else the portable byte-oriented Aes128 below: S-box and xtime tables,
# a 16-byte state in a bytearray, no integers above 8 bits, no allocation per
# block when the caller passes an output buffer.

_SBOX = (
    b"\x63\x7c\x77\x7b\xf2\x6b\x6f\xc5\x30\x01\x67\x2b\xfe\xd7\xab\x76"
    b"\xca\x82\xc9\x7d\xfa\x59\x47\xf0\xad\xd4\xa2\xaf\x9c\xa4\x72\xc0"
    b"\xb7\xfd\x93\x26\x36\x3f\xf7\xcc\x34\xa5\xe5\xf1\x71\xd8\x31\x15"
    b"\x04\xc7\x23\xc3\x18\x96\x05\x9a\x07\x12\x80\xe2\xeb\x27\xb2\x75"
    b"\x09\x83\x2c\x1a\x1b\x6e\x5a\xa0\x52\x3b\xd6\xb3\x29\xe3\x2f\x84"
    b"\x53\xd1\x00\xed\x20\xfc\xb1\x5b\x6a\xcb\xbe\x39\x4a\x4c\x58\xcf"
    b"\xd0\xef\xaa\xfb\x43\x4d\x33\x85\x45\xf9\x02\x7f\x50\x3c\x9f\xa8"
    b"\x51\xa3\x40\x8f\x92\x9d\x38\xf5\xbc\xb6\xda\x21\x10\xff\xf3\xd2"
    b"\xcd\x0c\x13\xec\x5f\x97\x44\x17\xc4\xa7\x7e\x3d\x64\x5d\x19\x73"
    b"\x60\x81\x4f\xdc\x22\x2a\x90\x88\x46\xee\xb8\x14\xde\x5e\x0b\xdb"
    b"\xe0\x32\x3a\x0a\x49\x06\x24\x5c\xc2\xd3\xac\x62\x91\x95\xe4\x79"
    b"\xe7\xc8\x37\x6d\x8d\xd5\x4e\xa9\x6c\x56\xf4\xea\x65\x7a\xae\x08"
    b"\xba\x78\x25\x2e\x1c\xa6\xb4\xc6\xe8\xdd\x74\x1f\x4b\xbd\x8b\x8a"
    b"\x70\x3e\xb5\x66\x48\x03\xf6\x0e\x61\x35\x57\xb9\x86\xc1\x1d\x9e"
    b"\xe1\xf8\x98\x11\x69\xd9\x8e\x94\x9b\x1e\x87\xe9\xce\x55\x28\xdf"
    b"\x8c\xa1\x89\x0d\xbf\xe6\x42\x68\x41\x99\x2d\x0f\xb0\x54\xbb\x16"
)

# xtime(b) = b * 2 in GF(2^8) mod x^8 + x^4 + x^3 + x + 1 (FIPS-197 4.2.1)
_XT = bytes(((b << 1) ^ 0x1B) & 0xFF if b & 0x80 else b << 1 for b in range(256))

# ShiftRows as a source index per output byte (state is column-major).
_SHIFT = bytes((0, 5, 10, 15, 4, 9, 14, 3, 8, 13, 2, 7, 12, 1, 6, 11))

_RCON = b"\x01\x02\x04\x08\x10\x20\x40\x80\x1b\x36"


def expand_key(key):
    """The 176-byte AES-128 key schedule (FIPS-197 5.2)."""
    if len(key) != 16:
        raise ValueError("AES-128 key is 16 bytes")
    w = bytearray(176)
    w[0:16] = key
    s = _SBOX
    for i in range(16, 176, 4):
        a, b, c, d = w[i - 4], w[i - 3], w[i - 2], w[i - 1]
        if i % 16 == 0:
            a, b, c, d = s[b] ^ _RCON[i // 16 - 1], s[c], s[d], s[a]
        w[i] = w[i - 16] ^ a
        w[i + 1] = w[i - 15] ^ b
        w[i + 2] = w[i - 14] ^ c
        w[i + 3] = w[i - 13] ^ d
    return w


class Aes128:
    """Portable AES-128 encryptor with cryptolib's ECB encrypt(in, out=None)
    call: `in` is one or more 16-byte blocks; `out` may be `in`."""

    def __init__(self, key):
        self._w = expand_key(key)
        self._s = bytearray(16)
        self._t = bytearray(16)

    def encrypt(self, data, out=None):
        n = len(data)
        if n % 16:
            raise ValueError("AES input is whole 16-byte blocks")
        o = bytearray(n) if out is None else out
        for p in range(0, n, 16):
            self._block(data, o, p)
        return bytes(o) if out is None else out

    def _block(self, data, out, p):
        w = self._w
        s = self._s
        t = self._t
        sb = _SBOX
        xt = _XT
        sh = _SHIFT
        for i in range(16):
            s[i] = data[p + i] ^ w[i]
        k = 16
        for rnd in range(1, 11):
            for i in range(16):  # SubBytes + ShiftRows
                t[i] = sb[s[sh[i]]]
            if rnd < 10:  # MixColumns + AddRoundKey
                for c in (0, 4, 8, 12):
                    a0 = t[c]
                    a1 = t[c + 1]
                    a2 = t[c + 2]
                    a3 = t[c + 3]
                    x = a0 ^ a1 ^ a2 ^ a3
                    s[c] = a0 ^ x ^ xt[a0 ^ a1] ^ w[k + c]
                    s[c + 1] = a1 ^ x ^ xt[a1 ^ a2] ^ w[k + c + 1]
                    s[c + 2] = a2 ^ x ^ xt[a2 ^ a3] ^ w[k + c + 2]
                    s[c + 3] = a3 ^ x ^ xt[a3 ^ a0] ^ w[k + c + 3]
            else:
                for i in range(16):
                    s[i] = t[i] ^ w[k + i]
            k += 16
        out[p:p + 16] = s


try:
    import cryptolib  # looked up once: an import statement searches the interned strings
except ImportError:  # CPython, or a port built without it
    cryptolib = None


def new(key, portable=False):
    """An AES-128 ECB encryptor for `key`: cryptolib's when present."""
    if portable or cryptolib is None or not hasattr(cryptolib, "aes"):
        return Aes128(key)
    return cryptolib.aes(bytes(key), 1)
