"""The virtual meter's TCP port (boards/host/tcp_optical): one HDLC session at
a time, silent and waiting connections closed after the pre-SNRM timeout,
the waiting queue bounded, the HDLC inactivity timeout, one log line per
hang-up, requests in reads cut anywhere or several to a read, and a one-line
error for a port in use.

First the arbitration (OpticalPort) with the real DLMS server and time passed
in; then the same through real sockets (App + tcp_optical in a thread,
host_tests/meter_tcp.py) with the gurux-dlms client; then the virtual meter
process (tools/sim.py) on CPython and micropython, and tools/fleet.py."""
import os
import socket
import struct
import subprocess
import sys
import time

import pytest

from dlms import hdlc_frame as hf
from dlmsdata import apdu
from hdlc_testclient import Client, frames_in
from meter_tcp import MeterTcp
from test_sim_e2e import Sim

from boards.host import tcp_optical
from boards.host.hostmeter import HostMeter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PRE = 1000  # pre-SNRM timeout of the arbitration tests (ms of the injected clock)


class Conn:
    """A connection as the port sees it: what it was sent, whether it is closed."""

    def __init__(self, name):
        self.name = name
        self.sent = b""
        self.closed = False

    def write(self, data):
        assert not self.closed
        self.sent += data

    def close(self):
        self.closed = True

    def frames(self):
        out, self.sent = frames_in(self.sent), b""
        return out


@pytest.fixture
def port(tmp_path):
    a = HostMeter(str(tmp_path), clock=lambda: 0, wallclock=lambda: 848000000).app
    lines = []
    p = tcp_optical.OpticalPort(a.server, pre_snrm_ms=PRE, max_waiting=3, log=lines.append)
    p.lines = lines
    return p


def connect(port, name, now=0):
    c = Conn(name)
    port.accept(c, now)
    return c


def test_silent_connection_never_takes_the_port_and_times_out(port):
    silent = connect(port, "silent")
    other = connect(port, "other", 10)
    port.received(other, Client(16).snrm(), 20)
    assert [f.kind for f in other.frames()] == [hf.UA] and port.active is other
    port.tick(PRE - 1)
    assert not silent.closed
    port.tick(PRE)
    assert silent.closed and not other.closed  # `other` is in session
    assert port.lines == ["optical port: silent closed, silent for %d ms" % PRE]
    assert port.waiting == []


def test_waiting_queue_is_bounded(port):
    conns = [connect(port, "c%d" % i) for i in range(4)]
    assert [c.closed for c in conns] == [False, False, False, True]
    assert port.lines == ["optical port: c3 refused, 3 connections wait already"]


def test_second_client_waits_for_the_port_then_is_served(port):
    a, b = connect(port, "a"), connect(port, "b")
    port.received(a, Client(16).snrm(), 0)
    port.received(b, Client(17).snrm(), 5)
    assert a.frames()[0].kind == hf.UA and b.sent == b""
    port.received(a, Client(16).disc(), 10)  # a ends its session and hangs up
    assert a.frames()[0].kind == hf.UA
    port.closed(a, 20)
    assert port.active is b and [f.kind for f in b.frames()] == [hf.UA]
    assert port.lines == []  # an orderly end logs nothing


def test_a_waiting_client_is_refused_when_the_port_stays_busy(port):
    a, b = connect(port, "a"), connect(port, "b")
    port.received(a, Client(16).snrm(), 0)
    port.received(b, Client(17).snrm(), 0)
    port.received(a, Client(16).rr(), PRE - 1)  # a keeps its session alive
    port.tick(PRE)
    assert b.closed and not a.closed and b.sent == b""
    assert port.lines == ["optical port: b closed, waiting for %d ms" % PRE]


def test_no_snrm_within_the_pre_snrm_timeout(port):
    a, b = connect(port, "a"), connect(port, "b")
    port.received(a, b"\x7e\xa0", 0)  # has the port, but no SNRM follows
    port.received(b, Client(16).snrm(), 100)
    port.tick(PRE - 1)
    assert not a.closed and b.sent == b""
    port.tick(PRE)
    assert a.closed and port.active is b
    assert [f.kind for f in b.frames()] == [hf.UA]  # a's partial frame did not spoil b's SNRM
    assert port.lines == ["optical port: a closed, no HDLC session for %d ms" % PRE]


def test_hdlc_inactivity_timeout_ends_the_session_then_the_connection(port):
    port.server.link.settings.inactivity_timeout_ms = 5000
    a = connect(port, "a")
    port.received(a, Client(16).snrm(), 0)
    port.tick(4999)
    assert port.server.link.connected
    port.tick(5000)
    assert not port.server.link.connected and not a.closed
    port.tick(5000 + PRE - 1)
    assert not a.closed
    port.tick(5000 + PRE)
    assert a.closed and port.active is None


def test_hang_up_logs_one_line_and_releases_the_association(port):
    a = connect(port, "127.0.0.1:5555")
    c = Client(16)
    port.received(a, c.snrm(), 0)
    port.received(a, c.i(b"\xe6\xe6\x00" + apdu("aarq_public")), 1)
    assert port.server.associations
    port.closed(a, 2, ConnectionResetError())
    assert port.lines == ["optical port: 127.0.0.1:5555 hung up (ConnectionResetError)"]
    assert not port.server.link.connected and port.active is None
    b = connect(port, "b")
    port.received(b, Client(16).snrm(), 3)
    port.closed(b, 4)  # peer closed mid-session without DISC
    assert port.lines[1:] == ["optical port: b hung up during an HDLC session"]


def test_requests_cut_anywhere_or_sent_together_get_the_same_replies(port):
    # What a TCP stack may hand the port: a request in two reads cut after any
    # byte, the next connection's SNRM before the last one has closed, several
    # requests in one read. Each session gets the bytes a session of one
    # request a read got (the link parses a read of one frame in place,
    # hdlc_frame.whole, and sends the UA of the last SNRM again, hdlc_link).
    c = Client(16)
    reqs = [c.snrm(), c.i(b"\xe6\xe6\x00" + apdu("aarq_public"), ns=0, nr=0),
            c.i(b"\xe6\xe6\x00" + apdu("get_ldn"), ns=1, nr=1), c.disc()]
    t = [0]

    def read(conn, data):
        t[0] += 1  # 1 ms a read: no timeout comes near
        port.received(conn, data, t[0])
        out, conn.sent = conn.sent, b""
        return out

    prev = connect(port, "first")
    want = [read(prev, r) for r in reqs]
    assert [f.kind for f in frames_in(b"".join(want))] == [hf.UA, hf.I, hf.I, hf.UA]
    assert frames_in(want[2])[0].info[3:] == b"\xc4\x01\xc1\x00\x09\x0eSTS11111111115"
    for k in range(1, max(len(r) for r in reqs)):
        conn = connect(port, "cut%d" % k, t[0])
        for n, r in enumerate(reqs):
            assert read(conn, r[:k]) == (want[n] if n and k >= len(r) else b""), (k, n)
            if n == 0:  # it waits for the port: the last connection closes now
                port.closed(prev, t[0])
                assert conn.sent == (want[0] if k >= len(r) else b""), k
                conn.sent = b""
            if k < len(r):
                assert read(conn, r[k:]) == want[n], (k, n)
        prev = conn
    port.closed(prev, t[0])
    conn = connect(port, "together", t[0])
    assert read(conn, reqs[0]) == want[0]
    assert read(conn, reqs[1] + reqs[2]) == want[1] + want[2]
    assert read(conn, reqs[3]) == want[3]
    port.closed(conn, t[0])
    conn = connect(port, "all in one read", t[0])
    assert read(conn, b"".join(reqs)) == b"".join(want)
    assert port.lines == [] and port.server.link.errors == 0 and port.server.model.errors == 0


# -- through real sockets (CPython front end), gurux-dlms as the client ---------

def silent_socket(port):
    return socket.create_connection(("127.0.0.1", port), 5)


def eof_within(sock, seconds):
    """True when the server closes sock within `seconds` (client-side timeout)."""
    sock.settimeout(seconds)
    try:
        return sock.recv(64) == b""
    except socket.timeout:
        return False
    except ConnectionResetError:
        return True


def test_silent_client_does_not_block_a_gurux_read(tmp_path):
    from gurux_dlms.objects import GXDLMSData
    from pctools.meterclient import PUBLIC, MeterClient
    m = MeterTcp(str(tmp_path))
    try:
        silent = silent_socket(m.port)
        with MeterClient(m.url, client=PUBLIC, timeout=5) as c:  # fails after 5 s if blocked
            assert bytes(c.read(GXDLMSData("0.0.42.0.0.255"), 2)) == b"STS11111111115"
        silent.close()
    finally:
        m.stop()


def test_sockets_bounded_queue_pre_snrm_and_inactivity(tmp_path):
    lines = []
    m = MeterTcp(str(tmp_path), port_options={"pre_snrm_ms": 300, "max_waiting": 2,
                                                "log": lines.append})
    try:
        a, b = silent_socket(m.port), silent_socket(m.port)
        refused = silent_socket(m.port)
        assert eof_within(refused, 10)  # the third: closed at once
        assert eof_within(a, 10) and eof_within(b, 10)  # pre-SNRM timeout
        # a session that goes quiet: the HDLC inactivity timeout, then the pre-SNRM one
        m.call(lambda: setattr(m.app.server.link.settings, "inactivity_timeout_ms", 300))
        s = silent_socket(m.port)
        s.sendall(Client(16).snrm())
        assert frames_in(s.recv(64))[0].kind == hf.UA
        assert eof_within(s, 10)
        assert not m.call(lambda: m.app.server.link.connected)
        assert sum("refused" in ln for ln in lines) == 1
        assert sum("silent for 300 ms" in ln for ln in lines) == 2
        assert sum("no HDLC session" in ln for ln in lines) == 1
    finally:
        m.stop()


def test_sockets_hang_up_logs_one_line(tmp_path):
    lines = []
    m = MeterTcp(str(tmp_path), port_options={"log": lines.append})
    try:
        s = silent_socket(m.port)
        s.sendall(Client(16).snrm())
        assert frames_in(s.recv(64))[0].kind == hf.UA
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()  # RST
        for _ in range(100):
            if lines:
                break
            time.sleep(0.05)
        time.sleep(0.2)
        assert len(lines) == 1 and lines[0].endswith("hung up (ConnectionResetError)"), lines
        assert not m.call(lambda: m.app.server.link.connected)
    finally:
        m.stop()


# -- the virtual meter process and the fleet -------------------------------------

def sim(tmp_path, port, mp):
    return subprocess.Popen([sys.executable, os.path.join(ROOT, "tools", "sim.py")]
                            + (["--mp"] if mp else [])
                            + ["--headless", "--load", "0", "--port", str(port), "--data",
                               str(tmp_path / "meter")],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.mark.parametrize("mp", [False, True], ids=["cpython", "micropython"])
def test_virtual_meter_silent_client_and_hang_up(tmp_path, mp):
    """tools/sim.py: a read with a silent client connected, then a hang-up
    (RST) mid-session: one log line, no traceback, the meter serves on."""
    vm = Sim(tmp_path / "meter", mp)
    read = [sys.executable, os.path.join(ROOT, "tools", "read_meter.py"), "--port", vm.url(),
            "--json", "--timeout", "5"]
    try:
        silent = silent_socket(vm.port)
        assert subprocess.run(read, capture_output=True, timeout=60).returncode == 0
        s = silent_socket(vm.port)
        s.sendall(Client(16).snrm())
        assert frames_in(s.recv(64))[0].kind == hf.UA
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
        assert subprocess.run(read, capture_output=True, timeout=60).returncode == 0
        silent.close()
        vm.quit()
    finally:
        if vm.proc.poll() is None:
            vm.kill()
    out = "".join(vm.log)
    port_lines = [ln for ln in vm.log if ln.startswith("optical port:")]
    # the silent client may also be closed (3 s without a byte while others
    # wait) when the reads run slowly on a loaded machine: that line is fine
    hung_up = [ln for ln in port_lines if "hung up" in ln]
    assert len(hung_up) == 1, out
    assert all(ln in hung_up or "silent for" in ln for ln in port_lines), out
    assert "Traceback" not in out, out


@pytest.mark.parametrize("mp", [False, True], ids=["cpython", "micropython"])
def test_virtual_meter_port_in_use(tmp_path, mp):
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen(1)
    port = blocker.getsockname()[1]
    try:
        p = sim(tmp_path, port, mp)
        out = p.communicate(timeout=60)[0]
    finally:
        blocker.close()
    assert p.returncode == 2, out
    assert out.strip() == "error: TCP port %d on 127.0.0.1 is already in use" % port, out


def test_fleet_port_in_use(tmp_path):
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen(1)
    port = blocker.getsockname()[1]
    try:
        p = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "fleet.py"), "--meters",
                            "2", "--base-port", "0", "--one-port", str(port), "--data",
                            str(tmp_path / "d"), "--list", str(tmp_path / "l.csv")],
                           capture_output=True, text=True, timeout=60)
    finally:
        blocker.close()
    assert p.returncode == 2, p.stderr
    assert p.stderr.strip() == "fleet: error: TCP port %d on 127.0.0.1 is already in use" % port
