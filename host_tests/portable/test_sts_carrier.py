# Portable: the 20-digit token carrier (sts.md section 2) against every token vector.
from sts import carrier
from sts.errors import FormatError
import vectors


def test_every_vector_token_splits_to_its_encrypted_block():
    n = 0
    for row in vectors.rows("token"):
        cls, block = carrier.parse(row["token"])
        assert cls == int(row["token_class"]), row["id"]
        assert block == int(row["encrypted_block_hex"], 16), row["id"]
        n += 1
    assert n >= 100


def test_every_vector_token_joins_back_to_its_digits():
    for row in vectors.rows("token"):
        block = int(row["encrypted_block_hex"], 16)
        assert carrier.format_token(int(row["token_class"]), block) == row["token"], row["id"]


def test_class1_block_is_the_plain_block():
    # sts.md 2 step 4: class 1 is not encrypted.
    for row in vectors.rows("token"):
        if row["token_class"] == "1":
            assert row["encrypted_block_hex"] == row["plain_block_hex"], row["id"]


def test_separators_are_ignored():
    assert carrier.clean("2905-4347-1393-0985-1356") == "29054347139309851356"
    assert carrier.clean(" 2905 4347 1393 0985 1356 ") == "29054347139309851356"


def _format_error(text):
    try:
        carrier.parse(text)
    except FormatError:
        return True
    return False


def test_bad_input_is_a_format_error():
    assert _format_error("2905434713930985135")  # 19 digits
    assert _format_error("290543471393098513560")  # 21 digits
    assert _format_error("2905434713930985135x")
    assert _format_error("")
    assert _format_error(None)
    assert _format_error("73786976294838206464")  # exactly 2^66
    assert _format_error("99999999999999999999")
    assert not _format_error("73786976294838206463")  # 2^66 - 1 is a carrier


def test_largest_carrier_round_trips():
    t = (1 << 66) - 1
    cls, block = carrier.split(t)
    assert cls == 3
    assert carrier.join(cls, block) == t


def test_transposition_moves_only_bits_27_and_28():
    # Class 2 over an all-zero block: only class bits set, nothing at 64/65.
    assert carrier.join(2, 0) == 1 << 28
    assert carrier.join(1, 0) == 1 << 27
    # Block bits 28/27 travel at 65/64.
    assert carrier.join(0, 1 << 28) == 1 << 65
    assert carrier.join(0, 1 << 27) == 1 << 64


def test_grouping_for_display():
    assert carrier.group("29054347139309851356") == "2905 4347 1393 0985 1356"
