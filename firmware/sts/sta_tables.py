# STA (EA07) substitution and permutation tables, as DATA (sts.md 6.3).
#
# A table set is a tuple (S1, S2, P) of bytes (tuples of ints would keep a
# 4-byte int per entry in the module's constants while it is loaded):
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
# The values are those of the published tables, written in hex.

REAL = (
    b"\x0e\x0a\x07\x09\x0c\x03\x02\x05\x0d\x00\x0f\x01\x04\x08\x06\x0b",
    b"\x0c\x08\x02\x0d\x07\x06\x01\x03\x0b\x05\x09\x0f\x00\x04\x0a\x0e",
    (
        b"\x37\x2a\x0a\x12\x18\x15\x2c\x23\x02\x16\x38\x2b\x1b\x3a\x09\x32"
        b"\x06\x24\x0c\x3d\x25\x26\x35\x10\x3e\x03\x07\x04\x20\x14\x3f\x19"
        b"\x33\x34\x36\x21\x31\x13\x2e\x1d\x30\x1f\x17\x1e\x29\x1c\x0d\x05"
        b"\x28\x3c\x27\x0b\x0f\x11\x01\x00\x39\x22\x3b\x08\x2f\x0e\x2d\x1a"
    ),
)

SAMPLE = (
    b"\x0c\x0a\x08\x04\x03\x0f\x00\x02\x0e\x01\x05\x0d\x06\x09\x07\x0b",
    b"\x06\x09\x07\x04\x03\x0a\x0c\x0e\x02\x0d\x01\x0f\x00\x0b\x08\x05",
    (
        b"\x1d\x1b\x22\x09\x10\x3e\x37\x02\x28\x31\x26\x19\x21\x3d\x1e\x17"
        b"\x01\x29\x15\x39\x2a\x0f\x05\x3a\x13\x35\x16\x11\x30\x1c\x18\x27"
        b"\x03\x3c\x24\x0e\x0b\x34\x36\x0c\x1f\x33\x0a\x1a\x00\x2d\x25\x2b"
        b"\x2c\x06\x3b\x04\x07\x23\x38\x32\x0d\x12\x20\x2f\x2e\x3f\x14\x08"
    ),
)
