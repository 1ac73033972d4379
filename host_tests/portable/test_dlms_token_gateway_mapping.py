# Portable: the token gateway's translation of STS results into token_status
# (docs/dlms.md, dlms.md 7.4) and of the enter octet-string into 20 digits.
import vocab
from binding import prepayment as om

ALL = ("ascii", "bcd", "binary")


def test_every_sts_result_has_the_documented_status():
    want = {
        vocab.ACCEPT: om.EXECUTED, vocab.KCT1_ACCEPTED: om.EXECUTED,
        vocab.KCT2_ACCEPTED: om.EXECUTED, vocab.FORMAT: om.FORMAT_FAILURE,
        vocab.CRC: om.AUTHENTICATION_FAILURE, vocab.OVERFLOW: om.EXECUTION_FAILURE,
        vocab.LOCKOUT: om.EXECUTION_FAILURE, vocab.NOT_READY: om.NOT_PROCESSED,
    }
    for code in (vocab.OLD, vocab.USED, vocab.KEY_EXPIRED, vocab.KEY_TYPE, vocab.DDTK,
                 vocab.RANGE, vocab.FUNCTION, vocab.MFR_CODE):
        want[code] = om.VALIDATION_FAILURE
    assert len(want) == 16  # every code of sts.md 9.5 but the reserved 0
    for code, status in want.items():
        assert om.token_status_code(code) == status, code


def test_three_token_encodings_give_the_same_digits():
    digits = "48643202781314010686"  # dlms.md 7.4 wire example
    assert om.token_digits(digits.encode(), ALL) == digits
    assert om.token_digits(bytes.fromhex("48643202781314010686"), ALL) == digits
    assert om.token_digits(int(digits).to_bytes(9, "big"), ALL) == digits


def test_bad_octet_strings_are_refused():
    assert om.token_digits(b"4864320278131401068A", ALL) is None  # not a digit
    assert om.token_digits(bytes.fromhex("4864320278131401068F"), ALL) is None  # nibble > 9
    assert om.token_digits((1 << 66).to_bytes(9, "big"), ALL) is None  # >= 2^66
    assert om.token_digits(b"123", ALL) is None
    assert om.token_digits(b"48643202781314010686", ("bcd",)) is None  # ASCII not configured
