# Native-code (viper) versions of the two byte loops that dominate the DLMS
# server's CPU time: the HDLC CRC-16/X.25 register update (dlms.md 2.4) and
# GHASH (NIST SP 800-38D 6.4). They run on ports with a native emitter: the
# RP2040 (armv6m), the ESP32 (xtensawin) and the unix port. Anywhere else
# (CPython, the WebAssembly port, an .mpy built for another architecture) the
# import fails and hdlc_crc and gcm keep their portable loops, which compute
# the same values (host_tests/portable/test_dlms_native.py runs both).
#
# Only 8- and 16-bit values are stored, so the code is the same on 32- and
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
def ghash(y: ptr8, data: ptr8, start: int, end: int, m: ptr16, last4: ptr16):
    # gcm._ghash_py: y <- (y ^ X) * H for each 16-byte block X of
    # data[start:end] (the last one zero-padded); m, last4: gcm's tables
    off = start
    while off < end:
        k = 0
        while k < 16 and off + k < end:
            y[k] = y[k] ^ data[off + k]
            k += 1
        z0 = 0
        z1 = 0
        z2 = 0
        z3 = 0
        z4 = 0
        z5 = 0
        z6 = 0
        z7 = 0
        j = 0
        while j < 32:  # nibbles from the last byte back, low nibble first
            b = y[15 - (j >> 1)]
            if j & 1:
                n = b >> 4
            else:
                n = b & 15
            if j:
                r = z7 & 15
                z7 = (z7 >> 4) | ((z6 & 15) << 12)
                z6 = (z6 >> 4) | ((z5 & 15) << 12)
                z5 = (z5 >> 4) | ((z4 & 15) << 12)
                z4 = (z4 >> 4) | ((z3 & 15) << 12)
                z3 = (z3 >> 4) | ((z2 & 15) << 12)
                z2 = (z2 >> 4) | ((z1 & 15) << 12)
                z1 = (z1 >> 4) | ((z0 & 15) << 12)
                z0 = (z0 >> 4) ^ last4[r]
            k = n << 3
            z0 ^= m[k]
            z1 ^= m[k + 1]
            z2 ^= m[k + 2]
            z3 ^= m[k + 3]
            z4 ^= m[k + 4]
            z5 ^= m[k + 5]
            z6 ^= m[k + 6]
            z7 ^= m[k + 7]
            j += 1
        y[0] = z0 >> 8
        y[1] = z0
        y[2] = z1 >> 8
        y[3] = z1
        y[4] = z2 >> 8
        y[5] = z2
        y[6] = z3 >> 8
        y[7] = z3
        y[8] = z4 >> 8
        y[9] = z4
        y[10] = z5 >> 8
        y[11] = z5
        y[12] = z6 >> 8
        y[13] = z6
        y[14] = z7 >> 8
        y[15] = z7
        off += 16


@micropython.viper
def xor(dst: ptr8, d: int, a: ptr8, s: int, b: ptr8, t: int, n: int):
    # gcm.xor_py: dst[d + i] = a[s + i] ^ b[t + i] for i < n
    i = 0
    while i < n:
        dst[d + i] = a[s + i] ^ b[t + i]
        i += 1
