# Portable: the association state machine (dlms.md 4-6) driven with the
# captured APDUs of appendices A and B.
from dlms import acse, association, axdr, xdlms
from dlms.association import Association
from dlmsdata import apdu, unhex
from dlmshelp import aare_fields, config, exc, lls_aarq



def test_public_association_get_and_release():
    a = Association(config(), 16)
    ev = a.receive(apdu("get_ldn"))
    assert exc(ev, 1, 1)  # no association yet
    ev = a.receive(apdu("aarq_public"))
    assert ev.kind == association.REPLY and a.state == association.ASSOCIATED
    result, diag, ui = aare_fields(ev.apdu)
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
    assert exc(a.receive(unhex("C101C1 0001 0000600100FF 02 00 1101")), 1, 2)
    ev = a.receive(apdu("rlrq"))
    assert ev.kind == association.RELEASED and ev.apdu == apdu("rlre")
    assert a.state == association.IDLE
    assert exc(a.receive(apdu("get_ldn")), 1, 1)


def test_get_with_list():
    a = Association(config(), 16)
    a.receive(apdu("aarq_public"))
    body = unhex("0001000060030AFF0200") + unhex("00010000600309FF0200")
    ev = a.receive(b"\xc0\x03\xc2\x02" + body)
    assert ev.kind == association.GET and len(ev.request.refs) == 2
    out = a.get_response(ev.request, [b"\x11\x05", xdlms.OBJECT_UNDEFINED])
    assert out == b"\xc4\x03\xc2\x02\x00\x11\x05\x01\x04"


def test_long_get_is_sent_in_blocks():
    a = Association(config(), 16)
    a.receive(apdu("aarq_public"))
    ev = a.receive(apdu("get_object_list"))
    big = axdr.encode((axdr.ARRAY, [(axdr.OCTET_STRING, bytes(range(200)))] * 10))
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
    assert bytes(got) == big and n == 5
    # nothing in progress any more
    ev = a.receive(bytes((0xC0, 0x02, 0xC1, 0, 0, 0, n)))
    assert ev.apdu[-2:] == b"\x01\x10"  # dar no-long-get-in-progress


def test_long_get_wrong_block_number_aborts():
    a = Association(config(), 16)
    a.receive(apdu("aarq_public"))
    ev = a.receive(apdu("get_object_list"))
    a.get_response(ev.request, [axdr.encode((axdr.OCTET_STRING, bytes(2000)))])
    ev = a.receive(bytes((0xC0, 0x02, 0xC1, 0, 0, 0, 5)))
    assert ev.apdu[-2:] == b"\x01\x0f"  # long-get-aborted
    ev = a.receive(bytes((0xC0, 0x02, 0xC1, 0, 0, 0, 1)))
    assert ev.apdu[-2:] == b"\x01\x10"


def test_small_client_pdu_limits_blocks():
    a = Association(config(), 16)
    q = apdu("aarq_public")
    a.receive(q[:-2] + b"\x00\x80")  # client-max-receive-pdu-size 128
    assert a.client_max_pdu == 128
    ev = a.receive(apdu("get_object_list"))
    out = a.get_response(ev.request, [axdr.encode((axdr.OCTET_STRING, bytes(300)))])
    assert len(out) <= 128 and out[:2] == b"\xc4\x02"


def test_rejections():
    cfg = config()
    q = apdu("aarq_public")
    # SN context to an LN-only server: rejected-permanent, diagnostic 2 (4.5)
    sn = q.replace(b"\x08\x01\x01", b"\x08\x01\x02")
    r = aare_fields(Association(cfg, 16).receive(sn).apdu)
    assert r[:2] == (1, 2)
    # unknown client SAP
    assert aare_fields(Association(cfg, 99).receive(q).apdu)[:2] == (1, 1)
    # management client without HLS: mechanism required
    a = Association(cfg, 1)
    assert aare_fields(a.receive(q.replace(b"\x08\x01\x01", b"\x08\x01\x03")).apdu)[:2] == (1, 12)
    # DLMS version 5 proposed: initiate error dlms-version-too-low in user-information
    old = q.replace(b"\x00\x00\x00\x06\x5f", b"\x00\x00\x00\x05\x5f")
    r = aare_fields(Association(cfg, 16).receive(old).apdu)
    assert r[0] == 1 and r[2] == b"\x0e\x01\x06\x01"
    # garbage
    a = Association(cfg, 16)
    assert aare_fields(a.receive(b"\x60\x05\x01\x02").apdu)[0] == 1 and a.state == association.IDLE


def test_lls():
    cfg = config()
    a = Association(cfg, 17)
    ev = a.receive(lls_aarq(b"wrong"))
    assert aare_fields(ev.apdu)[:2] == (1, 13) and a.state == association.IDLE
    ev = a.receive(lls_aarq(b"Gurux"))
    assert aare_fields(ev.apdu)[:2] == (0, 0) and a.state == association.ASSOCIATED
    assert b"\x89\x07\x60\x85\x74\x05\x08\x02\x01" in ev.apdu
    # the public client refuses an LLS request: mechanism not recognised
    assert aare_fields(Association(cfg, 16).receive(lls_aarq(b"Gurux")).apdu)[:2] == (1, 11)


def test_an_aare_is_the_one_a_new_association_gives():
    # an association keeps the last AARE it gave without a challenge for the
    # next AARQ that gives the same: each AARE is the one a new association
    # gives, whatever came before (other proposals, settings, refusals)
    cfg = config()
    q = apdu("aarq_public")
    kept = {16: Association(cfg, 16), 17: Association(cfg, 17)}
    for sap, aarq, conformance, max_pdu in (
            (16, q, None, None), (16, q, None, None), (16, q[:-2] + b"\x00\x80", None, None),
            (16, q, association.CONF_GET, None), (16, q, None, None), (16, q, None, 256),
            (16, q, None, None), (16, q.replace(b"\x08\x01\x01", b"\x08\x01\x02"), None, None),
            (16, q, None, None), (17, lls_aarq(b"Gurux"), None, None),
            (17, lls_aarq(b"wrong"), None, None), (17, lls_aarq(b"Gurux"), None, None)):
        c = cfg.clients[sap]
        was = c.conformance, cfg.max_pdu
        c.conformance = conformance or c.conformance
        cfg.max_pdu = max_pdu or cfg.max_pdu
        ev = kept[sap].receive(aarq)
        assert ev.apdu == Association(cfg, sap).receive(aarq).apdu
        c.conformance, cfg.max_pdu = was


def test_selective_access_needs_conformance():
    cfg = config()
    cfg.clients[16].conformance = association.CONF_GET
    a = Association(cfg, 16)
    a.receive(apdu("aarq_public"))
    assert a.conformance == association.CONF_GET
    sel = unhex("C001C1 0007 0100630100FF 02 01 01 0202 0600000001 0600000002")
    assert exc(a.receive(sel), 1, 2)
    assert exc(a.receive(b"\xc0\x03\xc1\x01" + apdu("get_ldn")[3:]), 1, 2)  # no multiple-references
    assert a.receive(apdu("get_ldn")).kind == association.GET


def test_no_common_conformance_is_an_initiate_error():
    q = apdu("aarq_public")
    none = q[:-5] + b"\x00\x00\x00\xff\xff"
    r = aare_fields(Association(config(), 16).receive(none).apdu)
    assert r[0] == 1 and r[2] == b"\x0e\x01\x06\x02"
    small = q[:-2] + b"\x00\x20"
    r = aare_fields(Association(config(), 16).receive(small).apdu)
    assert r[0] == 1 and r[2] == b"\x0e\x01\x06\x03"


def test_result_too_long_without_block_transfer():
    cfg = config()
    cfg.clients[16].conformance = association.CONF_GET
    a = Association(cfg, 16)
    a.receive(apdu("aarq_public"))
    ev = a.receive(apdu("get_object_list"))
    out = a.get_response(ev.request, [axdr.encode((axdr.OCTET_STRING, bytes(600)))])
    assert out == b"\xd8\x01\x04"  # pdu-too-long


def test_oversized_request_and_unknown_service():
    a = Association(config(), 16)
    a.receive(apdu("aarq_public"))
    assert exc(a.receive(b"\xc1\x01\xc1" + bytes(600)), 1, 4)
    assert exc(a.receive(b"\xe6\x00\x00"), 2, 2)
    assert exc(a.receive(unhex("C001C1 0001 0000")), 1, 3)  # truncated: other-reason
    assert a.state == association.ASSOCIATED


def test_every_release_form_is_answered_rlre_normal():
    # dlms.md 4.6: with a reason, without one (both read without the ACSE
    # codec), and a longer one the codec cannot read: all released alike
    for rlrq in (apdu("rlrq"), apdu("rlrq_empty"), unhex("6206 800100 BE01")):
        a = Association(config(), 16)
        assert a.receive(apdu("aarq_public")).kind == association.REPLY
        ev = a.receive(rlrq)
        assert ev.kind == association.RELEASED and ev.apdu == apdu("rlre")
        assert a.state == association.IDLE
