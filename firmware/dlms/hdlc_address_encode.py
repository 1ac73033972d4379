# HDLC address encoders (dlms.md 2.2), the client side of dlms.hdlc_address:
# hdlc_address.client and .server load this module on first use.
from dlms.hdlc_address import NO_LOWER


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
