# STS token CRC, sts.md section 5 (IEC 62055-41 6.3.7).
#
# CRC-16/MODBUS: polynomial 0x8005 reflected (0xA001), init 0xFFFF, no final
# XOR, over the 7 big-endian bytes of (class << 48 | block >> 16). The register
# is stored byte-swapped in bits 15..0 of the block. CRC_C (class 0 currency
# sub-classes 4..7) appends the byte 0x01 to the message.
#
# Nibble-table implementation: 16 small ints, two lookups per byte, no
# allocation per byte and no big integers on 32-bit ports. This module is
# the meter's path (field_words on halfwords); the same CRC over the message
# bytes, for vending, tools and tests, is sts.crc_message.

from compat import const

_INIT = const(0xFFFF)
# NIBBLES[n] = CRC register contribution of the low nibble value n (reflected 0xA001).
NIBBLES = (
    0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401,
    0xA001, 0x6C00, 0x7800, 0xB401, 0x5000, 0x9C01, 0x8801, 0x4400,
)


def _step(reg, x):
    t = NIBBLES
    reg ^= x
    reg = (reg >> 4) ^ t[reg & 15]
    return (reg >> 4) ^ t[reg & 15]


def field_words(cls, a, b, c):
    """CRC field for a plain block given as halfwords a (63..48), b, c (31..16).

    The meter's path: no message bytes object, no big integers, no allocation.
    """
    reg = _step(_INIT, cls & 3)
    reg = _step(reg, a >> 8)
    reg = _step(reg, a & 0xFF)
    reg = _step(reg, b >> 8)
    reg = _step(reg, b & 0xFF)
    reg = _step(reg, c >> 8)
    reg = _step(reg, c & 0xFF)
    if cls == 0 and 4 <= (a >> 12) <= 7:  # CRC_C
        reg = _step(reg, 1)
    return ((reg & 0xFF) << 8) | (reg >> 8)
