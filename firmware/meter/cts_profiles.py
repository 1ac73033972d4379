# UUT profiles 1..4 of the CTS test mode (cts-mode.md CTS-6/CTS-7, part B.4).
#
# PLACEHOLDERS: the official initial states (STS531-9 Tables 1 and 2, STS 201
# item 7.43) are not public. These profiles are built from the public
# CTS-derived test data of sts.md section 10 so that tokens for each UUT can be
# made with tools/sts.py; replace this module when the official tables are
# available. The decoder keys were computed once with DKGA02/DKGA04 (sts.md 8)
# and agree with the dk-* vectors (host_tests/test_cts_profiles.py recomputes
# them); the key depends on the MeterPAN, so each profile holds the key for
# both reserved DRNs (CTS-2) and the meter keeps its own DRN.
#
# Common to all: KT 2 (DUTK), KEN 255, empty TID memory, all credit registers
# 0, no maximum power limit, tamper clear, load switch connected.
#
# UUT 1  EA07 STA, DKGA02, VK abababababababab, SGC 123456, TI 01, KRN 1, BD 1993
#        (STS 531-1-0-02 style suite; dk-001 / dk-002)
# UUT 2  EA11 MISTY1, DKGA04, VK abab..ab9494..9401234567, SGC 123457, TI 01,
#        KRN 1, BD 1993 (STS 531-1-0-04 style suite; dk-004 / dk-005)
# UUT 3  EA07 STA, DKGA04, same VK/SGC/TI/KRN as UUT 2, BD 1993
#        (dk-008 for ...009; the ...082 key is derived only, no public vector)
# UUT 4  EA11 MISTY1, DKGA04, KRN 4, BD 2014: a meter after the TID rollover
#        (dk-006 for ...009; the ...082 key is derived only)
DRN_11 = "00000000000"  # MeterPAN 600727000000000009
DRN_13 = "0100000000008"  # MeterPAN 000001000000000082

PROFILES = {
    1: {"ea": 7, "dkga": 2, "kt": 2, "krn": 1, "ti": 1, "sgc": 123456, "ken": 255,
        "base_date": 1993,
        "keys": {DRN_11: "e653341f9d5bf36f", DRN_13: "e94023262e9993c2"}},
    2: {"ea": 11, "dkga": 4, "kt": 2, "krn": 1, "ti": 1, "sgc": 123457, "ken": 255,
        "base_date": 1993,
        "keys": {DRN_11: "f94b6ed353c3bfdb113e2d3a7ea3c41d",
                 DRN_13: "290e2626f5a0d106aad1aab6411589df"}},
    3: {"ea": 7, "dkga": 4, "kt": 2, "krn": 1, "ti": 1, "sgc": 123457, "ken": 255,
        "base_date": 1993,
        "keys": {DRN_11: "aa4baa8749c10d27", DRN_13: "59dccd9a764663aa"}},
    4: {"ea": 11, "dkga": 4, "kt": 2, "krn": 4, "ti": 1, "sgc": 123457, "ken": 255,
        "base_date": 2014,
        "keys": {DRN_11: "daa892189d08e738dfded73924c87f32",
                 DRN_13: "e96576b2a8ec067d08f200961eaa11a7"}},
}

# vending keys (tools and tests only; the meter holds decoder keys)
VENDING_KEYS = {2: "abababababababab", 4: "abababababababab949494949494949401234567"}
PANS = {DRN_11: "600727000000000009", DRN_13: "000001000000000082"}
