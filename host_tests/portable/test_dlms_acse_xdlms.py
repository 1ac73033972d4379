# Portable: ACSE (dlms.md 4) and xDLMS (5.1-5.2) codecs against the captures.
from dlms import acse, axdr, xdlms
from dlms.axdr import DecodeError
from dlmsdata import apdu, unhex


def test_parse_public_aarq():
    q = acse.parse_aarq(apdu("aarq_public"))
    assert q.context == acse.CONTEXT_LN and q.mechanism == acse.MECHANISM_LOWEST
    assert q.calling_ap_title is None and q.authentication_value is None
    ini = acse.parse_initiate_request(q.user_information)
    assert ini.version == 6 and ini.conformance == 0x401E5D and ini.max_pdu == 0xFFFF
    assert ini.dedicated_key is None and ini.response_allowed


def test_parse_hls_aarq():
    q = acse.parse_aarq(apdu("aarq_hls"))
    assert q.context == acse.CONTEXT_LN_CIPHERED and q.mechanism == acse.MECHANISM_HLS_GMAC
    assert q.calling_ap_title == b"ABCDEFGH" and q.acse_requirements_auth
    assert q.authentication_value == unhex("8659ACC0C164E17D8468067C9B947D7E")
    assert q.user_information[:2] == b"\x21\x1f"


def test_build_public_aare_matches_capture():
    ui = acse.build_initiate_response(0x000018, 0x200)
    assert acse.build_aare(acse.CONTEXT_LN, acse.ACCEPTED, acse.DIAG_NULL, user_information=ui) \
        == apdu("aare_public")


def test_initiate_codecs_match_capture():
    assert acse.build_initiate_response(0x001E1D, 0x200) == apdu("initiate_response")
    ini = acse.parse_initiate_request(apdu("initiate_request"))
    assert (ini.conformance, ini.max_pdu) == (0x401E5D, 0xFFFF)
    # with a dedicated key and response-allowed FALSE
    key = bytes(range(16))
    b = b"\x01\x01\x10" + key + b"\x01\x00\x00\x06\x5f\x1f\x04\x00\x00\x00\x18\x04\x00"
    ini = acse.parse_initiate_request(b)
    assert ini.dedicated_key == key and not ini.response_allowed and ini.max_pdu == 0x400


def test_build_hls_aare_matches_capture():
    # The captured AARE, rebuilt from its parts (user information taken as captured).
    cap = apdu("aare_hls")
    aare = acse.build_aare(acse.CONTEXT_LN_CIPHERED, acse.ACCEPTED, acse.DIAG_AUTHENTICATION_REQUIRED,
                           responding_ap_title=b"ABCDEFGH", mechanism=acse.MECHANISM_HLS_GMAC,
                           stoc=unhex("91C8E472391C8E47A3D1E874BADD6E37"), user_information=cap[-33:])
    assert aare == cap


def test_initiate_error():
    assert acse.build_initiate_error(acse.INITIATE_VERSION_TOO_LOW) == b"\x0e\x01\x06\x01"


def test_release():
    for name in ("rlrq", "rlrq_empty"):
        r = acse.parse_rlrq(apdu(name))
        assert r.user_information is None
    assert acse.parse_rlrq(apdu("rlrq")).reason == 0
    # dlms-cosem style: reason and a user-information octet string
    r = acse.parse_rlrq(unhex("6210800100BE0B0409") + b"\x21" + bytes(8))
    assert r.reason == 0 and r.user_information == b"\x21" + bytes(8)


def _decode_error(fn, b):
    try:
        fn(b)
    except DecodeError:
        return True
    return False


def test_acse_garbage():
    a = apdu("aarq_public")
    for b in (b"", b"\x60", a[:-1], a + b"\x00", b"\x61" + a[1:], unhex("6009A1070605608574050801"),
              unhex("6000"), unhex("600BA109060760857405080201")):
        assert _decode_error(acse.parse_aarq, b), b
    for b in (b"", b"\x08", apdu("initiate_request")[:-1], apdu("initiate_request") + b"\x00",
              b"\x01\x01\x10\x00"):
        assert _decode_error(acse.parse_initiate_request, b), b
    for b in (b"", b"\x62\x03\x80\x01", b"\x62\x03\x80\x02\x00"):
        assert _decode_error(acse.parse_rlrq, b), b


def test_parse_get_normal():
    r = xdlms.parse_request(apdu("get_ldn"))
    assert isinstance(r, xdlms.GetRequest) and r.kind == xdlms.NORMAL and r.invoke == 0xC1
    ref = r.refs[0]
    assert (ref.class_id, ref.ln, ref.index, ref.selector) == (1, b"\x00\x00\x2a\x00\x00\xff", 2, None)
    r = xdlms.parse_request(apdu("get_object_list"))
    assert r.refs[0].class_id == 15 and r.refs[0].ln == b"\x00\x00\x28\x00\x00\xff"


def test_parse_get_next_with_list_and_selective_access():
    r = xdlms.parse_request(apdu("get_next_1"))
    assert r.kind == xdlms.NEXT and r.block_number == 1
    body = unhex("0001000060030AFF0200") + unhex("0007010063 0100FF02 01 01 0202 0600000001 0600000002")
    r = xdlms.parse_request(b"\xc0\x03\xc2\x02" + body)
    assert r.kind == xdlms.WITH_LIST and len(r.refs) == 2
    assert r.refs[1].class_id == 7 and r.refs[1].selector == 1
    assert r.refs[1].parameters == (axdr.STRUCTURE, [(axdr.DOUBLE_LONG_UNSIGNED, 1),
                                                     (axdr.DOUBLE_LONG_UNSIGNED, 2)])


def test_parse_set_and_action():
    r = xdlms.parse_request(unhex("C101C1 0008 0000010000FF 02 00") + axdr.encode(
        (axdr.OCTET_STRING, axdr.date_time(2026, 1, 2, 3, 4, 5))))
    assert isinstance(r, xdlms.SetRequest) and r.refs[0].class_id == 8
    assert r.values[0][0] == axdr.OCTET_STRING and len(r.values[0][1]) == 12
    r = xdlms.parse_request(apdu("action_disconnect"))
    assert isinstance(r, xdlms.ActionRequest)
    assert (r.ref.class_id, r.ref.ln, r.ref.index, r.value) == (70, b"\x00\x00\x60\x03\x0a\xff", 1,
                                                               (axdr.INTEGER, 0))
    r = xdlms.parse_request(apdu("hls_action"))
    assert r.ref.class_id == 15 and r.value[0] == axdr.OCTET_STRING and len(r.value[1]) == 17
    r = xdlms.parse_request(unhex("C301C0 0073 0000132800FF 01 00"))
    assert r.value is None and r.invoke == 0xC0
    tok = b"12345678901234567890"
    r = xdlms.parse_request(unhex("C301C0 0073 0000132800FF 01 01 0914") + tok)
    assert r.value == (axdr.OCTET_STRING, tok)
    r = xdlms.parse_request(unhex("C104C1 02 0001 0000010000FF 02 00 0003 0000010800FF 02 00 02 1101 1102"))
    assert r.kind == xdlms.SET_WITH_LIST and r.values == [(axdr.UNSIGNED, 1), (axdr.UNSIGNED, 2)]


def test_unsupported_and_malformed_requests():
    for hx in ("C104C1", "C302C100000001", "C0 04 C1 00", "C5 01 C1 00", "DD", "C1 02 C1 00"):
        b = unhex(hx)
        try:
            xdlms.parse_request(b)
            assert False, hx
        except xdlms.Unsupported:
            pass
        except DecodeError:
            assert len(b) < 3 or hx == "C104C1", hx
    g = apdu("get_ldn")
    for b in (g[:-1], g + b"\x00", g[:-1] + b"\x01", b"\xc0\x02\xc1\x00\x00", b"\xc0\x03\xc1\x00",
              unhex("C301C1 0046 0000600 30AFF 01"), unhex("C301C1 0046 00006003 0AFF 01 01")):
        assert _decode_error(xdlms.parse_request, b), b


def test_response_builders_match_captures():
    ldn = axdr.encode((axdr.OCTET_STRING, b"GRX0000000123456"))
    assert xdlms.get_response_normal(0xC1, ldn) == apdu("get_ldn_response")
    assert xdlms.get_response_normal(0xC1, xdlms.READ_WRITE_DENIED) == apdu("get_missing_response")
    b = xdlms.get_response_block(0xC1, False, 1, bytes(474))
    assert b[:12] == apdu("get_block1_head") and len(b) == 12 + 474
    assert xdlms.exception_response(1, 2) == apdu("exception_not_supported")
    assert xdlms.exception_response(1, 6, 11) == apdu("exception_stale_ic")
    f = apdu("hls_action_response")[-17:]
    assert xdlms.action_response_normal(0xC1, 0, b"\x09\x11" + f) == apdu("hls_action_response")


def test_other_responses():
    assert xdlms.set_response_normal(0xC1, 0) == b"\xc5\x01\xc1\x00"
    assert xdlms.set_response_with_list(0xC1, [0, 3]) == b"\xc5\x05\xc1\x02\x00\x03"
    assert xdlms.action_response_normal(0xC0, 0) == b"\xc7\x01\xc0\x00\x00"
    assert xdlms.action_response_normal(0xC0, 250, 3) == b"\xc7\x01\xc0\xfa\x01\x01\x03"
    assert xdlms.get_response_with_list(0xC1, [b"\x11\x05", 4]) == b"\xc4\x03\xc1\x02\x00\x11\x05\x01\x04"
    assert xdlms.get_response_block_error(0xC1, 7, 16) == unhex("C402C10100000007 0110")


def test_long_get_blocks_reassemble():
    raw = bytes(range(256)) * 4
    lg = xdlms.LongGet(0xC1, raw, 300)
    assert lg.blocks() == 4
    got = bytearray()
    for n in range(1, 5):
        apdu_, last = lg.next_block()
        assert apdu_[:3] == b"\xc4\x02\xc1" and apdu_[3] == (1 if n == 4 else 0)
        assert (apdu_[4] << 24 | apdu_[5] << 16 | apdu_[6] << 8 | apdu_[7]) == n
        assert apdu_[8] == 0 and last == (n == 4)
        ln, pos = axdr.get_length(apdu_, 9)
        got.extend(apdu_[pos:pos + ln])
    assert bytes(got) == raw
