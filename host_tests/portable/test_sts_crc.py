# Portable: the STS CRC (sts.md section 5) against the CRC vectors and every token.
from sts import crc, crc_message
import vectors


def _hex(s):
    return bytes(int(s[i:i + 2], 16) for i in range(0, len(s), 2))


def test_crc_vectors():
    n = 0
    for row in vectors.rows("crc"):
        reg = crc_message.crc16(_hex(row["input_hex"]))
        field = ((reg & 0xFF) << 8) | (reg >> 8)
        assert field == int(row["output_hex"], 16), row["id"]
        n += 1
    assert n == 4


def test_modbus_check_value():
    assert crc_message.crc16(b"123456789") == 0x4B37


def test_every_token_plain_block_has_a_valid_crc():
    n = 0
    for row in vectors.rows("token"):
        cls = int(row["token_class"])
        block = int(row["plain_block_hex"], 16)
        assert crc_message.check(cls, block), row["id"]
        n += 1
    assert n >= 100


def test_crc_covers_the_class_bits():
    block = 0x0B19EB230100C207  # IEC worked example, class 0
    assert crc_message.check(0, block)
    assert not crc_message.check(2, block)


def test_any_flipped_bit_fails_the_crc():
    block = 0x0B19EB230100C207
    for bit in range(64):
        assert not crc_message.check(0, block ^ (1 << bit)), bit


def test_currency_subclasses_use_crc_c():
    plain = 0x4000000000000000  # class 0 sub 4, all fields zero
    sealed = crc_message.seal(0, plain)
    assert crc_message.check(0, sealed)
    reg = crc_message.crc16(crc_message.message(0, plain))
    assert sealed & 0xFFFF != ((reg & 0xFF) << 8) | (reg >> 8)
    reg_c = crc_message.crc16(b"\x01", reg)
    assert sealed & 0xFFFF == ((reg_c & 0xFF) << 8) | (reg_c >> 8)


def test_seal_reproduces_vector_crcs():
    for row in vectors.rows("token"):
        cls = int(row["token_class"])
        block = int(row["plain_block_hex"], 16)
        assert crc_message.seal(cls, block & ~0xFFFF) == block, row["id"]


def test_halfword_path_matches_the_byte_path():
    # the meter's crc.field_words against crc_message.field, incl. CRC_C sub-classes
    blocks = [int(r["plain_block_hex"], 16) for r in vectors.rows("token")]
    blocks += [(sub << 60) | 0x0123456789AB0000 for sub in range(16)]
    for block in blocks:
        for cls in (0, 1, 2):
            w = crc.field_words(cls, block >> 48, (block >> 32) & 0xFFFF, (block >> 16) & 0xFFFF)
            assert w == crc_message.field(cls, block), (cls, hex(block))
