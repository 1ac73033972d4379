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


def client(sap):
    """1-byte client address for a SAP 0..127 (16 -> 0x21)."""
    return bytes(((sap & 0x7F) << 1 | 1,))


def server(upper, lower=NO_LOWER, size=0):
    """Server address bytes. size 0 picks the shortest form that fits:
    1 byte when there is no lower address, else 2 bytes when both fit in
    7 bits, else 4. Raises ValueError when the values do not fit `size`."""
    if size == 0:
        if lower < 0:
            size = 1 if upper < 0x80 else 4
        else:
            size = 2 if upper < 0x80 and lower < 0x80 else 4
    if lower < 0:
        lower = 0
    if size == 1:
        if upper > 0x7F:
            raise ValueError("upper address > 0x7F")
        return bytes(((upper << 1) | 1,))
    if size == 2:
        if upper > 0x7F or lower > 0x7F:
            raise ValueError("address > 0x7F")
        return bytes(((upper << 1) & 0xFE, (lower << 1) | 1))
    if size == 4:
        if upper > 0x3FFF or lower > 0x3FFF:
            raise ValueError("address > 0x3FFF")
        return bytes(((upper >> 6) & 0xFE, (upper << 1) & 0xFE,
                      (lower >> 6) & 0xFE, ((lower << 1) & 0xFE) | 1))
    raise ValueError("address size must be 1, 2 or 4")


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

