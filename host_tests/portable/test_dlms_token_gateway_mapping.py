# Portable: the token gateway's translation of STS results into token_status
# (docs/dlms.md, dlms.md 7.4) and of the enter octet-string into 20 digits.
from sts import result
from dlms import obj_meter as om

ALL = ("ascii", "bcd", "binary")


def test_every_sts_result_has_the_documented_status():
    want = {
        result.ACCEPT: om.EXECUTED, result.KCT1_ACCEPTED: om.EXECUTED,
        result.KCT2_ACCEPTED: om.EXECUTED, result.FORMAT: om.FORMAT_FAILURE,
        result.CRC: om.AUTHENTICATION_FAILURE, result.OVERFLOW: om.EXECUTION_FAILURE,
        result.LOCKOUT: om.EXECUTION_FAILURE, result.NOT_READY: om.NOT_PROCESSED,
    }
    for code in (result.OLD, result.USED, result.KEY_EXPIRED, result.KEY_TYPE, result.DDTK,
                 result.RANGE, result.FUNCTION, result.MFR_CODE):
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
