"""The virtual meter's TCP port (boards/host/tcp_optical) as a head-end sees it
(CPython drives, micropython prints SKIP; the servers run in their own
processes):
 - GET/s and association setup with the gurux-dlms client (public client,
   one TCP connection, TCP_NODELAY) against `tools/sim.py` on CPython and on
   micropython, and against a canned-reply server: a tiny blocking server in
   this file that answers each request frame with the reply our meter gave
   to the same bytes (recorded in a warm-up session). That is the client-only
   ceiling; the ratio to it is the figure to compare (issue 16 measured
   Gurux C at ~7,000 GET/s against a ~9,900 GET/s ceiling on its machine);
 - server CPU per GET and per setup from /proc (Linux);
 - a flood of silent connections (CPython meter): how many it holds, its RSS;
 - tools/send_token.py end to end (process start to exit), and of that the
   interpreter start and imports (`send_token.py --help`).
Other work shares the machine and its speed drifts within minutes, so the
servers take turns in ROUNDS rounds (each round in another order) and a
ratio is taken within each round, between figures measured moments apart:
the rows give the median of the rounds' ratios and the quartiles of them
(their spread); absolute figures are the median of the rounds. About 20 s on
a quiet machine.

Options: none (-h, --help: this text). (--canned TABLE is the canned-reply
server's own start, used by the script itself.)
Section in docs/benchmarks.md: "Virtual meter over TCP".
"""
import benchutil

benchutil.usage(__name__, options=("--canned",))

import sys  # noqa: E402

if sys.implementation.name != "cpython":
    print("SKIP bench_host_tcp: CPython drives it (the micropython server is measured from there)")
    sys.exit(0)

import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOLS = os.path.join(ROOT, "tools")
S = "Virtual meter over TCP"
GET_SECONDS = 3.0  # per server, in ROUNDS interleaved rounds
ROUNDS = 21  # (odd: the median is one round's)
ASSOCIATIONS = 20  # per server and round, on a kept connection and on new ones
FLOOD = 1000
TOKENS = 5


def frames(buf):
    """Split complete HDLC frames (7E, format with 11-bit length, ..., 7E)
    off the front of buf: (frames, rest)."""
    out = []
    while len(buf) >= 3 and buf[0] == 0x7E:
        n = ((buf[1] & 7) << 8 | buf[2]) + 2
        if len(buf) < n:
            break
        out.append(bytes(buf[:n]))
        buf = buf[n:]
    return out, buf


def canned_server(table_file):
    """Answer every request frame with its recorded reply, one connection at
    a time, until killed. Prints the port."""
    with open(table_file) as f:
        table = {bytes.fromhex(k): bytes.fromhex(v) for k, v in json.load(f).items()}
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(4)
    print(ls.getsockname()[1], flush=True)
    while True:
        c, _ = ls.accept()
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buf = b""
        while True:
            data = c.recv(4096)
            if not data:
                break
            got, buf = frames(buf + data)
            for fr in got:
                c.sendall(table[fr])
        c.close()


class Gurux:
    """gurux-dlms public client on a plain socket; records request -> reply."""

    def __init__(self, port, record=None):
        from gurux_dlms import GXDLMSClient
        from gurux_dlms.enums import Authentication, InterfaceType
        self.c = GXDLMSClient(True, 16, 1, Authentication.NONE, None, InterfaceType.HDLC)
        self.sock = socket.create_connection(("127.0.0.1", port), 10)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.record = record

    def packet(self, data):
        from gurux_dlms import GXByteBuffer, GXReplyData
        data = bytes(data)
        self.sock.sendall(data)
        buf, reply, notify = GXByteBuffer(), GXReplyData(), GXReplyData()
        raw = b""
        while not self.c.getData(buf, reply, notify):
            chunk = self.sock.recv(4096)
            if not chunk:
                raise SystemExit("the server closed the connection")
            raw += chunk
            buf.set(chunk)
        if reply.error:  # DM (no HDLC session), FRMR, RNR, REJ: gurux gives no value, no exception
            raise SystemExit("the meter answered %r to %s" % (reply.error, data.hex()))
        if self.record is not None:
            self.record[data.hex()] = raw.hex()
        return reply

    def associate(self):
        self.c.parseUAResponse(self.packet(self.c.snrmRequest()).data)
        self.c.parseAareResponse(self.packet(self.c.aarqRequest()[0]).data)

    def disconnect(self):
        self.packet(self.c.disconnectRequest())

    def close(self):
        self.sock.close()


class Target:
    """One server under test, with its gurux connection and its figures per
    round: GET/s, ms per association, ms per setup on a new connection."""

    def __init__(self, name, port, pid, record=None):
        from gurux_dlms.objects import GXDLMSData
        self.name, self.pid = name, pid
        self.g = Gurux(port, record)
        self.ldn = GXDLMSData("0.0.42.0.0.255")
        self.g.associate()
        self.port = port
        self.gets, self.cpu = 0, 0.0
        self.setups, self.setup_cpu = 0, 0.0  # all setup cycles, timed or not, and their CPU
        self.rate, self.assoc, self.setup = [], [], []

    def get_round(self, seconds):
        g, n = self.g, 0
        cpu0 = benchutil.proc_cpu_s(self.pid)
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < seconds or n < 16:  # every N(S)/N(R) pair (mod 8)
            reply = g.packet(g.c.read(self.ldn, 2)[0])
            n += 1
        dt = time.perf_counter() - t0
        self.cpu += benchutil.proc_cpu_s(self.pid) - cpu0
        self.gets += n
        self.rate.append(n / dt)
        assert bytes(reply.value).startswith(b"STS"), reply.value

    def associate_once(self):
        """SNRM, AARQ, DISC on the kept connection (the same bytes every time)."""
        self.g.associate()
        self.g.disconnect()

    def setup_once(self):
        """Connect, SNRM, AARQ, DISC, close: association setup as a head-end
        sees it, on a new TCP connection."""
        g = Gurux(self.port)
        g.associate()
        g.disconnect()
        g.close()

    def reconnect(self):
        """A new kept connection, associated (for the next GETs)."""
        self.g = Gurux(self.port)
        self.g.associate()


def turns(targets, n, what):
    """n turns in which each target does `what` twice (Target.associate_once
    or setup_once) and the second is timed: each target's time for that round,
    in ms per cycle. The servers alternate every two cycles, so a change in
    the machine's speed reaches all of them alike; each timed cycle follows
    one of the same server, whose leftover work it meets (the release after
    a DISC, the close), as in back-to-back setups, while the untimed one
    meets what the server before left."""
    ms = [0.0] * len(targets)
    for _ in range(n):
        for i, t in enumerate(targets):
            what(t)
            t0 = time.perf_counter()
            what(t)
            ms[i] += time.perf_counter() - t0
    return [m * 1000 / n for m in ms]


def ratios(mine, ceiling):
    """The per-round ratios of two lists of figures measured in the same rounds."""
    return [a / b for a, b in zip(mine, ceiling)]


def spread(values):
    """The quartiles of values, as "q1-q3" (the middle half of the rounds)."""
    q1, _, q3 = statistics.quantiles(values, n=4)
    return "%.2f-%.2f" % (q1, q3)


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(next(ln for ln in f if ln.startswith("VmRSS:")).split()[1])


def flood(port, pid, n=FLOOD):
    """n silent connections one after the other, all kept open: how many
    the meter still holds at the end (the rest it refused at once, or closed
    by the pre-SNRM timeout), and its RSS growth meanwhile."""
    rss0 = rss_kb(pid)
    socks = [socket.create_connection(("127.0.0.1", port), 10) for _ in range(n)]
    time.sleep(0.2)
    held = 0
    for s in socks:
        s.setblocking(False)
        try:
            held += s.recv(1) != b""  # b"": closed by the meter
        except BlockingIOError:
            held += 1
    grown = rss_kb(pid) - rss0
    for s in socks:
        s.close()
    return held, grown


def start_sim(tmp, mp):
    """tools/sim.py --headless in a subprocess; (process, port)."""
    port = benchutil.free_port()
    log = open(os.path.join(tmp, "sim-%s.log" % ("mp" if mp else "py")), "w+")
    proc = subprocess.Popen([sys.executable, os.path.join(TOOLS, "sim.py")] + (["--mp"] if mp else [])
                            + ["--headless", "--load", "0", "--port", str(port), "--data",
                               os.path.join(tmp, "mp" if mp else "py")],
                            stdout=log, stderr=subprocess.STDOUT)
    end = time.monotonic() + 120
    while time.monotonic() < end:
        log.seek(0)
        if "READY" in log.read():
            return proc, port
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    log.seek(0)
    raise SystemExit("the virtual meter did not start:\n" + log.read())


def send_token_ms(port):
    sys.path.insert(0, os.path.join(ROOT, "firmware"))
    from sts import vend
    key = bytes.fromhex("9ca1fc37b27dac93")  # provision.DEV_PROVISION
    tool = os.path.join(TOOLS, "send_token.py")
    runs, helps = [], []
    for i in range(TOKENS):
        tok = vend.vend(7, key, 0, 0, tid=vend.tid_for(2014, 2026, 1, 2, 0, 10 + i), value=10)
        t0 = time.perf_counter()
        p = subprocess.run([sys.executable, tool, tok.encode(), "--port",
                            "socket://127.0.0.1:%d" % port], capture_output=True, text=True)
        runs.append(time.perf_counter() - t0)
        assert p.returncode == 0, p.stdout + p.stderr
        t0 = time.perf_counter()
        subprocess.run([sys.executable, tool, "--help"], capture_output=True, check=True)
        helps.append(time.perf_counter() - t0)
    return min(runs) * 1000, min(helps) * 1000  # best of: the machine is shared


def main():
    tmp = tempfile.mkdtemp(prefix="bench_host_tcp")
    procs = []
    try:
        py, py_port = start_sim(tmp, False)
        mp, mp_port = start_sim(tmp, True)
        procs += [py, mp]
        record = {}  # the canned replies: what our meter answered to the same bytes
        warm = Target("record", py_port, py.pid, record)
        warm.get_round(0)
        warm.g.disconnect()
        warm.associate_once()
        warm.g.close()
        table = os.path.join(tmp, "canned.json")
        with open(table, "w") as f:
            json.dump(record, f)
        canned = subprocess.Popen([sys.executable, __file__, "--canned", table],
                                  stdout=subprocess.PIPE, text=True)
        procs.append(canned)
        ceiling = Target("canned", int(canned.stdout.readline()), canned.pid)
        targets = [ceiling, Target("cpython", py_port, py.pid),
                   Target("micropython", mp_port, mp.pid)]
        for r in range(ROUNDS):  # the servers take turns, each round in another order
            order = targets[r % 3:] + targets[:r % 3]
            for t in order:
                t.get_round(GET_SECONDS / ROUNDS)
                t.g.disconnect()
            for t, ms in zip(order, turns(order, ASSOCIATIONS, Target.associate_once)):
                t.assoc.append(ms)
                t.g.close()  # (the meter serves one connection at a time)
            cpu0 = [benchutil.proc_cpu_s(t.pid) for t in order]
            for t, ms, c0 in zip(order, turns(order, ASSOCIATIONS, Target.setup_once), cpu0):
                t.setup.append(ms)
                t.setup_cpu += benchutil.proc_cpu_s(t.pid) - c0
                t.setups += 2 * ASSOCIATIONS
                t.reconnect()
        for t in targets:
            t.g.close()
        held, grown = flood(py_port, py.pid)
        tok_ms, start_ms = send_token_ms(py_port)
        median = statistics.median
        row("GET/s, gurux-dlms client, canned-reply server (client-only ceiling)",
            median(ceiling.rate), "GET/s", "canned")
        row("association (SNRM, AARQ, DISC), canned-reply server", median(ceiling.assoc), "ms",
            "canned")
        row("association setup on a new connection (connect .. close), canned-reply server",
            median(ceiling.setup), "ms", "canned")
        row("  server process CPU per setup", ceiling.setup_cpu * 1e6 / ceiling.setups, "us",
            "canned")
        for t in targets[1:]:
            row("GET/s, gurux-dlms client, virtual meter (tools/sim.py, public client)",
                median(t.rate), "GET/s", t.name)
            row("  ratio to the client-only ceiling", ratios(t.rate, ceiling.rate), "x", t.name)
            row("server process CPU per GET", t.cpu * 1e6 / t.gets, "us", t.name)
            row("association (SNRM, AARQ, DISC), virtual meter", median(t.assoc), "ms", t.name)
            row("  ratio to the canned-reply server", ratios(t.assoc, ceiling.assoc), "x", t.name)
            row("association setup on a new connection (connect .. close), virtual meter",
                median(t.setup), "ms", t.name)
            row("  ratio to the canned-reply server", ratios(t.setup, ceiling.setup), "x", t.name)
            row("  server process CPU per setup", t.setup_cpu * 1e6 / t.setups, "us", t.name)
            row("    ratio to the canned-reply server's (all rounds)",
                t.setup_cpu * ceiling.setups / (t.setups * ceiling.setup_cpu), "x", t.name)
        row("%d silent connections opened and kept open: held by the meter at the end "
            "(at most 8, each for 3 s)" % FLOOD, held, "connections", "cpython")
        row("  meter process RSS growth meanwhile", grown, "KB", "cpython")
        row("tools/send_token.py end to end (best of %d, process start to exit)" % TOKENS,
            tok_ms, "ms", "cpython")
        row("  of which interpreter start and imports (send_token.py --help)", start_ms, "ms",
            "cpython")
    finally:
        for p in procs:
            p.terminate()
            p.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)


def row(metric, value, unit, on):
    """A list of per-round ratios gives two rows: their median, and their
    quartiles (the spread over the rounds)."""
    if isinstance(value, list):
        row(metric + " (median of %d rounds)" % len(value), statistics.median(value), unit, on)
        row("    middle half of the rounds (quartiles)", spread(value), unit, on)
        return
    if isinstance(value, float):
        value = "%.2f" % value if value < 10 else "%.0f" % value
    benchutil.row(S, metric, value, unit, on)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--canned"]:
        canned_server(sys.argv[2])
    else:
        main()
