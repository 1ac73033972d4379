"""CPython interop at the APDU level: gurux-dlms's own GXDLMSClient /
GXDLMSSecureClient (unmodified, InterfaceType.PDU, i.e. no HDLC) against our
Association through the stand-in dispatcher."""
import os

import pytest
from gurux_dlms import GXByteBuffer, GXDLMSClient, GXReplyData
from gurux_dlms.enums import Authentication, DataType, InterfaceType, Security
from gurux_dlms.objects import (GXDLMSAssociationLogicalName, GXDLMSData, GXDLMSDisconnectControl,
                                GXDLMSTokenGateway)
from gurux_dlms.secure import GXDLMSSecureClient

from dlms import association
import provision
import dlms_stub_server as stub

EK = bytes(range(16))
AK = bytes(range(0xD0, 0xE0))


class Link:
    def __init__(self, sap):
        self.server = stub.StubServer(provision.dlms_config(None, os.urandom))
        self.sap = sap
        self.sent = []

    def xfer(self, client, requests):
        """gurux's usual loop: send, getData, receiverReady while more data."""
        reply = GXReplyData()
        flat = []
        for req in requests:  # readList returns one list of messages per PDU
            flat.extend(req if isinstance(req, list) else [req])
        for req in flat:
            self._one(client, req, reply)
            while reply.isMoreData():
                self._one(client, client.receiverReady(reply), reply)
        return reply

    def _one(self, client, req, reply):
        self.sent.append(bytes(req))
        client.getData(GXByteBuffer(self.server.handle(self.sap, bytes(req))), reply, None)


def test_public_client_reads_and_block_transfer():
    link = Link(16)
    c = GXDLMSClient(True, 16, 1, Authentication.NONE, None, InterfaceType.PDU)
    c.parseAareResponse(link.xfer(c, c.aarqRequest()).data)
    ldn = GXDLMSData("0.0.42.0.0.255")
    c.updateValue(ldn, 2, link.xfer(c, c.read(ldn, 2)).value)
    assert bytes(ldn.value) == stub.LDN
    aln = GXDLMSAssociationLogicalName()
    r = link.xfer(c, c.read(aln, 2))
    assert len(r.value) == 200                    # the 2.6 kB array, via data blocks
    assert sum(1 for s in link.sent if s[:2] == b"\xc0\x02") >= 5
    # GET-with-list (multiple references)
    dc = GXDLMSDisconnectControl("0.0.96.3.10.255")
    r = link.xfer(c, c.readList([(ldn, 2), (dc, 2)]))
    assert link.sent[-1][:2] == b"\xc0\x03"
    assert [bytes(v) if isinstance(v, (bytes, bytearray)) else v for v in r.value] == [stub.LDN, True]
    # a with-list result too long for one APDU goes out in data blocks as well
    r = link.xfer(c, c.readList([(aln, 2), (ldn, 2), (aln, 2)]))
    assert [len(v) for v in r.value] == [200, len(stub.LDN), 200]
    r = link.xfer(c, c.releaseRequest())
    assert link.server.association(16).state == association.IDLE


def test_public_client_cannot_act():
    link = Link(16)
    c = GXDLMSClient(True, 16, 1, Authentication.NONE, None, InterfaceType.PDU)
    c.parseAareResponse(link.xfer(c, c.aarqRequest()).data)
    dc = GXDLMSDisconnectControl("0.0.96.3.10.255")
    with pytest.raises(Exception):
        link.xfer(c, c.method(dc, 1, 0, DataType.INT8))


def test_lls_client():
    link = Link(17)
    c = GXDLMSClient(True, 17, 1, Authentication.LOW, "Gurux", InterfaceType.PDU)
    c.parseAareResponse(link.xfer(c, c.aarqRequest()).data)
    assert link.server.association(17).state == association.ASSOCIATED
    bad = Link(17)
    c = GXDLMSClient(True, 17, 1, Authentication.LOW, "wrong", InterfaceType.PDU)
    with pytest.raises(Exception):
        c.parseAareResponse(bad.xfer(c, c.aarqRequest()).data)
    assert bad.server.association(17).state == association.IDLE


def _secure_client(ic):
    c = GXDLMSSecureClient(True, 1, 1, Authentication.HIGH_GMAC, None, InterfaceType.PDU)
    c.ciphering.security = Security.AUTHENTICATION_ENCRYPTION
    c.ciphering.systemTitle = b"ABCDEFGH"
    c.ciphering.blockCipherKey = EK
    c.ciphering.authenticationKey = AK
    c.ciphering.invocationCounter = ic
    return c


def test_hls_gmac_management_session():
    link = Link(1)
    c = _secure_client(300)
    c.parseAareResponse(link.xfer(c, c.aarqRequest()).data)
    assert link.server.association(1).state == association.PENDING
    c.parseApplicationAssociationResponse(link.xfer(c, c.getApplicationAssociationRequest()).data)
    assert link.server.association(1).state == association.ASSOCIATED
    ldn = GXDLMSData("0.0.42.0.0.255")
    c.updateValue(ldn, 2, link.xfer(c, c.read(ldn, 2)).value)
    assert bytes(ldn.value) == stub.LDN
    assert len(link.xfer(c, c.read(GXDLMSAssociationLogicalName(), 2)).value) == 200
    dc = GXDLMSDisconnectControl("0.0.96.3.10.255")
    assert link.xfer(c, c.method(dc, 1, 0, DataType.INT8)).error == 0
    tg = GXDLMSTokenGateway()
    assert link.xfer(c, c.method(tg, 1, b"12345678901234567890", DataType.OCTET_STRING)).error == 0
    note = GXDLMSData("0.0.96.1.0.255")
    note.value = "abc"
    note.setDataType(2, DataType.OCTET_STRING)
    assert link.xfer(c, c.write(note, 2)).error == 0
    link.xfer(c, c.releaseRequest())
    # glo-action for the HLS reply, then general-glo-ciphering (dlms.md 6.1)
    assert link.sent[1][0] == 0xCB and all(s[0] == 0xDB for s in link.sent[2:-1])
    kinds = [k for k, _ in link.server.log]
    assert kinds.count(association.ACTION) == 2 and kinds.count(association.SET) == 1


def test_hls_wrong_key_fails():
    link = Link(1)
    c = _secure_client(5)
    c.ciphering.authenticationKey = bytes(16)
    with pytest.raises(Exception):
        c.parseAareResponse(link.xfer(c, c.aarqRequest()).data)
        c.parseApplicationAssociationResponse(link.xfer(c, c.getApplicationAssociationRequest()).data)
    assert link.server.association(1).state != association.ASSOCIATED


def test_hls_gmac_authenticated_only_policy():
    # security control 0x10: the APDU travels in clear with a GMAC tag (dlms.md 6.1)
    link = Link(1)
    link.server.config.clients[1].policy = Security.AUTHENTICATION
    c = _secure_client(50)
    c.ciphering.security = Security.AUTHENTICATION
    c.parseAareResponse(link.xfer(c, c.aarqRequest()).data)
    c.parseApplicationAssociationResponse(link.xfer(c, c.getApplicationAssociationRequest()).data)
    ldn = GXDLMSData("0.0.42.0.0.255")
    c.updateValue(ldn, 2, link.xfer(c, c.read(ldn, 2)).value)
    assert bytes(ldn.value) == stub.LDN
    get = link.sent[-1]
    assert get[0] == 0xDB and get[11] == 0x10 and b"\xc0\x01" in get  # plaintext inside
