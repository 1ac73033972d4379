# The STS token CRC over the 7-byte message (sts.md 5, IEC 62055-41 6.3.7),
# byte by byte: vending (sts.vend seals blocks), tools and tests, and the
# reference sts.crc.field_words (the meter's path, on halfwords) is checked
# against. The meter never loads this module.
from sts.crc import NIBBLES


def crc16(data, reg=0xFFFF):
    """CRC-16/MODBUS register over the bytes of `data` ("123456789" -> 0x4B37)."""
    t = NIBBLES
    for b in data:
        reg ^= b
        reg = (reg >> 4) ^ t[reg & 15]
        reg = (reg >> 4) ^ t[reg & 15]
    return reg


def message(cls, block):
    """The 7-byte CRC message for a token class and 64-bit plain block."""
    hi = block >> 32  # bits 63..32
    lo = (block >> 16) & 0xFFFF  # bits 31..16
    return bytes((
        cls & 3,
        (hi >> 24) & 0xFF, (hi >> 16) & 0xFF, (hi >> 8) & 0xFF, hi & 0xFF,
        lo >> 8, lo & 0xFF,
    ))


def is_currency(cls, subclass):
    """CRC_C applies to class 0 sub-classes 4..7 (sts.md 3.1, 5)."""
    return cls == 0 and 4 <= subclass <= 7


def field(cls, block):
    """The 16-bit CRC field (byte-swapped register) that belongs in bits 15..0."""
    reg = crc16(message(cls, block))
    if is_currency(cls, block >> 60):
        reg = crc16(b"\x01", reg)
    return ((reg & 0xFF) << 8) | (reg >> 8)


def check(cls, block):
    """True when the CRC field of a plain block matches its content."""
    return field(cls, block) == block & 0xFFFF


def seal(cls, block):
    """Return `block` with its CRC field filled in (vending side, tests)."""
    block &= ~0xFFFF
    return block | field(cls, block)
