# Portable: the association state machine (dlms.md 4-6) driven with the
# captured APDUs of appendices A and B.
from dlms import acse, association, axdr, gcm, security, xdlms
from dlms.association import Association, ClientConfig, ServerConfig
from dlmsdata import apdu, unhex

EK = bytes(range(16))
AK = bytes(range(0xD0, 0xE0))
TITLE = b"ABCDEFGH"
STOC = unhex("91C8E472391C8E47A3D1E874BADD6E37")


def _config(title=b"STS\x00\x00\x00\x00\x01"):
    cfg = association.development_config(lambda n: STOC[:n])
    cfg.system_title = title
    return cfg


def _exc(ev, state, service):
    return ev.kind == association.REPLY and ev.apdu[:3] == bytes((0xD8, state, service))


def _aare_fields(aare):
    # (result, diagnostic, user-information) of an AARE we built
    assert aare[0] == 0x61 and aare[1] == len(aare) - 2
    f = {}
    for tag, s, e in acse._tlvs(aare, 2, len(aare)):
        f[tag] = aare[s:e]
    assert f[0xA2][:2] == b"\x02\x01" and f[0xA3][:4] == b"\xa1\x03\x02\x01"
    ui = f.get(0xBE)
    if ui is not None:
        assert ui[0] == 0x04 and ui[1] == len(ui) - 2
        ui = ui[2:]
    return f[0xA2][2], f[0xA3][4], ui


def test_public_association_get_and_release():
    a = Association(_config(), 16)
    ev = a.receive(apdu("get_ldn"))
    assert _exc(ev, 1, 1)  # no association yet
    ev = a.receive(apdu("aarq_public"))
    assert ev.kind == association.REPLY and a.state == association.ASSOCIATED
    result, diag, ui = _aare_fields(ev.apdu)
    assert (result, diag) == (0, 0)
    assert ui == acse.build_initiate_response(0x401E5D & a.client.conformance, 512)
    assert a.client_max_pdu == 0xFFFF
    ev = a.receive(apdu("get_ldn"))
    assert ev.kind == association.GET and ev.request.refs[0].class_id == 1
    ldn = axdr.encode((axdr.OCTET_STRING, b"GRX0000000123456"))
    assert a.get_response(ev.request, [ldn]) == apdu("get_ldn_response")
    ev = a.receive(apdu("get_missing"))
    assert a.get_response(ev.request, [xdlms.READ_WRITE_DENIED]) == apdu("get_missing_response")
    # ACTION and SET are outside the public client's conformance: D8 01 02 (appendix A)
    ev = a.receive(apdu("action_disconnect"))
    assert ev.apdu == apdu("exception_not_supported")
    assert _exc(a.receive(unhex("C101C1 0001 0000600100FF 02 00 1101")), 1, 2)
    ev = a.receive(apdu("rlrq"))
    assert ev.kind == association.RELEASED and ev.apdu == apdu("rlre")
    assert a.state == association.IDLE
    assert _exc(a.receive(apdu("get_ldn")), 1, 1)


def test_get_with_list():
    a = Association(_config(), 16)
    a.receive(apdu("aarq_public"))
    body = unhex("0001000060030AFF0200") + unhex("00010000600309FF0200")
    ev = a.receive(b"\xc0\x03\xc2\x02" + body)
    assert ev.kind == association.GET and len(ev.request.refs) == 2
    out = a.get_response(ev.request, [b"\x11\x05", xdlms.OBJECT_UNDEFINED])
    assert out == b"\xc4\x03\xc2\x02\x00\x11\x05\x01\x04"


def test_long_get_is_sent_in_blocks():
    a = Association(_config(), 16)
    a.receive(apdu("aarq_public"))
    ev = a.receive(apdu("get_object_list"))
    big = axdr.encode((axdr.ARRAY, [(axdr.OCTET_STRING, bytes(range(200)))] * 20))
    out = a.get_response(ev.request, [big])
    got = bytearray()
    n = 1
    while True:
        assert len(out) <= 512 and out[:3] == b"\xc4\x02\xc1"
        assert (out[4] << 24 | out[5] << 16 | out[6] << 8 | out[7]) == n
        ln, pos = axdr.get_length(out, 9)
        got.extend(out[pos:pos + ln])
        if out[3]:
            break
        ev = a.receive(bytes((0xC0, 0x02, 0xC1, 0, 0, 0, n)))
        assert ev.kind == association.REPLY
        out = ev.apdu
        n += 1
    assert bytes(got) == big and n == 9
    # nothing in progress any more
    ev = a.receive(bytes((0xC0, 0x02, 0xC1, 0, 0, 0, n)))
    assert ev.apdu[-2:] == b"\x01\x10"  # dar no-long-get-in-progress


def test_long_get_wrong_block_number_aborts():
    a = Association(_config(), 16)
    a.receive(apdu("aarq_public"))
    ev = a.receive(apdu("get_object_list"))
    a.get_response(ev.request, [axdr.encode((axdr.OCTET_STRING, bytes(2000)))])
    ev = a.receive(bytes((0xC0, 0x02, 0xC1, 0, 0, 0, 5)))
    assert ev.apdu[-2:] == b"\x01\x0f"  # long-get-aborted
    ev = a.receive(bytes((0xC0, 0x02, 0xC1, 0, 0, 0, 1)))
    assert ev.apdu[-2:] == b"\x01\x10"


def test_small_client_pdu_limits_blocks():
    a = Association(_config(), 16)
    q = apdu("aarq_public")
    a.receive(q[:-2] + b"\x00\x80")  # client-max-receive-pdu-size 128
    assert a.client_max_pdu == 128
    ev = a.receive(apdu("get_object_list"))
    out = a.get_response(ev.request, [axdr.encode((axdr.OCTET_STRING, bytes(300)))])
    assert len(out) <= 128 and out[:2] == b"\xc4\x02"


def test_rejections():
    cfg = _config()
    q = apdu("aarq_public")
    # SN context to an LN-only server: rejected-permanent, diagnostic 2 (4.5)
    sn = q.replace(b"\x08\x01\x01", b"\x08\x01\x02")
    r = _aare_fields(Association(cfg, 16).receive(sn).apdu)
    assert r[:2] == (1, 2)
    # unknown client SAP
    assert _aare_fields(Association(cfg, 99).receive(q).apdu)[:2] == (1, 1)
    # management client without HLS: mechanism required
    a = Association(cfg, 1)
    assert _aare_fields(a.receive(q.replace(b"\x08\x01\x01", b"\x08\x01\x03")).apdu)[:2] == (1, 12)
    # DLMS version 5 proposed: initiate error dlms-version-too-low in user-information
    old = q.replace(b"\x00\x00\x00\x06\x5f", b"\x00\x00\x00\x05\x5f")
    r = _aare_fields(Association(cfg, 16).receive(old).apdu)
    assert r[0] == 1 and r[2] == b"\x0e\x01\x06\x01"
    # garbage
    a = Association(cfg, 16)
    assert _aare_fields(a.receive(b"\x60\x05\x01\x02").apdu)[0] == 1 and a.state == association.IDLE


def _lls_aarq(password):
    ui = apdu("initiate_request")
    body = (unhex("A109060760857405080101 8A020780 8B0760857405080201") + b"\xac"
            + bytes((len(password) + 2, 0x80, len(password))) + password + b"\xbe"
            + bytes((len(ui) + 2, 0x04, len(ui))) + ui)
    return bytes((0x60, len(body))) + body


def test_lls():
    cfg = _config()
    a = Association(cfg, 17)
    ev = a.receive(_lls_aarq(b"wrong"))
    assert _aare_fields(ev.apdu)[:2] == (1, 13) and a.state == association.IDLE
    ev = a.receive(_lls_aarq(b"Gurux"))
    assert _aare_fields(ev.apdu)[:2] == (0, 0) and a.state == association.ASSOCIATED
    assert b"\x89\x07\x60\x85\x74\x05\x08\x02\x01" in ev.apdu
    # the public client refuses an LLS request: mechanism not recognised
    assert _aare_fields(Association(cfg, 16).receive(_lls_aarq(b"Gurux")).apdu)[:2] == (1, 11)


def _hls_session(tx_after_aare=0x0D):
    cfg = _config(TITLE)  # the capture's server used the client's title as well
    a = Association(cfg, 1)
    a.client.counters.tx = 0x0B
    ev = a.receive(apdu("aarq_hls"))
    return a, ev


def test_hls_gmac_session_reproduces_capture():
    a, ev = _hls_session()
    assert a.state == association.PENDING
    aare = ev.apdu
    result, diag, ui = _aare_fields(aare)
    assert (result, diag) == (0, 14)
    assert b"\xa4\x0a\x04\x08" + TITLE in aare and b"\xaa\x12\x80\x10" + STOC in aare
    g = gcm.Gcm(EK)
    p = security.parse(ui)
    assert (p.tag, p.sc, p.ic) == (0x28, 0x30, 0x0B)
    expect = acse.build_initiate_response(0x401E5D & association.CONF_IMPLEMENTED, 512)
    assert security.decipher(p, g, AK, TITLE) == expect
    assert a.client.counters.rx_last == 0xC8
    # only the HLS reply is allowed while pending
    get = security.wrap(apdu("get_ldn"), security.FORM_GLO, 0x30, 0xC9, g, AK, TITLE)
    assert _exc(a.receive(get), 1, 1)
    # pass 3 as gurux-dlms sends it: glo-action-request (CB), outer IC = f's IC + 1
    a.client.counters.tx = 0x0D
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
    assert _exc(a.receive(apdu("get_ldn")), 1, 1)
    # authenticated-only does not meet the policy (authenticated and encrypted)
    weak = security.wrap(apdu("get_ldn"), security.FORM_GLO, 0x10, 0xCC, g, AK, TITLE)
    assert _exc(a.receive(weak), 1, 1)
    # a tampered APDU: deciphering error, counter unchanged
    bad = bytearray(security.wrap(apdu("get_ldn"), security.FORM_GLO, 0x30, 0xD0, g, AK, TITLE))
    bad[-1] ^= 1
    assert _exc(a.receive(bytes(bad)), 1, 5)
    assert a.client.counters.rx_last == 0xCC
    # a wrong key
    other = security.wrap(apdu("get_ldn"), security.FORM_GLO, 0x30, 0xD1, gcm.Gcm(AK), AK, TITLE)
    assert _exc(a.receive(other), 1, 5)
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
    a = Association(_config(), 1)
    ev = a.receive(q.replace(b"\x08\x01\x01", b"\x08\x01\x03"))
    assert _aare_fields(ev.apdu)[0] == 1


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
    cfg = _config(TITLE)
    a = Association(cfg, 1)
    g = gcm.Gcm(EK)
    dkey = bytes(range(0x40, 0x50))
    ini = b"\x01\x01\x10" + dkey + unhex("000006 5F1F0400401E5D FFFF")
    ui = security.wrap(ini, security.FORM_GLO, 0x30, 0x200, g, AK, TITLE)
    q = apdu("aarq_hls")
    q = q[:-37] + bytes((0xBE, len(ui) + 2, 0x04, len(ui))) + ui
    q = bytes((0x60, len(q) - 2)) + q[2:]
    ev = a.receive(q)
    assert _aare_fields(ev.apdu)[:2] == (0, 14) and a.dedicated_key == dkey
    f = security.hls_f(g, AK, TITLE, 0x201, STOC)
    a.receive(security.wrap(unhex("C301C1000F0000280000FF01010911") + f, security.FORM_GLO, 0x30, 0x201,
                            g, AK, TITLE))
    assert a.state == association.ASSOCIATED
    gd = gcm.Gcm(dkey)
    for form, resp_tag in ((security.FORM_DED, 0xD4), (security.FORM_GENERAL_DED, 0xDC)):
        ev = a.receive(security.wrap(apdu("get_ldn"), form, 0x30, a.client.counters.rx_last + 1, gd, AK, TITLE))
        assert ev.kind == association.GET
        out = a.get_response(ev.request, [b"\x11\x01"])
        p = security.parse(out)
        assert out[0] == resp_tag
        assert security.decipher(p, gd, AK, TITLE) == b"\xc4\x01\xc1\x00\x11\x01"
    # the global key does not open a ded APDU
    bad = security.wrap(apdu("get_ldn"), security.FORM_DED, 0x30, a.client.counters.rx_last + 1, g, AK, TITLE)
    assert _exc(a.receive(bad), 1, 5)
