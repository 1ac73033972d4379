"""CPython: APDUs built with dlms-cosem's own classes parse with ours, and the
APDUs we build parse with dlms-cosem's parsers (dlms.md 4, 5)."""
import datetime

from dlms_cosem import cosem, enumerations as en
from dlms_cosem.connection import DlmsConnection, XDlmsApduFactory
from dlms_cosem.cosem import Obis
from dlms_cosem.cosem.selective_access import CaptureObject, RangeDescriptor
from dlms_cosem.protocol import acse as cacse, xdlms as cx
from dlms_cosem.protocol.xdlms.invoke_id_and_priority import InvokeIdAndPriority
from dlms_cosem.security import LowLevelSecurityAuthentication, NoSecurityAuthentication

from dlms import acse, axdr, xdlms
from dlms.association import Association
from dlmshelp import config

CLOCK = cosem.CosemAttribute(en.CosemInterface.CLOCK, Obis(0, 0, 1, 0, 0), 2)
PROFILE = cosem.CosemAttribute(en.CosemInterface.PROFILE_GENERIC, Obis(1, 0, 99, 1, 0), 2)
ENTER = cosem.CosemMethod(en.CosemInterface.TOKEN_GATEWAY, Obis(0, 0, 19, 40, 0), 1)
IIP = InvokeIdAndPriority(invoke_id=5, confirmed=True, high_priority=True)


def test_their_requests_parse_with_ours():
    r = xdlms.parse_request(cx.GetRequestNormal(cosem_attribute=CLOCK, invoke_id_and_priority=IIP).to_bytes())
    assert (r.kind, r.invoke, r.refs[0].class_id, r.refs[0].ln, r.refs[0].index) == \
        (xdlms.NORMAL, 0xC5, 8, bytes([0, 0, 1, 0, 0, 255]), 2)
    # (dlms-cosem 25.1.0 cannot encode an EntryDescriptor; a RangeDescriptor it can)
    rng = RangeDescriptor(restricting_object=CaptureObject(CLOCK),
                          from_value=datetime.datetime(2026, 1, 1), to_value=datetime.datetime(2026, 2, 1))
    r = xdlms.parse_request(cx.GetRequestNormal(cosem_attribute=PROFILE, access_selection=rng).to_bytes())
    assert r.refs[0].selector == 1 and r.refs[0].parameters[0] == axdr.STRUCTURE
    restricting, start, end, selected = r.refs[0].parameters[1]
    assert restricting[1][0] == (axdr.LONG_UNSIGNED, 8) and start[0] == axdr.OCTET_STRING
    assert axdr.parse_date_time(start[1])[:3] == (2026, 1, 1) and axdr.parse_date_time(end[1])[:3] == (2026, 2, 1)
    r = xdlms.parse_request(cx.GetRequestNext(block_number=7, invoke_id_and_priority=IIP).to_bytes())
    assert (r.kind, r.block_number) == (xdlms.NEXT, 7)
    wl = cx.GetRequestWithList(cosem_attributes_with_selection=[
        cosem.CosemAttributeWithSelection(attribute=CLOCK, access_selection=None),
        cosem.CosemAttributeWithSelection(attribute=PROFILE, access_selection=rng)])
    r = xdlms.parse_request(wl.to_bytes())
    assert r.kind == xdlms.WITH_LIST and [x.class_id for x in r.refs] == [8, 7]
    assert r.refs[1].selector == 1
    r = xdlms.parse_request(cx.SetRequestNormal(cosem_attribute=CLOCK, data=b"\x09\x0c" + bytes(12)).to_bytes())
    assert r.values == [(axdr.OCTET_STRING, bytes(12))]
    tok = b"\x09\x14" + b"1" * 20
    r = xdlms.parse_request(cx.ActionRequestNormal(cosem_method=ENTER, data=tok).to_bytes())
    assert (r.ref.class_id, r.ref.index, r.value) == (115, 1, (axdr.OCTET_STRING, b"1" * 20))
    r = xdlms.parse_request(cx.ActionRequestNormal(cosem_method=ENTER).to_bytes())
    assert r.value is None


def test_their_aarq_and_rlrq_parse_with_ours():
    conn = DlmsConnection(authentication=NoSecurityAuthentication(), client_system_title=None)
    q = acse.parse_aarq(conn.get_aarq().to_bytes())
    assert q.context == acse.CONTEXT_LN and q.mechanism == acse.MECHANISM_LOWEST
    ini = acse.parse_initiate_request(q.user_information)
    assert ini.conformance & 0x200000  # dlms-cosem proposes general-block-transfer
    conn = DlmsConnection(authentication=LowLevelSecurityAuthentication(secret=b"pw12"), client_system_title=None)
    q = acse.parse_aarq(conn.get_aarq().to_bytes())
    assert q.mechanism == acse.MECHANISM_LLS and q.authentication_value == b"pw12"
    r = acse.parse_rlrq(conn.get_rlrq().to_bytes())
    assert r.reason == 0 and r.user_information[0] == acse.INITIATE_REQUEST


def _theirs(b):
    return XDlmsApduFactory.apdu_from_bytes(bytes(b))


def test_our_responses_parse_with_theirs():
    r = _theirs(xdlms.get_response_normal(0xC5, b"\x11\x07"))
    assert isinstance(r, cx.GetResponseNormal) and r.data == b"\x11\x07" and r.invoke_id_and_priority.invoke_id == 5
    r = _theirs(xdlms.get_response_normal(0xC5, xdlms.OBJECT_UNDEFINED))
    assert isinstance(r, cx.GetResponseNormalWithError) and r.error == en.DataAccessResult.OBJECT_UNDEFINED
    r = _theirs(xdlms.get_response_block(0xC1, False, 3, b"abc"))
    assert isinstance(r, cx.GetResponseWithBlock) and (r.block_number, r.data) == (3, b"abc")
    r = _theirs(xdlms.get_response_block(0xC1, True, 4, bytes(300)))
    assert isinstance(r, cx.GetResponseLastBlock) and len(r.data) == 300
    r = _theirs(xdlms.get_response_block_error(0xC1, 4, xdlms.LONG_GET_ABORTED))
    assert isinstance(r, cx.GetResponseLastBlockWithError) and r.error == en.DataAccessResult.LONG_GET_ABORTED
    r = _theirs(xdlms.get_response_with_list(0xC1, [b"\x11\x07", xdlms.READ_WRITE_DENIED]))
    assert isinstance(r, cx.GetResponseWithList) and len(r.response_data) == 2
    r = _theirs(xdlms.set_response_normal(0xC1, xdlms.SUCCESS))
    assert isinstance(r, cx.SetResponseNormal) and r.result == en.DataAccessResult.SUCCESS
    r = _theirs(xdlms.action_response_normal(0xC1, xdlms.SUCCESS))
    assert isinstance(r, cx.ActionResponseNormal) and r.status == en.ActionResultStatus.SUCCESS
    r = _theirs(xdlms.action_response_normal(0xC1, xdlms.SUCCESS, b"\x09\x01\x00"))
    assert isinstance(r, cx.ActionResponseNormalWithData) and r.data == b"\x09\x01\x00"
    r = _theirs(xdlms.action_response_normal(0xC1, xdlms.OTHER_REASON))
    assert r.status == en.ActionResultStatus.OTHER_REASON
    r = _theirs(xdlms.exception_response(1, 6, 11))
    assert isinstance(r, cx.ExceptionResponse) and r.invocation_counter_data == 11
    assert r.service_error == en.ServiceException.INVOCATION_COUNTER_ERROR
    r = _theirs(xdlms.exception_response(2, 2))
    assert r.state_error == en.StateException.SERVICE_UNKNOWN


def test_our_acse_parses_with_theirs():
    ui = acse.build_initiate_response(0x001E1D, 512)
    r = _theirs(acse.build_aare(acse.CONTEXT_LN, acse.ACCEPTED, acse.DIAG_NULL, user_information=ui))
    assert isinstance(r, cacse.ApplicationAssociationResponse) and r.result == en.AssociationResult.ACCEPTED
    ir = r.user_information.content
    assert ir.server_max_receive_pdu_size == 512 and ir.negotiated_conformance.get and ir.negotiated_conformance.action
    r = _theirs(acse.build_aare(acse.CONTEXT_LN, acse.REJECTED_PERMANENT, acse.DIAG_AUTHENTICATION_FAILURE,
                                mechanism=acse.MECHANISM_LLS, user_information=ui))
    assert r.result == en.AssociationResult.REJECTED_PERMANENT
    assert r.result_source_diagnostics == en.AcseServiceUserDiagnostics.AUTHENTICATION_FAILED
    assert r.authentication == en.AuthenticationMechanism.LLS
    r = _theirs(acse.build_aare(acse.CONTEXT_LN, acse.REJECTED_PERMANENT, acse.DIAG_NO_REASON,
                                user_information=acse.build_initiate_error(acse.INITIATE_VERSION_TOO_LOW)))
    assert isinstance(r.user_information.content, cx.ConfirmedServiceError)
    r = _theirs(acse.build_aare(acse.CONTEXT_LN_CIPHERED, acse.ACCEPTED, acse.DIAG_AUTHENTICATION_REQUIRED,
                                responding_ap_title=b"STS00001", mechanism=acse.MECHANISM_HLS_GMAC,
                                stoc=bytes(range(16)), user_information=ui))
    assert r.system_title == b"STS00001" and r.authentication_value == bytes(range(16))
    assert r.authentication == en.AuthenticationMechanism.HLS_GMAC and r.ciphered
    r = _theirs(Association(config(), 16).receive(b"\x62\x00").apdu)  # our RLRE to an RLRQ
    assert isinstance(r, cacse.ReleaseResponse) and r.reason == en.ReleaseResponseReason.NORMAL
