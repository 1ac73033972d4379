"""CPython interop at the APDU level: dlms-cosem's own DlmsClient (unmodified)
talks to our Association through an in-memory transport (no HDLC)."""
import logging
import os

import pytest
import structlog
from dlms_cosem import cosem, enumerations, utils
from dlms_cosem.client import ActionError, DlmsClient
from dlms_cosem.cosem import Obis
from dlms_cosem.protocol import xdlms as cx
from dlms_cosem.security import (HighLevelSecurityGmacAuthentication, LowLevelSecurityAuthentication,
                                 NoSecurityAuthentication)

from dlms import association
import provision
import dlms_stub_server as stub

structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))

EK = bytes(range(16))
AK = bytes(range(0xD0, 0xE0))


class ApduTransport:
    """dlms-cosem DlmsTransport: hands each APDU straight to the server."""

    def __init__(self, server, sap):
        self.server = server
        self.sap = sap
        self.sent = []

    def connect(self):
        pass

    def disconnect(self):
        self.server.association(self.sap).release()

    def send_request(self, data):
        self.sent.append(bytes(data))
        return self.server.handle(self.sap, bytes(data))


def _server():
    return stub.StubServer(provision.dlms_config(None, os.urandom))


LDN_ATTR = cosem.CosemAttribute(enumerations.CosemInterface.DATA, Obis(0, 0, 42, 0, 0), 2)
LIST_ATTR = cosem.CosemAttribute(enumerations.CosemInterface.ASSOCIATION_LN, Obis(0, 0, 40, 0, 0), 2)
DISCONNECT = cosem.CosemMethod(enumerations.CosemInterface.DISCONNECT_CONTROL, Obis(0, 0, 96, 3, 10), 1)
ENTER = cosem.CosemMethod(enumerations.CosemInterface.TOKEN_GATEWAY, Obis(0, 0, 19, 40, 0), 1)


def test_public_client_get_and_block_transfer():
    server = _server()
    t = ApduTransport(server, 16)
    client = DlmsClient(transport=t, authentication=NoSecurityAuthentication())
    with client.session() as s:
        raw = s.get(LDN_ATTR)
        assert utils.parse_as_dlms_data(raw) == stub.LDN
        # a 2.6 kB object list: GET with data blocks, reassembled by the client
        assert s.get(LIST_ATTR) == stub.BIG
        # dlms-cosem proposes general-block-transfer; we must not grant it
        assert not client.dlms_connection.conformance.general_block_transfer
    assert server.association(16).state == association.IDLE
    assert t.sent[-1][:1] == b"\x62"  # RLRQ


def test_public_client_action_is_refused():
    server = _server()
    t = ApduTransport(server, 16)
    client = DlmsClient(transport=t, authentication=NoSecurityAuthentication())
    client.associate()
    # ACTION is outside the public client's conformance: exception-response
    # (dlms-cosem's state machine cannot continue after one, so no release)
    with pytest.raises(Exception):
        client.action(DISCONNECT, b"\x0f\x00")
    assert server.handle(16, t.sent[-1]) == b"\xd8\x01\x02"


def test_lls_client():
    server = _server()
    client = DlmsClient(transport=ApduTransport(server, 17),
                        authentication=LowLevelSecurityAuthentication(secret=b"Gurux"))
    with client.session() as s:
        assert utils.parse_as_dlms_data(s.get(LDN_ATTR)) == stub.LDN


def test_lls_wrong_password_is_rejected():
    server = _server()
    client = DlmsClient(transport=ApduTransport(server, 17),
                        authentication=LowLevelSecurityAuthentication(secret=b"nope"))
    with pytest.raises(Exception, match="REJECTED_PERMANENT|AUTHENTICATION_FAILURE"):
        client.associate()


def _hls_client(server, ic=0, title=b"DLMSCOSM"):
    return DlmsClient(transport=ApduTransport(server, 1),
                      authentication=HighLevelSecurityGmacAuthentication(challenge_length=16),
                      encryption_key=EK, authentication_key=AK, client_system_title=title,
                      client_initial_invocation_counter=ic)


def test_hls_gmac_ciphered_session():
    server = _server()
    t = None
    client = _hls_client(server, ic=100)
    t = client.transport
    with client.session() as s:
        assert server.association(1).state == association.ASSOCIATED
        assert utils.parse_as_dlms_data(s.get(LDN_ATTR)) == stub.LDN
        assert s.get(LIST_ATTR) == stub.BIG          # ciphered data blocks
        s.action(DISCONNECT, b"\x0f\x00")
        tok = b"12345678901234567890"
        s.action(ENTER, bytes([0x09, len(tok)]) + tok)
        r = s.set(cosem.CosemAttribute(enumerations.CosemInterface.DATA, Obis(0, 0, 96, 1, 0), 2),
                  b"\x09\x03abc")
        assert isinstance(r, cx.SetResponseNormal) and r.result == enumerations.DataAccessResult.SUCCESS
    # every request after the AARQ was general-glo-ciphered (dlms.md 6.1)
    assert all(b[0] == 0xDB for b in t.sent[1:-1])
    kinds = [k for k, _ in server.log]
    assert kinds.count(association.ACTION) == 2 and kinds.count(association.SET) == 1
    assert server.association(1).keys.rx_last >= 100


def test_hls_replayed_counter_is_refused():
    server = _server()
    with _hls_client(server, ic=500).session() as s:
        s.get(LDN_ATTR)
    # a second client that starts again at an old invocation counter
    client = _hls_client(server, ic=10)
    with pytest.raises(Exception):
        client.associate()
    assert server.association(1).state == association.IDLE
