"""Instructions CPython executes per association setup on the virtual meter,
in process: the meter as vmeter builds it (hostmeter.HostMeter on the host
board), its port (tcp_optical.OpticalPort) and a connection object as the
asyncio front end makes it (tcp_optical._Conn on a stand-in transport), fed
the bytes gurux-dlms sends in tools/bench/bench_host_tcp.py's setup: connect,
SNRM, AARQ (public client, no authentication), DISC, close. Counted by
valgrind (callgrind) as the difference between a run with N setups and one
with none, divided by N: unlike timings on a shared machine these repeat, so
they compare two versions of the code (docs/benchmarks.md, "Association
setup on the virtual meter"). Not part of `make bench` (needs valgrind).

    .venv/bin/python tools/bench/setup_instructions.py [--tree DIR] [-n N] [--server | --open]
        [--bytecodes]

--tree: the checkout whose boards/host and firmware are measured (e.g.
`git worktree add /tmp/before <commit>`); --server: the DLMS server alone
(DlmsServer.receive_data / data_to_send), without the port and connection;
--open: the association on one connection kept open (SNRM, AARQ, DISC, as
bench_host_tcp.py's association row), without its arrival and close;
--bytecodes: no valgrind, the bytecodes of one setup (sys.settrace) split
into those a client waits for (from a frame's arrival to its reply's write,
also per frame), those after the writes and those of the connection's
arrival and close.

Figures: printed; docs/benchmarks.md quotes them by hand ("Association setup on
the virtual meter, over TCP").
"""
import os
import re
import subprocess
import sys

from benchhelp import parser

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# gurux-dlms 1.0's frames (client SAP 16, server 1) and what the meter answers
SNRM = "7ea0070321930f017e"
AARQ = ("7ea02b032110fbafe6e600601da109060760857405080101be10040e01000000065f1f0400401e5d"
        "ffff91237e")
DISC = "7ea00703215303c77e"
REPLIES = ("7ea01e210373c37a818012050180060180070400000001080400000001533b7e",
           "7ea0372103306c7ce6e7006129a109060760857405080101a203020100a305a103020100be10040e"
           "0800065f1f040000121402000007ea8d7e",
           "7ea00721037301407e")

PROGRAM = r"""
import sys, tempfile
tree, n, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
sys.path[:0] = [tree + "/boards/host", tree + "/firmware"]
import machine_stub
sys.modules["machine"] = machine_stub
import asyncio, board, hostmeter, tcp_optical
FRAMES = [bytes.fromhex(x) for x in %r]
REPLIES = [bytes.fromhex(x) for x in %r]
srv = hostmeter.HostMeter(tempfile.mkdtemp(), board=board).app.server
loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
port = tcp_optical.OpticalPort(srv, log=lambda line: None)
listener = tcp_optical.Listener(lambda: port)

class Transport:  # its write is C, as uvloop's is
    def __init__(self):
        self.out = []
        self.write = self.out.append
    def get_extra_info(self, name):
        return ("127.0.0.1", 40000)
    def close(self):
        pass

kept = []  # --open: the one connection

def setup():
    if mode == "open":  # SNRM, AARQ, DISC on a connection kept open
        if not kept:
            kept.append(tcp_optical._Conn(listener))
            kept[0].connection_made(Transport())
        c = kept[0]
        out = c.transport.out
        del out[:]
        for f in FRAMES:
            c.data_received(f)
        return list(out)
    if mode == "server":
        out = []
        for f in FRAMES:
            srv.receive_data(f, 1000)
            out.append(bytes(srv.data_to_send()))
        return out
    t = Transport()
    c = tcp_optical._Conn(listener)
    c.connection_made(t)
    for f in FRAMES:
        c.data_received(f)
    c.connection_lost(None)
    return t.out

for _ in range(3):  # every code path warm; the replies checked
    assert setup() == REPLIES, setup()
import gc
gc.collect()
for _ in range(n):
    setup()
if n < 0:  # --bytecodes: one setup traced, each bytecode counted where it ran
    phase = ["connection"]
    counts = {"connection": 0, "before": 0, "after": 0}
    frames = [0, 0, 0]  # before the replies, per frame

    def written(b):  # the transport's write: a frame's reply is out
        t.out.append(b)
        phase[0] = "after"

    def trace(frame, event, arg):
        if frame.f_code is not written.__code__:
            if event == "call":
                frame.f_trace_opcodes = True
            elif event == "opcode":
                counts[phase[0]] += 1
                if phase[0] == "before":
                    frames[i] += 1
        return trace
    t = Transport()
    t.write = written
    c = tcp_optical._Conn(listener)
    sys.settrace(trace)
    c.connection_made(t)
    for i, f in enumerate(FRAMES):
        phase[0] = "before"
        c.data_received(f)
    phase[0] = "connection"
    c.connection_lost(None)
    sys.settrace(None)
    assert t.out == REPLIES, t.out
    print("BYTECODES %%d %%d %%d %%d %%d %%d" %% (
        counts["before"], counts["after"], counts["connection"], frames[0], frames[1], frames[2]))
""" % ([SNRM, AARQ, DISC], list(REPLIES))


def count(tree, n, mode):
    """Instructions of one run of PROGRAM with n setups (callgrind)."""
    env = dict(os.environ, PYTHONHASHSEED="0")
    p = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                        sys.executable, "-c", PROGRAM, tree, str(n), mode],
                       capture_output=True, text=True, env=env)
    m = re.search(r"Collected : (\d+)", p.stderr)
    if p.returncode or not m:
        raise SystemExit(p.stderr[-2000:])
    return int(m.group(1))


def bytecodes(tree):
    """(before, after, connection, SNRM, AARQ, DISC): bytecodes of one setup
    from each frame's arrival to its reply's write (and that per frame),
    after those writes, and in the connection's arrival and close
    (sys.settrace, no valgrind)."""
    p = subprocess.run([sys.executable, "-c", PROGRAM, tree, "-1", "setup"], capture_output=True,
                       text=True, env=dict(os.environ, PYTHONHASHSEED="0"))
    m = re.search(r"BYTECODES" + r" (\d+)" * 6, p.stdout)
    if p.returncode or not m:
        raise SystemExit(p.stdout + p.stderr[-2000:])
    return tuple(int(x) for x in m.groups())


def main():
    ap = parser(__doc__)
    ap.add_argument("--tree", default=ROOT, help="checkout whose boards/host and firmware are measured")
    ap.add_argument("-n", type=int, default=400, help="setups in the run with work")
    ap.add_argument("--server", action="store_true", help="the DLMS server alone")
    ap.add_argument("--open", action="store_true",
                    help="the association on a connection kept open (SNRM, AARQ, DISC)")
    ap.add_argument("--bytecodes", action="store_true",
                    help="bytecodes of one setup before and after each reply's write (the "
                    "client waits for the first), instead of the instructions")
    args = ap.parse_args()
    tree = os.path.abspath(args.tree)
    if args.bytecodes:
        print("%s per setup (SNRM, AARQ, DISC; port and connection), CPython bytecodes: %d from "
              "a frame's arrival to its reply's write, %d after the writes, %d in the "
              "connection's arrival and close; before the replies SNRM %d, AARQ %d, DISC %d"
              % ((tree,) + bytecodes(tree)))
        return
    mode = "server" if args.server else "open" if args.open else "setup"
    per = (count(tree, args.n, mode) - count(tree, 0, mode)) / args.n
    print("%s per %s (SNRM, AARQ, DISC%s), CPython: %.0f instructions"
          % (tree, "association" if args.open else "setup",
             {"server": "; server only", "open": "; on an open connection"}.get(
                 mode, "; port and connection"), per))


if __name__ == "__main__":
    main()
