# Portable: the firmware image signature check on both interpreters:
# SHA-512 against the FIPS 180-2 appendix C examples and Ed25519 verification
# against RFC 8032 section 7.1 TESTs 1-3; forged, malformed and
# non-canonical signatures fail; the sliced check gives the same answers.
from update.sha512 import sha512
from update import ed25519

# (public key, message, signature), RFC 8032 7.1 TEST 1, TEST 2, TEST 3
RFC8032 = [
    ("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
     "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
    ("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
     "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
    ("fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
     "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"),
]
L = (1 << 252) + 27742317777372353535851937790883648493


def _vectors():
    for p, m, s in RFC8032:
        yield bytes.fromhex(p), bytes.fromhex(m), bytes.fromhex(s)


def test_sha512_fips_180_2_examples():
    assert sha512(b"abc").hex() == (
        "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
        "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f")
    two_blocks = (b"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                  b"ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu")
    assert sha512(two_blocks).hex() == (
        "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
        "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909")
    assert sha512(b"").hex().startswith("cf83e1357eefb8bdf1542850d66d8007")


def test_sha512_padding_edges_differ():
    # 111 and 112 bytes: the length field fits the block, or needs another
    seen = set(sha512(b"x" * n) for n in (0, 111, 112, 127, 128, 129))
    assert len(seen) == 6 and all(len(d) == 64 for d in seen)


def test_rfc8032_vectors_verify():
    for pub, msg, sig in _vectors():
        assert ed25519.verify(pub, msg, sig) is True


def test_any_change_fails():
    for pub, msg, sig in _vectors():
        assert ed25519.verify(pub, msg + b"\x00", sig) is False
        for i in (0, 31, 32, 63):  # R and S
            bad = bytearray(sig)
            bad[i] ^= 0x40
            assert ed25519.verify(pub, msg, bytes(bad)) is False, i
    pub1, msg1, sig1 = list(_vectors())[0]
    pub2 = list(_vectors())[1][0]
    assert ed25519.verify(pub2, msg1, sig1) is False  # another key


def test_malformed_inputs_fail_without_error():
    pub, msg, sig = list(_vectors())[0]
    assert ed25519.verify(pub, msg, sig[:63]) is False
    assert ed25519.verify(pub, msg, b"") is False
    assert ed25519.verify(pub[:31], msg, sig) is False
    assert ed25519.verify(b"\xff" * 32, msg, sig) is False  # y >= p: no point
    assert ed25519.verify(pub, msg, bytes(64)) is False  # the unsigned image's zeros


def test_non_canonical_s_is_refused():
    # S + L is the same scalar mod L: a malleable copy RFC 8032 5.1.7 rejects
    pub, msg, sig = list(_vectors())[0]
    s = int.from_bytes(sig[32:], "little") + L
    assert s < 1 << 256
    assert ed25519.verify(pub, msg, sig[:32] + s.to_bytes(32, "little")) is False


def test_sliced_check_yields_often_and_agrees():
    pub, msg, sig = list(_vectors())[2]
    steps = list(ed25519.verify_steps(pub, msg, sig, bits=8))
    assert steps[-1] is True and len(steps) > 30
    assert all(s is None for s in steps[:-1])
    bad = list(ed25519.verify_steps(pub, msg + b"!", sig, bits=8))
    assert bad[-1] is False and len(bad) == len(steps)
