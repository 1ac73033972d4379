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
def sta_decrypt(w: ptr16, key: ptr8, p: ptr16, s: ptr8):
    # sta.decrypt_words on w = [a, b, c, d] in place; key: the 8-byte decoder
    # key (its bits pick the S-boxes, as sta.key_schedule writes them); p, s:
    # the StaTables
    i = 0
    while i < 256:  # 16 rounds (i >> 4) of 16 nibbles
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
            y = 0
            j = 0
            while j < 4:  # nibble q * 4 + j: key bit (4 * nibble + round) mod 64 picks S1 or S2
                bit = ((((q << 2) + j) << 2) + (i >> 4)) & 63
                k = ((key[7 - (bit >> 3)] >> (bit & 7)) & 1) << 4
                y |= s[k | ((x >> (j << 2)) & 15)] << (j << 2)
                j += 1
            w[3 - q] = y
            q += 1
        i += 16
