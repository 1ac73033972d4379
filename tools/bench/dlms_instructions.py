"""Instructions executed by the micropython unix executable per DLMS server
exchange, counted by valgrind (callgrind): unlike timings on a shared machine
these repeat to within about 1 %, so they compare two versions of the code.
Not part of `make bench` (needs valgrind, takes minutes).

    .venv/bin/python tools/bench/dlms_instructions.py [--tree DIR]

--tree: measure the firmware of another checkout (e.g. `git worktree add
/tmp/before <commit>`) with this checkout's workloads. Each figure is the
difference between runs with N1 and N2 repetitions, divided by N2 - N1, with
the GC off, so setup and import costs cancel out.
"""
import argparse
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

PROGRAM = r"""
import gc, sys
gc.disable()
import bench_dlms_session as B
from dlmsdata import apdu
from hdlc_testclient import Client
what, n = sys.argv[1], int(sys.argv[2])
if what == "plain GET":
    s, m = B.new_server()
    cl = Client(16, b"\x03")
    s.receive_data(cl.snrm(), 0); s.data_to_send()
    s.receive_data(cl.i(B.LLC + apdu("aarq_public")), 0); s.data_to_send()
    frames = [cl.i(B.LLC + apdu("get_ldn"), ns=(1 + k) & 7, nr=(1 + k) & 7) for k in range(8)]
    for k in range(n):
        s.receive_data(frames[k & 7], 0); s.data_to_send()
elif what == "ciphered GET":
    s, m = B.new_server()
    cl = Client(1, b"\x03")
    s.receive_data(cl.snrm(), 0); s.data_to_send()
    w = B.Wire(s)
    B.request(w, cl, apdu("aarq_hls"))
    c = B.Glo(0xC9)
    B.request(w, cl, c.wrap(apdu("hls_action")))
    get = b"\xc0\x01\xc1" + B.GW + b"\x06\x00"
    frames = [cl.i(B.LLC + c.wrap(get), ns=(2 + k) & 7, nr=(2 + k) & 7) for k in range(64)]
    for f in frames[:n]:
        s.receive_data(f, 0); s.data_to_send()
else:  # a recorded token session (SNRM .. DISC) replayed on fresh servers
    log = []
    class Rec(B.Wire):
        def send(self, frame):
            log.append(bytes(frame))
            return B.Wire.send(self, frame)
    B.management_session(B.new_server()[0], B.tokens(1, 0)[0], Rec)
    servers = [B.new_server()[0] for _ in range(8)]
    for s in servers[:n]:
        for f in log:
            s.receive_data(f, 0); s.data_to_send()
"""

WORK = (("plain GET", 20, 100), ("ciphered GET", 16, 64), ("token session", 2, 6))


def count(tree, what, n):
    paths = [os.path.join(tree, "firmware"), HERE, os.path.join(ROOT, "host_tests", "portable")]
    env = dict(os.environ, MICROPYPATH=os.pathsep.join(paths))
    prog = os.path.join(ROOT, "build", "dlms_instructions_prog.py")
    os.makedirs(os.path.dirname(prog), exist_ok=True)
    with open(prog, "w") as f:
        f.write(PROGRAM)
    exe = os.path.join(os.path.dirname(sys.executable), "micropython")
    p = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", exe,
                        "-X", "heapsize=32m", prog, what, str(n)],
                       env=env, capture_output=True, text=True, timeout=1800)
    m = re.search(r"Collected : ([\d,]+)", p.stderr)
    if p.returncode or not m:
        raise SystemExit("run failed (%s, %d):\n%s%s" % (what, n, p.stdout, p.stderr[-2000:]))
    return int(m.group(1).replace(",", ""))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tree", default=ROOT, help="checkout whose firmware/ is measured")
    args = ap.parse_args()
    for what, n1, n2 in WORK:
        per = (count(args.tree, what, n2) - count(args.tree, what, n1)) / (n2 - n1)
        print("%-14s %12.0f instructions" % (what, per))


if __name__ == "__main__":
    main()
