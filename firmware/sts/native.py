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
def sta_decrypt(w: ptr16, key: ptr8, t: ptr8):
    # sta.decrypt_words on w = [a, b, c, d] in place; key: the 8-byte decoder
    # key (its bits pick the S-boxes); t: StaTables.t (32 bytes of S-boxes,
    # then the output bit of each input bit of Pinv)
    r = 0
    while r < 16:
        na = 0
        nb = 0
        nc = 0
        nd = 0
        q = 0
        while q < 4:  # Pinv bit by bit: halfword d (bits 15..0) first, a (63..48) last
            x = w[3 - q]
            i = 32 + (q << 4)
            while x:
                if x & 1:
                    j = t[i]
                    m = 1 << (j & 15)
                    h = j >> 4
                    if h == 0:
                        nd |= m
                    elif h == 1:
                        nc |= m
                    elif h == 2:
                        nb |= m
                    else:
                        na |= m
                x >>= 1
                i += 1
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
                bit = ((((q << 2) + j) << 2) + r) & 63
                k = ((key[7 - (bit >> 3)] >> (bit & 7)) & 1) << 4
                y |= t[k | ((x >> (j << 2)) & 15)] << (j << 2)
                j += 1
            w[3 - q] = y
            q += 1
        r += 1
