"""IEC 62056-21 mode E end to end (issue 13 item 5, dlms.md section 3).

gurux-dlms, unmodified, with InterfaceType.HDLC_WITH_MODE_E: the library
frames HDLC and leaves the sign-on to the application, so the test signs on
as Gurux's example reader does (dlms.md 3 and 8.1: request, identification
with the baud character at index 4, option select ACK 2 Z 2) and then reads
the meter. Our tools with --mode-e (pctools.meterclient): read_meter over the
virtual meter's pseudo-terminal, where pyserial really switches 300 7E1 ->
9600 8N1, send_token and cts over TCP, on CPython and on micropython. The
state machine itself and its timeouts: host_tests/portable/
test_dlms_iec62056_21.py (micropython and the 32-bit port)."""
import contextlib
import io
import os
import socket
import time

import pytest
from gurux_dlms import GXByteBuffer, GXReplyData
from gurux_dlms.enums import Authentication, DataType, InterfaceType
from gurux_dlms.objects import GXDLMSData, GXDLMSIECLocalPortSetup, GXDLMSTokenGateway
from gurux_dlms.GXDLMSClient import GXDLMSClient

import provision
from dlms import obis
from meter_tcp import MeterTcp, pack, vend
from pctools import cts, read_meter, send_token
from pctools.meterclient import MANAGEMENT, PUBLIC, MeterClient, MeterError
from test_sim_e2e import MICROPYTHON, Sim, tool

T = obis.to_text


@pytest.fixture
def mode_e_meter(tmp_path):
    m = MeterTcp(str(tmp_path / "m"), mode_e=True)
    yield m
    m.stop()


def _line(sock):
    data = b""
    while not data.endswith(b"\n"):
        chunk = sock.recv(256)
        assert chunk, "the meter closed the connection during the sign-on"
        data += chunk
    return data


def _gurux_sign_on(sock):
    """The sign-on of Gurux's example reader (GXDLMSReader.initializeOpticalHead,
    dlms.md 3): the rates are nominal on TCP."""
    sock.sendall(b"/?!\r\n")
    ident = _line(sock)
    assert ident[:1] == b"/" and ident[4:5] in b"0123456", ident
    sock.sendall(bytes((0x06, ord("2"), ident[4], ord("2"), 0x0D, 0x0A)))
    return ident


def _exchange(sock, client, frame):
    reply, notify, buf = GXReplyData(), GXReplyData(), GXByteBuffer()
    sock.sendall(bytes(frame))
    while not client.getData(buf, reply, notify):
        buf.set(sock.recv(4096))
    return reply


def _read(sock, client, obj, attr):
    reply = _exchange(sock, client, client.read(obj, attr)[0])
    return client.updateValue(obj, attr, reply.value)


def test_gurux_hdlc_with_mode_e_reads_the_meter_and_signs_on_again(mode_e_meter):
    m = mode_e_meter
    sock = socket.create_connection(("127.0.0.1", m.port), 5)
    sock.settimeout(5)
    try:
        for _ in range(2):  # after the session (DISC) the port is back at the sign-on
            ident = _gurux_sign_on(sock)
            assert ident == b"/XXx5\\2" + m.meter.sts.drn.encode() + b"\r\n"
            c = GXDLMSClient(True, 16, 1, Authentication.NONE, None,
                             InterfaceType.HDLC_WITH_MODE_E)
            c.parseUAResponse(_exchange(sock, c, c.snrmRequest()).data)
            c.parseAareResponse(_exchange(sock, c, c.aarqRequest()[0]).data)
            assert str(_read(sock, c, GXDLMSData(T(obis.DEVICE_ID)), 2)) == m.meter.sts.drn
            port = GXDLMSIECLocalPortSetup(T(obis.IEC_LOCAL_PORT_SETUP))
            for attr in (2, 3, 4):
                _read(sock, c, port, attr)
            # class 19: default mode IEC 62056-21, start at 300 baud, 9600 proposed
            assert (int(port.defaultMode), int(port.defaultBaudrate),
                    int(port.proposedBaudrate)) == (0, 0, 5)
            _exchange(sock, c, c.releaseRequest()[0])
            _exchange(sock, c, c.disconnectRequest())
            assert not m.call(lambda: m.app.server.link.connected)
    finally:
        sock.close()


def test_direct_hdlc_gets_no_answer_in_mode_e_and_mode_e_none_without(mode_e_meter, tmp_path):
    with pytest.raises(MeterError, match="no answer .* needs --mode-e"):
        MeterClient(mode_e_meter.url, client=PUBLIC, timeout=1).open()
    plain = MeterTcp(str(tmp_path / "plain"))
    try:
        with pytest.raises(MeterError, match="no IEC 62056-21 identification"):
            MeterClient(plain.url, client=PUBLIC, timeout=1, mode_e=True).open()
        with MeterClient(plain.url, client=PUBLIC) as c:  # and direct HDLC is its default
            port = GXDLMSIECLocalPortSetup(T(obis.IEC_LOCAL_PORT_SETUP))
            c.read(port, 2)
            assert int(port.defaultMode) == 1  # IEC 62056-46 (HDLC)
    finally:
        plain.stop()


def test_meterclient_mode_e_management_session(mode_e_meter):
    """The management client reads the invocation counter as the public
    client first: two sign-ons and two HDLC sessions, then a token."""
    seen = []
    with MeterClient(mode_e_meter.url, client=MANAGEMENT, mode_e=True,
                     tap=lambda d, b: seen.append((d, b))) as c:
        assert c.identification == "/XXx5\\2" + mode_e_meter.meter.sts.drn
        gw = GXDLMSTokenGateway(T(obis.TOKEN_GATEWAY))
        c.method(gw, 1, pack(vend("5"), "ascii"), DataType.OCTET_STRING)
        c.read(gw, 6)
        assert int(gw.statusCode) == 3  # executed
    assert [b for d, b in seen if d == "TX"].count(b"/?!\r\n") == 2
    assert [b for d, b in seen if d == "TX"].count(b"\x06252\r\n") == 2


@pytest.mark.parametrize("mp", [False, True], ids=["cpython", "micropython"])
def test_tools_with_mode_e_on_the_virtual_meter(tmp_path, mp):
    """tools/sim.py --mode-e: read_meter over the pseudo-terminal (--pty,
    CPython: pyserial changes the rate for real) or TCP, send_token and cts
    over TCP; the tools without --mode-e get no answer."""
    if mp and not os.path.exists(MICROPYTHON):
        pytest.skip("no micropython executable")
    sim = Sim(tmp_path / "m", mp=mp, extra=("--mode-e",) if mp else ("--mode-e", "--pty"))
    try:
        assert "(mode E)" in sim.ready
        port = sim.url() if mp else sim.ready.split("serial ")[1].strip()
        before = tool(read_meter, "--port", port, "--mode-e", "--json")
        sent = tool(send_token, vend("10"), "--port", sim.url(), "--mode-e", "--json")
        assert sent["status_code"] == 3 and sent["result"] is not None
        after = tool(read_meter, "--port", sim.url(), "--mode-e", "--json")
        assert after["credit"] == before["credit"] + 100  # 10.0 kWh in 0.1 kWh units
        rep = str(tmp_path / "cts.json")
        P = provision.DEV_PROVISION
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code, report = cts.run(cts.build_parser().parse_args(
                ["--port", sim.url(), "--mode-e", "--quiet", "--json", rep, "--key", P["key"],
                 "--sgc", str(P["sgc"]), "--base-date", str(P["base_date"]),
                 "--steps", "1,7"]), timer=time)
        assert code == 0, report
        err = io.StringIO()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            assert read_meter.main(["--port", sim.url(), "--timeout", "1"]) == 2
        assert "no answer" in err.getvalue() and "--mode-e" in err.getvalue()
        sim.quit()
    finally:
        if sim.proc.poll() is None:
            sim.kill()
