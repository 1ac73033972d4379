# Native-code (viper) versions of the byte loops that dominate the DLMS
# server's CPU time: the HDLC CRC-16/X.25 register update (dlms.md 2.4),
# GHASH (NIST SP 800-38D 6.4) with its per-key table, and GCM's tag comparison. They run on ports
# with a native emitter: the RP2040 (armv6m), the ESP32 (xtensawin) and the
# unix port. Anywhere else (CPython, the WebAssembly port, an .mpy built for
# another architecture) the import fails and hdlc_crc and gcm keep their
# portable loops, which compute the same values
# (host_tests/portable/test_dlms_native.py runs both).
#
# Values are kept below 2**32 (uint), so the code is the same on 32- and
# 64-bit native words. Tables come from the portable modules.
import micropython


@micropython.viper
def crc16_update(reg: int, data: ptr8, start: int, end: int, table: ptr16) -> int:
    # hdlc_crc.update(reg, data, start, end) with its 256-entry table
    i = start
    while i < end:
        reg = (reg >> 8) ^ table[(reg ^ data[i]) & 0xFF]
        i += 1
    return reg


@micropython.viper
def ghash(y: ptr8, data: ptr8, start: int, end: int, m: ptr32, last4: ptr16):
    # gcm._ghash_py: y <- (y ^ X) * H for each 16-byte block X of
    # data[start:end] (the last one zero-padded); m: gcm's table as 32-bit
    # words (gcm._ghash_table), last4: gcm's reduction table. Z is four
    # uint words below 2**32 on 32- and 64-bit ports alike.
    off = start
    while off < end:
        k = 0
        while k < 16 and off + k < end:
            y[k] = y[k] ^ data[off + k]
            k += 1
        z0 = uint(0)
        z1 = uint(0)
        z2 = uint(0)
        z3 = uint(0)
        j = 0
        b = 0
        while j < 32:  # nibbles from the last byte back, low nibble first
            if j & 1:
                b >>= 4
            else:
                b = y[15 - (j >> 1)]
            if j:  # Z * x^4: a nibble shifted out, reduced
                r = z3 & 15
                z3 = (z3 >> 4) | ((z2 & 15) << 28)
                z2 = (z2 >> 4) | ((z1 & 15) << 28)
                z1 = (z1 >> 4) | ((z0 & 15) << 28)
                z0 = (z0 >> 4) ^ (uint(last4[r]) << 16)
            k = (b & 15) << 2
            z0 ^= uint(m[k])
            z1 ^= uint(m[k + 1])
            z2 ^= uint(m[k + 2])
            z3 ^= uint(m[k + 3])
            j += 1
        y[0] = z0 >> 24
        y[1] = z0 >> 16
        y[2] = z0 >> 8
        y[3] = z0
        y[4] = z1 >> 24
        y[5] = z1 >> 16
        y[6] = z1 >> 8
        y[7] = z1
        y[8] = z2 >> 24
        y[9] = z2 >> 16
        y[10] = z2 >> 8
        y[11] = z2
        y[12] = z3 >> 24
        y[13] = z3 >> 16
        y[14] = z3 >> 8
        y[15] = z3
        off += 16


@micropython.viper
def table(m: ptr32, h: ptr8):
    # gcm._ghash_table in ghash's layout: m[4n + k] = word k (the most
    # significant first) of n * H, for the 16 nibbles n in GCM's reflected
    # bit order (m[8] = H, m[4] = H * x, ...; sums by XOR); once per key
    v0 = uint((h[0] << 24) | (h[1] << 16) | (h[2] << 8) | h[3])
    v1 = uint((h[4] << 24) | (h[5] << 16) | (h[6] << 8) | h[7])
    v2 = uint((h[8] << 24) | (h[9] << 16) | (h[10] << 8) | h[11])
    v3 = uint((h[12] << 24) | (h[13] << 16) | (h[14] << 8) | h[15])
    i = 8
    while i:
        m[4 * i] = v0
        m[4 * i + 1] = v1
        m[4 * i + 2] = v2
        m[4 * i + 3] = v3
        c = v3 & 1  # times x: shift right, reduce by x^128 + x^7 + x^2 + x + 1
        v3 = (v3 >> 1) | ((v2 & 1) << 31)
        v2 = (v2 >> 1) | ((v1 & 1) << 31)
        v1 = (v1 >> 1) | ((v0 & 1) << 31)
        v0 = v0 >> 1
        if c:
            v0 ^= uint(0xE1) << 24
        i >>= 1
    m[0] = 0
    m[1] = 0
    m[2] = 0
    m[3] = 0
    i = 2
    while i <= 8:
        j = 1
        while j < i:
            k = 0
            while k < 4:
                m[4 * (i + j) + k] = m[4 * i + k] ^ m[4 * j + k]
                k += 1
            j += 1
        i *= 2


@micropython.viper
def xor(dst: ptr8, d: int, a: ptr8, s: int, b: ptr8, t: int, n: int):
    # gcm.xor_py: dst[d + i] = a[s + i] ^ b[t + i] for i < n
    i = 0
    while i < n:
        dst[d + i] = a[s + i] ^ b[t + i]
        i += 1


@micropython.viper
def diff(a: ptr8, b: ptr8, n: int) -> int:
    # gcm.equal's loop: the OR of a[i] ^ b[i] for i < n, every byte read
    d = 0
    i = 0
    while i < n:
        d |= a[i] ^ b[i]
        i += 1
    return d
