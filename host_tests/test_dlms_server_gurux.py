"""Interop (issue 5): gurux-dlms, unmodified (through tools/pctools/meterclient.py,
which only moves bytes), against the whole meter: app.App behind the host
board's HDLC-over-TCP adapter on a loopback port (host_tests/meter_tcp.py)."""
import datetime
import os
import sys
import time

import pytest
from gurux_dlms import GXReplyData
from gurux_dlms.enums import DataType, ObjectType
from gurux_dlms.objects import (GXDLMSAssociationLogicalName, GXDLMSClock, GXDLMSCredit,
                                GXDLMSData, GXDLMSDisconnectControl, GXDLMSTokenGateway)

from dlms import cosem, obis
from meter_tcp import ApduLog, MeterTcp, meter, pack, vend  # noqa: F401 (fixture)

from pctools.meterclient import MANAGEMENT, PUBLIC, READER, DlmsError, MeterClient  # noqa: E402

T = obis.to_text
EXECUTED, FORMAT_FAILURE, VALIDATION_FAILURE = 3, 4, 6
ACCEPT, USED = 1, 10  # STS result codes (vocab.py) carried in data_value


def tg():
    return GXDLMSTokenGateway(T(obis.TOKEN_GATEWAY))


def status(c):
    g = tg()
    c.read(g, 6)
    return int(g.statusCode), int(str(g.dataValue), 2)


def enter(c, octets):
    return c.method(tg(), 1, octets, DataType.OCTET_STRING)


def test_public_client_clock_ldn_object_list(meter):
    log = ApduLog(meter.app.server)
    with MeterClient(meter.url, client=PUBLIC) as c:
        t = c.read(GXDLMSClock(T(obis.CLOCK)), 2).value
        now = datetime.datetime.now(datetime.timezone.utc)
        assert abs((t.replace(tzinfo=datetime.timezone.utc) - now).total_seconds()) < 5
        assert bytes(c.read(GXDLMSData(T(obis.LOGICAL_DEVICE_NAME)), 2)) == b"STS11111111115"
        a = GXDLMSAssociationLogicalName()
        c.read(a, 2)
    objs = {(int(o.objectType), o.logicalName): o for o in a.objectList}
    assert len(objs) == len(meter.app.server.model.objects)
    gw = objs[(int(ObjectType.TOKEN_GATEWAY), "0.0.19.40.0.255")]
    for key in ((15, "0.0.40.0.0.255"), (70, "0.0.96.3.10.255"), (111, "0.0.19.0.0.255"),
                (112, "0.0.19.10.0.255"), (8, "0.0.1.0.0.255"), (1, "0.0.42.0.0.255")):
        assert key in objs
    # the public association's view: no method of the gateway
    assert int(gw.getMethodAccess(1)) == 0
    assert int(gw.getAccess(6)) == 0 and int(objs[(8, "0.0.1.0.0.255")].getAccess(2)) == 1
    # the object list does not fit one 512-byte PDU: it came in GET blocks
    assert log.tags(PUBLIC).count(0xC0) >= 2
    assert any(a[:2] == b"\xc0\x02" for s, a in log.apdus)


def test_management_session_token_gateway(meter):
    log = ApduLog(meter.app.server)
    token = vend("10", 1)
    credit0 = meter.credit()
    with MeterClient(meter.url, client=MANAGEMENT) as c:
        g = tg()
        for i in range(1, 7):
            c.read(g, i)
        assert g.logicalName == "0.0.19.40.0.255"
        assert enter(c, pack(token, "ascii")) is None  # action-result success
        c.read(g, 2)
        c.read(g, 5)
        assert bytes(g.token) == token.encode() and int(g.deliveryMethod) == 0  # remote
        c.read(g, 3)
        t = g.time.value.replace(tzinfo=datetime.timezone.utc)
        assert abs((t - datetime.datetime.now(datetime.timezone.utc)).total_seconds()) < 5
        assert status(c) == (EXECUTED, ACCEPT)
        credit = GXDLMSCredit(T(obis.CREDIT_TOKEN))
        c.read(credit, 2)
        assert credit.currentCreditAmount == credit0 + 100 == meter.credit()
        # the same token again: refused as Used, credit unchanged, still a
        # successful ACTION (the outcome is in token_status, docs/dlms.md)
        assert enter(c, pack(token, "ascii")) is None
        assert status(c) == (VALIDATION_FAILURE, USED)
        c.read(credit, 2)
        assert credit.currentCreditAmount == credit0 + 100
        # class 70: disconnect, then reconnect (control mode 1: ready for
        # reconnection, the customer confirms at the meter)
        dc = GXDLMSDisconnectControl(T(obis.DISCONNECT_CONTROL))
        c.read(dc, 2)
        assert dc.outputState is True and meter.relay.closed is True
        c.method(dc, 1, 0, DataType.INT8)
        c.read(dc, 2)
        c.read(dc, 3)
        assert dc.outputState is False and int(dc.controlState) == 0
        assert meter.relay.closed is False
        c.method(dc, 2, 0, DataType.INT8)
        c.read(dc, 3)
        assert int(dc.controlState) == 2 and meter.relay.closed is False
    # everything after the AARQ was ciphered (glo or general-glo), then released
    tags = log.tags(MANAGEMENT)
    assert tags[0] == 0x60 and all(t in (0xCB, 0xC9, 0xCF, 0xDB) for t in tags[1:-1])
    assert meter.app.server.associations[MANAGEMENT].state == 0


def test_remote_reconnect_connects_in_control_mode_4(tmp_path):
    m = MeterTcp(str(tmp_path), {"meter": {"control_mode": 4}})
    try:
        with MeterClient(m.url, client=MANAGEMENT) as c:
            enter(c, pack(vend("5", 2), "ascii"))
            dc = GXDLMSDisconnectControl(T(obis.DISCONNECT_CONTROL))
            c.method(dc, 1, 0, DataType.INT8)
            assert m.relay.closed is False
            c.method(dc, 2, 0, DataType.INT8)
            c.read(dc, 2)
            c.read(dc, 3)
            assert dc.outputState is True and int(dc.controlState) == 1 and m.relay.closed
    finally:
        m.stop()


@pytest.mark.parametrize("encoding", ["bcd", "binary"])
def test_token_encodings(meter, encoding):
    token = vend("2.5", 3)
    with MeterClient(meter.url, client=MANAGEMENT) as c:
        enter(c, pack(token, encoding))
        assert status(c) == (EXECUTED, ACCEPT)
        g = tg()
        c.read(g, 2)
        assert bytes(g.token) == pack(token, encoding)
    assert meter.credit() == 25


@pytest.mark.parametrize("octets", [b"1234567", b"1234567890123456789X", b"\x04" + bytes(8),
                                    b"\xff" * 9, b"\x1a" * 10])
def test_malformed_token_is_type_unmatched(meter, octets):
    with MeterClient(meter.url, client=MANAGEMENT) as c:
        with pytest.raises(DlmsError) as e:
            enter(c, octets)
        assert e.value.code == 12  # type-unmatched
        assert status(c)[0] == FORMAT_FAILURE
        # a wrong A-XDR type (visible-string of 5 bytes, integer) likewise
        with pytest.raises(DlmsError) as e:
            c.method(tg(), 1, 7, DataType.INT8)
        assert e.value.code == 12
    assert meter.credit() == 0


def test_lls_reader_client(meter):
    with MeterClient(meter.url, client=READER, password=b"Gurux") as c:
        assert status(c) == (0, 0)
        assert bytes(c.read(GXDLMSData(T(obis.LOGICAL_DEVICE_NAME)), 2)) == b"STS11111111115"
        with pytest.raises(Exception):  # no ACTION for the reader (conformance)
            enter(c, pack(vend("1", 4), "ascii"))
    assert meter.credit() == 0


def test_wrong_password_and_keys_are_rejected(meter):
    with pytest.raises(Exception):
        MeterClient(meter.url, client=READER, password=b"nope").open()
    with pytest.raises(Exception):
        MeterClient(meter.url, client=MANAGEMENT, authentication_key=bytes(16)).open()
    with pytest.raises(Exception):
        MeterClient(meter.url, client=MANAGEMENT, block_cipher_key=bytes(16)).open()
    assert all(a.state == 0 for a in meter.app.server.associations.values())
    # the right keys still work afterwards, once the delay the two failures
    # earned has passed (docs/security.md)
    time.sleep(meter.call(lambda: meter.app.server.guard.remaining(MANAGEMENT)) + 1)
    with MeterClient(meter.url, client=MANAGEMENT) as c:
        assert status(c) == (0, 0)


def test_public_client_is_denied_the_gateway(meter):
    token = vend("1", 5)
    with MeterClient(meter.url, client=PUBLIC) as c:
        with pytest.raises(DlmsError) as e:
            c.read(tg(), 2)  # the token itself is not public
        assert e.value.code == 3
        with pytest.raises(Exception):
            enter(c, pack(token, "ascii"))
    assert meter.credit() == 0


def test_replayed_invocation_counter_is_rejected(meter):
    with MeterClient(meter.url, client=MANAGEMENT) as c:
        used = c.client.ciphering.invocationCounter
        assert status(c) == (0, 0)
    for ic in (1, used - 1):
        with pytest.raises(Exception):
            MeterClient(meter.url, client=MANAGEMENT, invocation_counter=ic).open()
    assert meter.app.server.associations[MANAGEMENT].state == 0


def test_get_with_list(meter):
    with MeterClient(meter.url, client=MANAGEMENT) as c:
        ldn, g, clock = GXDLMSData(T(obis.LOGICAL_DEVICE_NAME)), tg(), GXDLMSClock(T(obis.CLOCK))
        items = [(ldn, 2), (g, 6), (clock, 3), (g, 5)]
        reply = GXReplyData()
        for frames in c.client.readList(items):  # one GET-with-list request
            c._block(frames, reply)
        c.client.updateValues(items, reply.value)
        assert bytes(ldn.value) == b"STS11111111115"
        assert int(g.statusCode) == 0 and clock.timeZone == 0 and int(g.deliveryMethod) == 0


def test_invocation_counter_persists_across_restart(meter):
    server = meter.app.server
    with MeterClient(meter.url, client=MANAGEMENT) as c:
        status(c)
        client_ic = c.client.ciphering.invocationCounter
    tx_before = server.keys.get(MANAGEMENT).tx
    meter.restart()  # power cycle: a new App on the same data directory
    counters = meter.app.server.keys.get(MANAGEMENT)
    assert counters.tx > tx_before  # the server never reuses a GCM nonce
    assert counters.rx_last >= client_ic - 1
    with pytest.raises(Exception):  # the old counter is still refused
        MeterClient(meter.url, client=MANAGEMENT, invocation_counter=client_ic - 2).open()
    with MeterClient(meter.url, client=MANAGEMENT) as c:  # reads the IC object first
        assert c.client.ciphering.invocationCounter >= client_ic
        assert status(c) == (0, 0)


def test_reject_is_error_policy(tmp_path):
    """Provisioned token_reject_is_error: a refused token is also a failed ACTION."""
    m = MeterTcp(str(tmp_path), {"token_reject_is_error": True})
    try:
        token = vend("1", 6)
        with MeterClient(m.url, client=MANAGEMENT) as c:
            assert enter(c, pack(token, "ascii")) is None
            with pytest.raises(DlmsError) as e:
                enter(c, pack(token, "ascii"))
            assert e.value.code == 250 and status(c) == (VALIDATION_FAILURE, USED)
        assert m.credit() == 10
    finally:
        m.stop()


def test_management_sets_the_clock(meter):
    from gurux_dlms import GXDateTime
    clock = GXDLMSClock(T(obis.CLOCK))
    later = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) + datetime.timedelta(days=3)
    with MeterClient(meter.url, client=MANAGEMENT) as c:
        clock.time = GXDateTime(later.replace(tzinfo=None))
        c.write(clock, 2)
        t = c.read(clock, 2).value.replace(tzinfo=datetime.timezone.utc)
        assert abs((t - later).total_seconds()) < 5
    with MeterClient(meter.url, client=PUBLIC) as c:
        with pytest.raises(Exception):  # SET is outside the public conformance
            c.write(clock, 2)


@pytest.mark.parametrize("client", [PUBLIC, MANAGEMENT])
def test_every_attribute_parses_with_gurux_types(meter, client):
    """Every attribute the object list marks readable reads and parses with
    gurux-dlms's typed class for that interface class; the others are denied."""
    with MeterClient(meter.url, client=client) as c:
        a = GXDLMSAssociationLogicalName()
        c.read(a, 2)
        readable = denied = 0
        for o in a.objectList:
            order = list(range(1, o.getAttributeCount() + 1))
            if o.objectType == ObjectType.PROFILE_GENERIC:  # gurux parses a buffer by its
                order.remove(3)  # capture objects: read them first, as its reader does
                order.insert(1, 3)
            for i in order:
                if int(o.getAccess(i)) & 1:
                    c.read(o, i)  # raises on a type gurux does not expect
                    readable += 1
                else:
                    with pytest.raises(DlmsError) as e:
                        c.read(o, i)
                    assert e.value.code == 3
                    denied += 1
    level = meter.app.server.levels[client]
    rights = [r for o in meter.app.server.model.objects for r, _ in o.ATTRS]
    assert readable == sum(1 for r in rights if r <= level) and readable + denied == len(rights)
    # management is denied only the secrets (HLS secret, local port passwords)
    assert client == PUBLIC or denied == sum(1 for r in rights if r == cosem.NOBODY) == 4


def test_send_token_tool(meter):
    """tools/send_token.py as a head-end developer runs it (README)."""
    import json
    import subprocess
    tool = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools",
                        "send_token.py")
    token = vend("3", 7)
    run = [sys.executable, tool, token, "--encoding", "bcd", "--json", "--port", meter.url]
    first = subprocess.run(run, capture_output=True, text=True, timeout=60)
    assert first.returncode == 0, first.stderr
    out = json.loads(first.stdout)  # stdout is the one JSON object
    assert out["status_code"] == 3 and out["credit"] == 30
    again = subprocess.run(run, capture_output=True, text=True, timeout=60)
    assert again.returncode == 1 and json.loads(again.stdout)["status_code"] == 6
