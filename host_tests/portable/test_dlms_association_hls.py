# Portable: HLS-GMAC and ciphered associations (dlms.md 4.5, 6), driven with the
# captured session of appendix B.
from dlms import acse, association, gcm, keystore, security, xdlms
from dlms.association import Association
from dlmsdata import apdu, unhex
from dlmshelp import STOC, aare_fields, config, exc

EK = bytes(range(16))
AK = bytes(range(0xD0, 0xE0))
TITLE = b"ABCDEFGH"


def _hls_session():
    cfg = config(TITLE)  # the capture's server used the client's title as well
    a = Association(cfg, 1)
    a.keys.tx = 0x0B
    ev = a.receive(apdu("aarq_hls"))
    return a, ev


def test_hls_gmac_session_reproduces_capture():
    a, ev = _hls_session()
    assert a.state == association.PENDING
    aare = ev.apdu
    result, diag, ui = aare_fields(aare)
    assert (result, diag) == (0, 14)
    assert b"\xa4\x0a\x04\x08" + TITLE in aare and b"\xaa\x12\x80\x10" + STOC in aare
    g = gcm.Gcm(EK)
    p = security.parse(ui)
    assert (p.tag, p.sc, p.ic) == (0x28, 0x30, 0x0B)
    expect = acse.build_initiate_response(0x401E5D & association.CONF_IMPLEMENTED, 512)
    assert security.decipher(p, g, AK, TITLE) == expect
    assert a.keys.rx_last == 0xC8
    # only the HLS reply is allowed while pending
    get = security.wrap(apdu("get_ldn"), security.FORM_GLO, 0x30, 0xC9, g, AK, TITLE)
    assert exc(a.receive(get), 1, 1)
    # pass 3 as gurux-dlms sends it: glo-action-request (CB), outer IC = f's IC + 1
    a.keys.tx = 0x0D
    hls = security.wrap(apdu("hls_action"), security.FORM_GLO, 0x30, 0xCA, g, AK, TITLE)
    ev = a.receive(hls)
    assert a.state == association.ASSOCIATED
    p = security.parse(ev.apdu)
    assert (p.tag, p.ic) == (0xCF, 0x0E)
    assert security.decipher(p, g, AK, TITLE) == apdu("hls_action_response")
    # a replayed request: invocation-counter-error with the expected IC
    ev = a.receive(hls)
    assert ev.apdu == xdlms.exception_response(1, 6, 0xCB)
    # general-glo-ciphering GET, answered in the same form with the server title
    get = security.wrap(apdu("get_ldn"), security.FORM_GENERAL_GLO, 0x30, 0xCB, g, AK, TITLE)
    ev = a.receive(get)
    assert ev.kind == association.GET
    out = a.get_response(ev.request, [b"\x09\x02AB"])
    p = security.parse(out)
    assert p.form == security.FORM_GENERAL_GLO and p.system_title == TITLE and p.ic == 0x0F
    assert security.decipher(p, g, AK, TITLE) == b"\xc4\x01\xc1\x00\x09\x02AB"
    # plaintext requests are refused under this client's policy
    assert exc(a.receive(apdu("get_ldn")), 1, 1)
    # authenticated-only or encrypted-only does not meet the policy
    # (authenticated and encrypted); the counter does not move
    for sc in (0x10, 0x20):
        weak = security.wrap(apdu("get_ldn"), security.FORM_GLO, sc, 0xCC, g, AK, TITLE)
        assert exc(a.receive(weak), 1, 1)
    assert a.keys.rx_last == 0xCB
    # a tampered APDU: deciphering error, counter unchanged
    bad = bytearray(security.wrap(apdu("get_ldn"), security.FORM_GLO, 0x30, 0xD0, g, AK, TITLE))
    bad[-1] ^= 1
    assert exc(a.receive(bytes(bad)), 1, 5)
    assert a.keys.rx_last == 0xCB
    # a wrong key
    other = security.wrap(apdu("get_ldn"), security.FORM_GLO, 0x30, 0xD1, gcm.Gcm(AK), AK, TITLE)
    assert exc(a.receive(other), 1, 5)
    # release carries no protection
    assert a.receive(apdu("rlrq")).kind == association.RELEASED


def test_hls_dlms_cosem_style_reply():
    # dlms-cosem: general-glo-ciphering and f() with the outer IC (appendix B)
    a, _ = _hls_session()
    g = gcm.Gcm(EK)
    f = security.hls_f(g, AK, TITLE, 0x1389, STOC)
    plain = unhex("C301C0000F0000280000FF01010911") + f
    ev = a.receive(security.wrap(plain, security.FORM_GENERAL_GLO, 0x30, 0x1389, g, AK, TITLE))
    assert a.state == association.ASSOCIATED
    p = security.parse(ev.apdu)
    out = security.decipher(p, g, AK, TITLE)
    assert out[:6] == b"\xc7\x01\xc0\x00\x01\x00" and len(out) == 6 + 19


def test_hls_wrong_reply_leaves_unassociated():
    a, _ = _hls_session()
    g = gcm.Gcm(EK)
    f = security.hls_f(g, AK, TITLE, 0xC9, b"not the challenge")
    plain = unhex("C301C1000F0000280000FF01010911") + f
    ev = a.receive(security.wrap(plain, security.FORM_GLO, 0x30, 0xCA, g, AK, TITLE))
    out = security.decipher(security.parse(ev.apdu), g, AK, TITLE)
    assert out == b"\xc7\x01\xc1\x03\x00"  # read-write-denied
    assert a.state == association.IDLE


def test_stale_ic_in_aarq():
    a, _ = _hls_session()
    a.release()
    ev = a.receive(apdu("aarq_hls"))  # same IC 0xC8 again, new session
    assert ev.apdu == xdlms.exception_response(1, 6, 0xC9)
    assert a.state == association.IDLE


def test_hls_aarq_with_plain_initiate_is_refused():
    q = apdu("aarq_public")
    a = Association(config(), 1)
    ev = a.receive(q.replace(b"\x08\x01\x01", b"\x08\x01\x03"))
    assert aare_fields(ev.apdu)[0] == 1


def test_garbage_never_raises():
    a, _ = _hls_session()
    for b in (b"", b"\x00", b"\xff" * 5, b"\xdb", b"\xdb\x08" + TITLE + b"\x05\x30\x00",
              b"\xc8\x05\x30\x00\x00\x00\x01", b"\xcb\x11" + bytes(17), b"\x62\x01",
              b"\xc0\x01", b"\x60\x81"):
        ev = a.receive(b)
        assert ev.kind in (association.REPLY, association.RELEASED)
        assert ev.apdu



def test_dedicated_key_ded_and_general_ded_forms():
    # AARQ whose glo-initiate-request carries a dedicated key (dlms.md 4.4, 6.1)
    cfg = config(TITLE)
    a = Association(cfg, 1)
    g = gcm.Gcm(EK)
    dkey = bytes(range(0x40, 0x50))
    ini = b"\x01\x01\x10" + dkey + unhex("000006 5F1F0400401E5D FFFF")
    ui = security.wrap(ini, security.FORM_GLO, 0x30, 0x200, g, AK, TITLE)
    q = apdu("aarq_hls")
    q = q[:-37] + bytes((0xBE, len(ui) + 2, 0x04, len(ui))) + ui
    q = bytes((0x60, len(q) - 2)) + q[2:]
    ev = a.receive(q)
    assert aare_fields(ev.apdu)[:2] == (0, 14) and a.dedicated_key == dkey
    f = security.hls_f(g, AK, TITLE, 0x201, STOC)
    a.receive(security.wrap(unhex("C301C1000F0000280000FF01010911") + f, security.FORM_GLO, 0x30, 0x201,
                            g, AK, TITLE))
    assert a.state == association.ASSOCIATED
    gd = gcm.Gcm(dkey)
    for form, resp_tag in ((security.FORM_DED, 0xD4), (security.FORM_GENERAL_DED, 0xDC)):
        ev = a.receive(security.wrap(apdu("get_ldn"), form, 0x30, a.keys.rx_last + 1, gd, AK, TITLE))
        assert ev.kind == association.GET
        out = a.get_response(ev.request, [b"\x11\x01"])
        p = security.parse(out)
        assert out[0] == resp_tag
        assert security.decipher(p, gd, AK, TITLE) == b"\xc4\x01\xc1\x00\x11\x01"
    # the global key does not open a ded APDU
    bad = security.wrap(apdu("get_ldn"), security.FORM_DED, 0x30, a.keys.rx_last + 1, g, AK, TITLE)
    assert exc(a.receive(bad), 1, 5)


def test_exhausted_server_counter_refuses_to_answer():
    a, _ = _hls_session()
    g = gcm.Gcm(EK)
    a.receive(security.wrap(apdu("hls_action"), security.FORM_GLO, 0x30, 0xCA, g, AK, TITLE))
    assert a.state == association.ASSOCIATED
    a.keys.tx = keystore.IC_MAX + 1
    ev = a.receive(security.wrap(apdu("get_ldn"), security.FORM_GLO, 0x30, 0xCB, g, AK, TITLE))
    assert a.get_response(ev.request, [b"\x00"]) == b"\xd8\x01\x01"


def test_unauthenticated_ic_never_moves_the_counter():
    a, _ = _hls_session()
    g = gcm.Gcm(EK)
    a.receive(security.wrap(apdu("hls_action"), security.FORM_GLO, 0x30, 0xCA, g, AK, TITLE))
    a.client.policy = security.SC_ENCRYPTED  # a weaker policy that admits E-only requests
    ev = a.receive(security.wrap(apdu("get_ldn"), security.FORM_GLO, 0x20, 0x7FFFFFF0, g, AK, TITLE))
    assert ev.kind == association.GET
    assert a.keys.rx_last == 0xCA


def test_release_with_garbled_ciphered_user_information():
    a, _ = _hls_session()
    ev = a.receive(unhex("6207BE05040321FF00"))
    assert ev.kind == association.RELEASED and a.state == association.IDLE


def test_aarq_with_garbled_glo_initiate_is_rejected_by_aare():
    q = apdu("aarq_hls")
    bad = q[:-33] + b"\x21\x05" + q[-31:]  # wrong inner length
    ev = Association(config(TITLE), 1).receive(bad)
    assert aare_fields(ev.apdu)[:2] == (1, 1)
