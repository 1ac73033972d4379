# STA (EA07) substitution and permutation tables, as DATA (sts.md 6.3).
#
# A table set is a tuple (S1, S2, P):
#   S1, S2  encrypt S-boxes, index = input nibble (S1 when the key selector
#           bit is 0, S2 when it is 1, sts.md 6.1);
#   P       encrypt permutation: input bit i goes to output bit P[i]
#           (bit 0 = least significant, the LSB convention of sts.md 6.3/6.4).
# The decrypt tables (inverses) are derived by sts.sta.StaTables.
#
# REAL: the tables found verbatim in three unrelated public repositories
# (NectarAPI tokens-service, Kelin sdweb_sts_f, Zg743 Automation_test_IEC);
# every EA07 token vector reproduces with them. They are NOT an official
# STS Association release: a licensee replaces this module (or passes its own
# tuple to StaTables) with the tables obtained from the STSA.
# SAMPLE: the sample tables printed in IEC 62055-41 "for test purposes"
# (vector sta-001).

REAL = (
    (14, 10, 7, 9, 12, 3, 2, 5, 13, 0, 15, 1, 4, 8, 6, 11),
    (12, 8, 2, 13, 7, 6, 1, 3, 11, 5, 9, 15, 0, 4, 10, 14),
    (55, 42, 10, 18, 24, 21, 44, 35, 2, 22, 56, 43, 27, 58, 9, 50,
     6, 36, 12, 61, 37, 38, 53, 16, 62, 3, 7, 4, 32, 20, 63, 25,
     51, 52, 54, 33, 49, 19, 46, 29, 48, 31, 23, 30, 41, 28, 13, 5,
     40, 60, 39, 11, 15, 17, 1, 0, 57, 34, 59, 8, 47, 14, 45, 26),
)

SAMPLE = (
    (12, 10, 8, 4, 3, 15, 0, 2, 14, 1, 5, 13, 6, 9, 7, 11),
    (6, 9, 7, 4, 3, 10, 12, 14, 2, 13, 1, 15, 0, 11, 8, 5),
    (29, 27, 34, 9, 16, 62, 55, 2, 40, 49, 38, 25, 33, 61, 30, 23,
     1, 41, 21, 57, 42, 15, 5, 58, 19, 53, 22, 17, 48, 28, 24, 39,
     3, 60, 36, 14, 11, 52, 54, 12, 31, 51, 10, 26, 0, 45, 37, 43,
     44, 6, 59, 4, 7, 35, 56, 50, 13, 18, 32, 47, 46, 63, 20, 8),
)
