# Portable: AES key wrap (RFC 3394) on the project's AES, the AES-128 inverse
# cipher it needs (FIPS-197), and the class 64 key_transfer parameter.
from dlms import axdr, cosem, key_transfer, keywrap

# RFC 3394 4.1: wrap 128 bits of key data with a 128-bit KEK
KEK = bytes.fromhex("000102030405060708090A0B0C0D0E0F")
KEY = bytes.fromhex("00112233445566778899AABBCCDDEEFF")
WRAPPED = bytes.fromhex("1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5")


def test_rfc3394_vector_both_ways_portable_and_native():
    for portable in (True, False):  # False: cryptolib where the port has it
        assert keywrap.wrap(KEK, KEY, portable) == WRAPPED
        assert keywrap.unwrap(KEK, WRAPPED, portable) == KEY


def test_inverse_cipher_fips197():
    # FIPS-197 appendix C.1 (AES-128) and appendix B, backwards
    d = keywrap.InvAes128(bytes(range(16)))
    assert d.decrypt(bytes.fromhex("69c4e0d86a7b0430d8cdb78070b4c55a")) == KEY
    d = keywrap.InvAes128(bytes.fromhex("2b7e151628aed2a6abf7158809cf4f3c"))
    assert d.decrypt(bytes.fromhex("3925841d02dc09fbdc118597196a0b32")) == \
        bytes.fromhex("3243f6a8885a308d313198a2e0370734")


def test_unwrap_refuses_damage_and_the_wrong_kek():
    for i in range(len(WRAPPED)):
        bad = bytearray(WRAPPED)
        bad[i] ^= 0x01
        assert keywrap.unwrap(KEK, bytes(bad), True) is None
    assert keywrap.unwrap(bytes(16), WRAPPED) is None
    assert keywrap.unwrap(KEK, WRAPPED[:16]) is None and keywrap.unwrap(KEK, WRAPPED + b"x") is None


def test_round_trip_longer_keys():
    for n in (16, 24, 32):
        k = bytes((7 * i + n) & 255 for i in range(n))
        w = keywrap.wrap(KEK, k)
        assert len(w) == n + 8 and keywrap.unwrap(KEK, w) == k
        assert keywrap.unwrap(KEK, w, True) == k


def _param(*items):
    return (axdr.ARRAY, [(axdr.STRUCTURE, [(axdr.ENUM, i), (axdr.OCTET_STRING, w)])
                         for i, w in items])


def _code(param, kek=KEK):
    try:
        key_transfer.unwrap_keys(param, kek)
    except cosem.AccessError as e:
        return e.code
    return 0


def test_key_transfer_parameter():
    ek, ak = bytes(range(0x20, 0x30)), bytes(range(0x40, 0x50))
    both = _param((0, keywrap.wrap(KEK, ek)), (2, keywrap.wrap(KEK, ak)))
    assert key_transfer.unwrap_keys(both, KEK) == (ek, ak)
    assert key_transfer.unwrap_keys(_param((2, keywrap.wrap(KEK, ak))), KEK) == (None, ak)
    # malformed: type-unmatched
    for bad in ((axdr.OCTET_STRING, b""), _param(), _param((0, WRAPPED), (0, WRAPPED)),
                _param((0, WRAPPED[:16])), _param((0, WRAPPED), (2, WRAPPED), (2, WRAPPED)),
                (axdr.ARRAY, [(axdr.STRUCTURE, [(axdr.ENUM, 0)])]),
                (axdr.ARRAY, [(axdr.STRUCTURE, [(axdr.UNSIGNED, 0), (axdr.OCTET_STRING, WRAPPED)])])):
        assert _code(bad) == cosem.TYPE_UNMATCHED, bad
    # the broadcast key and the KEK are not taken; no KEK provisioned
    assert _code(_param((1, WRAPPED))) == cosem.READ_WRITE_DENIED
    assert _code(_param((3, WRAPPED))) == cosem.READ_WRITE_DENIED
    assert _code(_param((0, WRAPPED)), None) == cosem.READ_WRITE_DENIED
    # a key that fails the integrity check: nothing taken, also not the good one
    assert _code(_param((2, keywrap.wrap(KEK, ak)), (0, keywrap.wrap(bytes(16), ek)))) == \
        cosem.OTHER_REASON
