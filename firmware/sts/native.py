# Native-code (viper) version of the STA (EA07) decrypt rounds, sts.md 6.2:
# the loop that dominates a token's CPU time. It loads on ports with a native
# emitter (the RP2040, the ESP32, the unix port); elsewhere the import fails
# and sts.sta keeps its portable loop, which computes the same block
# (host_tests/portable/test_sts_cipher.py runs both). Only 16-bit values are
# stored, so the code is the same on 32- and 64-bit native words.
import micropython

# Whether sta_decrypt gave the portable loop's block (sts.sta checks once;
# kept here, not in sts.sta, so that loading sts.sta again does not check again).
verified = None


@micropython.viper
def sta_decrypt(w: ptr16, ks: ptr8, p: ptr16, s: ptr8):
    # sta.decrypt_words on w = [a, b, c, d] in place; ks, p, s: its tables
    i = 0
    while i < 256:  # 16 rounds of 16 nibbles
        na = 0
        nb = 0
        nc = 0
        nd = 0
        q = 0
        while q < 4:  # Pinv: halfword d (nibbles 0..3) first, a (12..15) last
            x = w[3 - q]
            j = 0
            while j < 4:
                o = ((q << 8) | (j << 6)) + (((x >> (j << 2)) & 15) << 2)
                na |= p[o]
                nb |= p[o + 1]
                nc |= p[o + 2]
                nd |= p[o + 3]
                j += 1
            q += 1
        q = 0
        while q < 4:  # the S-box the key selects per nibble
            if q == 0:
                x = nd
            elif q == 1:
                x = nc
            elif q == 2:
                x = nb
            else:
                x = na
            k = i + (q << 2)
            w[3 - q] = (s[ks[k] | (x & 15)] | (s[ks[k + 1] | ((x >> 4) & 15)] << 4)
                        | (s[ks[k + 2] | ((x >> 8) & 15)] << 8) | (s[ks[k + 3] | ((x >> 12) & 15)] << 12))
            q += 1
        i += 16
