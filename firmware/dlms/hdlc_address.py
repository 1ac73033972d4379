# HDLC addresses, dlms.md 2.2 (IEC 62056-46 frame format type 3).
#
# Each address byte carries 7 address bits in bits 7..1; bit 0 is 1 on the
# last byte. The client address is 1 byte (SAP << 1 | 1). A server address is
# 1 byte (upper HDLC address = logical device), 2 bytes (upper, lower =
# physical device, 7 bits each) or 4 bytes (upper and lower, 14 bits each).
from compat import const

NO_LOWER = const(-1)  # a 1-byte server address carries no lower address
_ALL_STATION_1 = const(0x7F)
_ALL_STATION_2 = const(0x3FFF)


def __getattr__(name):
    # The encoders (client, server) build the addresses a client sends: the
    # tests and PC tools use them, the meter only reads addresses, so they
    # live in dlms.hdlc_address_encode, loaded on use (heap).
    from dlms import hdlc_address_encode
    return getattr(hdlc_address_encode, name)


def length(buf, pos, end):
    """Length of the address starting at buf[pos]: 1, 2 or 4; 0 when it is
    malformed (3 or more than 4 bytes) or runs past `end`."""
    n = 0
    while pos + n < end and n < 4:
        if buf[pos + n] & 1:
            n += 1
            return n if n != 3 else 0
        n += 1
    return 0


def decode(buf, pos, n):
    """(upper, lower) of the n-byte address at buf[pos]; lower is NO_LOWER
    for a 1-byte address."""
    if n == 1:
        return buf[pos] >> 1, NO_LOWER
    if n == 2:
        return buf[pos] >> 1, buf[pos + 1] >> 1
    return ((buf[pos] >> 1) << 7 | (buf[pos + 1] >> 1),
            (buf[pos + 2] >> 1) << 7 | (buf[pos + 3] >> 1))

