# Portable: AES-128 (FIPS-197), AES-GCM (McGrew-Viega / NIST GCM test cases
# 1-4, the AES-128 ones with 96-bit IVs) and the suite-0 values of the
# captured HLS-GMAC session (dlms.md appendix B).
from dlms import aes, gcm, security
from dlmsdata import unhex, apdu

EK = bytes(range(16))
AK = bytes(range(0xD0, 0xE0))
TITLE = b"ABCDEFGH"

FIPS197 = (  # key, plaintext, ciphertext: FIPS-197 appendix C.1 and appendix B
    ("000102030405060708090a0b0c0d0e0f", "00112233445566778899aabbccddeeff",
     "69c4e0d86a7b0430d8cdb78070b4c55a"),
    ("2b7e151628aed2a6abf7158809cf4f3c", "3243f6a8885a308d313198a2e0370734",
     "3925841d02dc09fbdc118597196a0b32"),
)

_K3 = "feffe9928665731c6d6a8f9467308308"
_P3 = ("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
       "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255")
_C3 = ("42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
       "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985")
GCM_CASES = (  # key, iv, plaintext, aad, ciphertext, 16-byte tag
    ("00" * 16, "00" * 12, "", "", "", "58e2fccefa7e3061367f1d57a4e7455a"),
    ("00" * 16, "00" * 12, "00" * 16, "", "0388dace60b6a392f328c2b971b2fe78",
     "ab6e47d42cec13bdf53a67b21257bddf"),
    (_K3, "cafebabefacedbaddecaf888", _P3, "", _C3, "4d5c2af327cd64a62cf35abd2ba6fab4"),
    (_K3, "cafebabefacedbaddecaf888", _P3[:120], "feedfacedeadbeeffeedfacedeadbeefabaddad2",
     _C3[:120], "5bc94fbc3221a5db94fae95ae7121a47"),
)


def test_aes_fips197_portable_and_native():
    for k, p, c in FIPS197:
        for portable in (True, False):
            e = aes.new(unhex(k), portable)
            out = bytearray(16)
            e.encrypt(unhex(p), out)
            assert bytes(out) == unhex(c), (k, portable)
    assert aes.Aes128(unhex(FIPS197[0][0])).encrypt(unhex(FIPS197[0][1])) == unhex(FIPS197[0][2])


def test_aes_key_schedule_last_round_key():
    # FIPS-197 appendix A.1: w[40..43] for key 2b7e1516...
    w = aes.expand_key(unhex("2b7e151628aed2a6abf7158809cf4f3c"))
    assert bytes(w[160:176]) == unhex("d014f9a8c9ee2589e13f0cc8b6630ca6")


def test_gcm_test_cases():
    # portable or cryptolib AES x portable or native GHASH/XOR loops
    for portable in (True, False):
        for loops in (True, False):
            for k, iv, p, a, c, t in GCM_CASES:
                key = unhex(k)
                g = gcm.Gcm(key, aes.new(key, portable), loops)
                for _ in range(2):  # the second time with the kept AAD state
                    ct, tag = g.encrypt(unhex(iv), unhex(p), unhex(a), 16)
                    assert ct == unhex(c) and tag == unhex(t), (k, iv, portable, loops)
                    assert g.decrypt(unhex(iv), ct, unhex(a), tag[:12]) == unhex(p)


def test_gcm_kept_aad_state_follows_the_aad():
    # the GHASH state after a short AAD is reused only for that same AAD
    key = unhex(_K3)
    iv = unhex("cafebabefacedbaddecaf888")
    fresh = lambda: gcm.Gcm(key)  # noqa: E731
    g = fresh()
    for aad in (b"\x30" + AK, b"\x30" + AK, b"\x10" + AK, b"", bytes(40), b"\x30" + AK,
                memoryview(b"\x30" + AK), bytearray(b"\x31" + AK)):
        for pt in (b"", b"\xc0\x01\xc1", bytes(50)):
            assert g.encrypt(iv, pt, aad) == fresh().encrypt(iv, pt, aad)
            assert g.gmac(iv, bytes(aad) + pt) == fresh().gmac(iv, bytes(aad) + pt)


def test_gcm_rejects_tampering():
    key = unhex(_K3)
    g = gcm.Gcm(key)
    iv = unhex("cafebabefacedbaddecaf888")
    ct, tag = g.encrypt(iv, b"token 12345678901234567890", b"aad", 12)
    for bad in (bytes((ct[0] ^ 1,)) + ct[1:], ct[:-1]):
        try:
            g.decrypt(iv, bad, b"aad", tag)
            assert False
        except gcm.AuthenticationError:
            pass
    for aad, t in ((b"aaD", tag), (b"aad", tag[:11] + bytes((tag[11] ^ 0x80,)))):
        try:
            g.decrypt(iv, ct, aad, t)
            assert False
        except gcm.AuthenticationError:
            pass


def test_captured_initiate_request_and_response_decipher():
    g = gcm.Gcm(EK)
    aarq = apdu("aarq_hls")
    ui = aarq[-33:]
    p = security.parse(ui)
    assert (p.form, p.sc, p.ic) == (security.FORM_GLO, 0x30, 0xC8)
    assert security.decipher(p, g, AK, TITLE) == apdu("initiate_request_hls")
    ui = apdu("aare_hls")[-33:]
    p = security.parse(ui)
    assert (p.plain_tag, p.ic) == (0x08, 0x0B)
    assert security.decipher(p, g, AK, TITLE) == apdu("initiate_response_hls")
    # and enciphering the plaintext reproduces the captured bytes
    assert security.wrap(apdu("initiate_response_hls"), security.FORM_GLO, 0x30, 0x0B, g, AK, TITLE) == ui


def test_captured_hls_gmac_values():
    g = gcm.Gcm(EK)
    stoc = apdu("aare_hls")[-53:-37]
    assert stoc == unhex("91C8E472391C8E47A3D1E874BADD6E37")
    ctos = apdu("aarq_hls")[-53:-37]
    assert ctos == unhex("8659ACC0C164E17D8468067C9B947D7E")
    f_stoc = apdu("hls_action")[-17:]
    assert security.hls_f(g, AK, TITLE, 0xC9, stoc) == f_stoc
    assert security.hls_check(g, AK, TITLE, f_stoc, stoc)
    assert not security.hls_check(g, AK, TITLE, f_stoc, ctos)
    assert not security.hls_check(g, AK, b"ABCDEFGX", f_stoc, stoc)
    f_ctos = apdu("hls_action_response")[-17:]
    assert security.hls_f(g, AK, TITLE, 0x0D, ctos) == f_ctos


def test_wrap_parse_decipher_all_forms_and_policies():
    g = gcm.Gcm(EK)
    plain = apdu("get_ldn")
    for form in (security.FORM_GLO, security.FORM_DED, security.FORM_GENERAL_GLO,
                 security.FORM_GENERAL_DED):
        for sc in (0x30, 0x10, 0x20):
            w = security.wrap(plain, form, sc, 1234, g, AK, TITLE)
            p = security.parse(w)
            assert p.form == form and p.sc == sc and p.ic == 1234
            if form >= security.FORM_GENERAL_GLO:
                assert w[0] in (0xDB, 0xDC) and p.system_title == TITLE
            else:
                assert w[0] == (0xC8 if form == security.FORM_GLO else 0xD0)
            assert security.decipher(p, g, AK, TITLE) == plain
            if sc == 0x10:
                assert plain in w  # authenticated only: APDU in clear


def test_lls_check():
    assert security.lls_check(b"Gurux", b"Gurux")
    assert not security.lls_check(b"Gurux", b"gurux")
    assert not security.lls_check(b"Gurux", b"Guru")
    assert not security.lls_check(b"Gurux", None)
