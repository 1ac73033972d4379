"""Interop (issue 5): dlms-cosem's DlmsClient, unmodified, with HdlcTransport
over BlockingTcpIO, against the whole meter (app.App behind the host board's
HDLC-over-TCP adapter, host_tests/meter_tcp.py)."""
import datetime
import logging

import pytest
import structlog
from dlms_cosem import cosem, enumerations as en, utils
from dlms_cosem.client import ActionError, DlmsClient
from dlms_cosem.cosem import Obis
from dlms_cosem.io import BlockingTcpIO, HdlcTransport
from dlms_cosem.security import (HighLevelSecurityGmacAuthentication, LowLevelSecurityAuthentication,
                                 NoSecurityAuthentication)

from meter_tcp import ApduLog, meter, pack, vend  # noqa: F401 (fixture)

structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))

EK = bytes(range(16))
AK = bytes(range(0xD0, 0xE0))
CI = en.CosemInterface


def attr(ci, ln, i):
    return cosem.CosemAttribute(ci, Obis(*ln), i)


CLOCK = attr(CI.CLOCK, (0, 0, 1, 0, 0), 2)
LDN = attr(CI.DATA, (0, 0, 42, 0, 0), 2)
IC = attr(CI.DATA, (0, 0, 43, 1, 0), 2)
OBJECT_LIST = attr(CI.ASSOCIATION_LN, (0, 0, 40, 0, 0), 2)
CREDIT = attr(CI.CREDIT, (0, 0, 19, 10, 0), 2)
TG = (0, 0, 19, 40, 0)
ENTER = cosem.CosemMethod(CI.TOKEN_GATEWAY, Obis(*TG), 1)
DC = (0, 0, 96, 3, 10)
DISCONNECT = cosem.CosemMethod(CI.DISCONNECT_CONTROL, Obis(*DC), 1)
RECONNECT = cosem.CosemMethod(CI.DISCONNECT_CONTROL, Obis(*DC), 2)


def transport(m, sap):
    return HdlcTransport(client_logical_address=sap, server_logical_address=1,
                         io=BlockingTcpIO(host="127.0.0.1", port=m.port, timeout=5), timeout=5)


def public(m):
    return DlmsClient(transport=transport(m, 16), authentication=NoSecurityAuthentication())


def management(m, ic=None, ak=AK):
    if ic is None:
        with public(m).session() as s:
            ic = utils.parse_as_dlms_data(s.get(IC))
    return DlmsClient(transport=transport(m, 1),
                      authentication=HighLevelSecurityGmacAuthentication(challenge_length=16),
                      encryption_key=EK, authentication_key=ak, client_system_title=b"DLMSCOSM",
                      client_initial_invocation_counter=ic)


def get(s, ci, ln, i):
    return utils.parse_as_dlms_data(s.get(attr(ci, ln, i)))


def token_status(s):
    # dlms-cosem 25.1 cannot decode a bit-string ("BitStringData have not
    # implemented byte conversion"): read structure{enum, bit-string(8)} by hand
    raw = s.get(attr(CI.TOKEN_GATEWAY, TG, 6))
    assert raw[:3] == b"\x02\x02\x16" and raw[4:6] == b"\x04\x08" and len(raw) == 7, raw.hex()
    return raw[3], raw[6]


def refused(client):
    client.connect()
    try:
        with pytest.raises(Exception):
            client.associate()
    finally:
        client.disconnect()


def octets(b):
    return bytes([0x09, len(b)]) + b


def test_public_client_clock_ldn_object_list(meter):
    log = ApduLog(meter.app.server)
    with public(meter).session() as s:
        raw = utils.parse_as_dlms_data(s.get(CLOCK))
        t = datetime.datetime(int.from_bytes(raw[:2], "big"), raw[2], raw[3], raw[5], raw[6], raw[7],
                              tzinfo=datetime.timezone.utc)
        assert abs((t - datetime.datetime.now(datetime.timezone.utc)).total_seconds()) < 5
        assert utils.parse_as_dlms_data(s.get(LDN)) == b"STS11111111115"
        objects = utils.parse_as_dlms_data(s.get(OBJECT_LIST))
    entries = {(o[0], bytes(o[2])) for o in objects}
    assert (115, bytes((0, 0, 19, 40, 0, 255))) in entries and (70, bytes((0, 0, 96, 3, 10, 255))) in entries
    assert len(entries) == len(meter.app.server.model.objects)
    assert any(a[:2] == b"\xc0\x02" for s, a in log.apdus)  # GET blocks (get-request-next)


def test_management_session_token_gateway(meter):
    token = vend("10", 11)
    with management(meter).session() as s:
        values = [get(s, CI.TOKEN_GATEWAY, TG, i) for i in range(1, 6)] + [token_status(s)]
        assert bytes(values[0]) == bytes((0, 0, 19, 40, 0, 255)) and values[4] == 0
        assert values[1] == b"" and values[3] == [] and values[5] == (0, 0)
        credit0 = utils.parse_as_dlms_data(s.get(CREDIT))
        objects = utils.parse_as_dlms_data(s.get(OBJECT_LIST))  # ciphered GET blocks
        assert len(objects) == len(meter.app.server.model.objects)
        assert s.action(ENTER, octets(pack(token, "ascii"))) is None
        assert token_status(s) == (3, 1)
        assert bytes(get(s, CI.TOKEN_GATEWAY, TG, 2)) == token.encode()
        assert utils.parse_as_dlms_data(s.get(CREDIT)) == credit0 + 100
        s.action(ENTER, octets(pack(token, "ascii")))  # again: Used
        assert token_status(s) == (6, 10)
        assert utils.parse_as_dlms_data(s.get(CREDIT)) == credit0 + 100
        assert get(s, CI.DISCONNECT_CONTROL, DC, 2) is True
        s.action(DISCONNECT, b"\x0f\x00")
        assert get(s, CI.DISCONNECT_CONTROL, DC, 2) is False and meter.relay.closed is False
        assert get(s, CI.DISCONNECT_CONTROL, DC, 3) == 0
        s.action(RECONNECT, b"\x0f\x00")
        assert get(s, CI.DISCONNECT_CONTROL, DC, 3) == 2  # control mode 1: ready
    assert meter.app.server.associations[1].state == 0  # released


@pytest.mark.parametrize("encoding", ["bcd", "binary"])
def test_token_encodings(meter, encoding):
    token = vend("1.5", 12)
    with management(meter).session() as s:
        s.action(ENTER, octets(pack(token, encoding)))
        assert token_status(s) == (3, 1)
    assert meter.credit() == 15


def test_malformed_token(meter):
    with management(meter).session() as s:
        with pytest.raises(ActionError):
            s.action(ENTER, octets(b"12345"))
        assert token_status(s)[0] == 4
        with pytest.raises(ActionError):
            s.action(ENTER, b"\x11\x05")  # unsigned, not an octet-string
        assert token_status(s)[0] == 4
    assert meter.credit() == 0


def test_lls_and_wrong_secrets(meter):
    c = DlmsClient(transport=transport(meter, 17),
                   authentication=LowLevelSecurityAuthentication(secret=b"Gurux"))
    with c.session() as s:
        assert utils.parse_as_dlms_data(s.get(LDN)) == b"STS11111111115"
        assert token_status(s) == (0, 0)
    bad = DlmsClient(transport=transport(meter, 17),
                     authentication=LowLevelSecurityAuthentication(secret=b"nope"))
    refused(bad)
    refused(management(meter, ak=bytes(16)))
    assert all(a.state == 0 for a in meter.app.server.associations.values())


def test_replayed_invocation_counter(meter):
    with public(meter).session() as s:
        ic = utils.parse_as_dlms_data(s.get(IC))
    with management(meter, ic=ic).session() as s:
        s.get(LDN)
    refused(management(meter, ic=ic))  # the same counters again
    refused(management(meter, ic=ic + 2))  # still behind
    assert meter.app.server.associations[1].state == 0


def test_get_with_list(meter):
    with management(meter).session() as s:
        items = [cosem.CosemAttributeWithSelection(a, None)
                 for a in (LDN, attr(CI.TOKEN_GATEWAY, TG, 5), attr(CI.CLOCK, (0, 0, 1, 0, 0), 3))]
        r = s.get_many(items).response_data
        assert [x.value for x in r] == [b"STS11111111115", 0, 0]
