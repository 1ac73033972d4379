"""CPython: our AES-128 and AES-GCM against pycryptodome, our AES key wrap
(RFC 3394) against cryptography, gurux-dlms and dlms-cosem, on random inputs."""
from cryptography.hazmat.primitives.keywrap import aes_key_wrap
from dlms_cosem.security import SecurityControlField, wrap_key
from gurux_dlms.secure import GXDLMSSecureClient
from hypothesis import given, settings, strategies as st
from Crypto.Cipher import AES

from dlms import aes, gcm, keywrap, security

KEY = st.binary(min_size=16, max_size=16)


@settings(max_examples=60, deadline=None)
@given(KEY, st.binary(min_size=16, max_size=16))
def test_aes_block_matches_pycryptodome(key, block):
    assert aes.Aes128(key).encrypt(block) == AES.new(key, AES.MODE_ECB).encrypt(block)


@settings(max_examples=60, deadline=None)
@given(KEY, st.binary(min_size=12, max_size=12), st.binary(max_size=200), st.binary(max_size=80),
       st.integers(min_value=4, max_value=16))
def test_gcm_matches_pycryptodome(key, iv, plaintext, aad, tag_len):
    ours = gcm.Gcm(key)
    ct, tag = ours.encrypt(iv, plaintext, aad, tag_len)
    ref = AES.new(key, AES.MODE_GCM, nonce=iv, mac_len=tag_len)
    ref.update(aad)
    rct, rtag = ref.encrypt_and_digest(plaintext)
    assert (ct, tag) == (rct, rtag)
    assert ours.decrypt(iv, ct, aad, tag) == plaintext
    assert ours.gmac(iv, aad, tag_len) == AES.new(key, AES.MODE_GCM, nonce=iv, mac_len=tag_len).update(aad).digest()


@settings(max_examples=40, deadline=None)
@given(KEY, KEY, st.binary(min_size=8, max_size=8), st.integers(0, 0xFFFFFFFF),
       st.binary(min_size=1, max_size=120), st.sampled_from([0x10, 0x20, 0x30]))
def test_suite0_wrap_matches_pycryptodome(ek, ak, title, ic, plain, sc):
    wrapped = security.wrap(b"\xc0" + plain, security.FORM_GENERAL_GLO, sc, ic, gcm.Gcm(ek), ak, title)
    p = security.parse(wrapped)
    iv = title + ic.to_bytes(4, "big")
    ref = AES.new(ek, AES.MODE_GCM, nonce=iv, mac_len=12)
    if sc == 0x30:
        ref.update(bytes([sc]) + ak)
        ct, tag = ref.encrypt_and_digest(b"\xc0" + plain)
        assert p.payload == ct + tag
    elif sc == 0x10:
        ref.update(bytes([sc]) + ak + b"\xc0" + plain)
        assert p.payload == b"\xc0" + plain + ref.digest()
    else:
        ct, _ = ref.encrypt_and_digest(b"\xc0" + plain)
        assert p.payload == ct


@settings(max_examples=40, deadline=None)
@given(KEY, KEY, st.booleans())
def test_key_wrap_matches_cryptography_gurux_and_dlms_cosem(kek, key, portable):
    ours = keywrap.wrap(kek, key, portable)
    assert ours == aes_key_wrap(kek, key)
    assert ours == bytes(GXDLMSSecureClient.encrypt(kek, key))
    assert ours == wrap_key(SecurityControlField(security_suite=0), kek, key)
    assert keywrap.unwrap(kek, ours, portable) == key
    assert keywrap.InvAes128(kek).decrypt(AES.new(kek, AES.MODE_ECB).encrypt(key)) == key
