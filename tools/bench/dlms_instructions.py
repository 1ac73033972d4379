"""Instructions executed by the micropython unix executable per DLMS server
exchange, counted by valgrind (callgrind): unlike timings on a shared machine
these repeat exactly, so they compare two versions of the code. Not part of
`make bench` (needs valgrind, takes minutes).

    .venv/bin/python tools/bench/dlms_instructions.py [--tree DIR] [--only NAME] [--frozen]
        [--frames K] [--profile FILE]

The firmware runs as a board's does: compiled by mpy-cross with the board's
options (tools/ci/check_firmware.build_mpy, native modules for the host), so
that a module the meter loads again after unloading it (compat.unload) costs
what loading its .mpy costs, not a compilation.

--tree: measure the firmware of another checkout (e.g. `git archive <commit>
firmware | tar -x -C /tmp/before`) with this checkout's workloads. Each figure
is the difference between a run with N units of work and one with none,
divided by N: both runs do the same set-up, one unit of the work to load and
check what the firmware loads on first use, and a gc.collect(), with the GC
off after that. The runs differ in nothing else, not even in their command
line: the parameters come from a file as bytes (a different string would
move the cost of interning strings and the heap layout by up to 0.7 M).

--frozen: as if the firmware were frozen into the image (`make firmware`):
the modules as `make freeze` writes them (the const names inlined, no
companions and no __getattr__ for them: build_mpy(hook=False), as
tools/deploy.py write_frozen), compat.unload keeps every module
(compat.frozen says so), and the one load of each is in the set-up. An
upper bound: a frozen image has its qstrs built in, while a module loaded
from .mpy here searches them at run time. The app workload only: the
others' set-up runs the test clients in the measured interpreter, and they
read const names that such a build no longer answers.

--frames K: per frame of a session workload, as the difference between
running its first k and first k - 1 frames in each unit. --profile FILE keeps
the callgrind output of the run with work (callgrind_annotate FILE; subtract
a run without work to see what the work costs per C function).

Workloads: a plain and a ciphered GET; the remote token session (SNRM ..
DISC, HLS-GMAC, a token entered, its status read, RLRQ) on a fresh server
with RAM stand-ins for the stores (bench_dlms_session.new_server); and the
same session on a fresh meter as a board builds it (app.App: StateStore,
EventLog, the keys' and authentication stores) on hal.fs in a host folder
named without a root prefix, as on a board (host_tests/portable/heap_session,
the session the heap budget measures). That last one replays frames recorded
beforehand on CPython with the measured tree's firmware (build/
dlms_instructions_log), so nothing but the firmware and the meter's set-up
runs in the measured interpreter (until 2026-12 it recorded them there with
the test client, whose interned strings made the frozen count about 0.1 M
lower: docs/benchmarks.md).

Figures: printed, one line per workload; docs/benchmarks.md quotes them by hand
(the targets table and the token session CPU section).
"""
import os
import re
import shutil
import subprocess
import sys

from benchhelp import parser

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tools", "ci"))
from check_firmware import build_mpy  # noqa: E402
BUILD = os.path.join(ROOT, "build")
FS = os.path.join(BUILD, "dlms_instructions_fs")
PARAMS = os.path.join(BUILD, "dlms_instructions_params")

PROGRAM = r"""
import gc, os, sys
gc.disable()
p = open(sys.argv[1], "rb").read().split()
what, n, most, fs, cut = p[0], int(p[1]), int(p[2]), p[3].decode(), int(p[5])
if p[4] == b"frozen":  # as if frozen into the image: compat.unload keeps every module
    import compat
    compat.frozen = lambda name, path: True
# the same set-up whatever n: `most` units of work are made ready
if what == b"app":
    import heap_session as H, meter_tokens
    from hal.fs import FileSystem
    raw, log, i = open(p[6].decode(), "rb").read(), [], 0  # record(): frame, answer, ...
    while i < len(raw):
        k = raw[i] << 8 | raw[i + 1]
        log.append(raw[i + 2:i + 2 + k])
        i += 2 + k
    log, answers = log[0::2], log[1::2]
    made = []
    def unit():
        made.append(0)
        d = "%s/a%d" % (fs, len(made))
        os.mkdir(d)
        os.chdir(d)  # as on a board: paths relative to the current folder
        a = H.build_app(FileSystem(""))
        assert H.keypad_token(a, meter_tokens.TOKENS["dev_keypad"]) == 1
        return a, d
    log = log[:cut]
    units = [unit() for _ in range(most + 1)]
    def run(u):
        os.chdir(u[1])
        for f in log:
            u[0].server.receive_data(f, 0); u[0].server.data_to_send()
    todo = units[1:]
    os.chdir(units[0][1])  # the warm-up, which checks the session goes as recorded
    for f, want in zip(log, answers):
        units[0][0].server.receive_data(f, 0)
        assert bytes(units[0][0].server.data_to_send()) == want, "the replay went another way"
else:
    import bench_dlms_session as B
    from dlmsdata import apdu
    from hdlc_testclient import Client
    if what == b"session":
        log = []
        class Rec(B.Wire):
            def send(self, frame):
                log.append(bytes(frame))
                return B.Wire.send(self, frame)
        B.management_session(B.new_server()[0], B.tokens(1, 0)[0], Rec)
        log = log[:cut]
        servers = [B.new_server()[0] for _ in range(most + 1)]
        def run(s):
            for f in log:
                s.receive_data(f, 0); s.data_to_send()
        run(servers[0])
        todo = servers[1:]
    else:
        s, m = B.new_server()
        if what == b"plain":
            cl = Client(16, b"\x03")
            s.receive_data(cl.snrm(), 0); s.data_to_send()
            s.receive_data(cl.i(B.LLC + apdu("aarq_public")), 0); s.data_to_send()
            frames = [cl.i(B.LLC + apdu("get_ldn"), ns=(1 + k) & 7, nr=(1 + k) & 7) for k in range(most + 4)]
        else:
            cl = Client(1, b"\x03")
            s.receive_data(cl.snrm(), 0); s.data_to_send()
            w = B.Wire(s)
            B.request(w, cl, apdu("aarq_hls"))
            c = B.Glo(0xC9)
            B.request(w, cl, c.wrap(apdu("hls_action")))
            get = b"\xc0\x01\xc1" + B.GW + b"\x06\x00"
            frames = [cl.i(B.LLC + c.wrap(get), ns=(2 + k) & 7, nr=(2 + k) & 7) for k in range(most + 4)]
        def run(f):
            s.receive_data(f, 0); s.data_to_send()
        for f in frames[:4]:
            run(f)
        todo = frames[4:]
gc.collect()
for u in todo[:n]:
    run(u)
"""

# name, program's name for it, units of work per measurement
WORK = (("plain GET", "plain", 16), ("ciphered GET", "cipher", 16),
        ("token session, RAM stand-ins for the stores", "session", 2),
        ("token session, the meter as a board builds it", "app", 2))


# The app workload's frames, recorded on CPython with the measured tree's
# firmware (as tools/selfcheck.py records the board's): the measured
# interpreter loads no test client, whose reading of the inlined const names
# needs the companions a frozen image has not.
RECORD = r"""
import sys
import heap_session as H, meter_ramfs, meter_tokens
a = H.build_app(meter_ramfs.RamFs())
assert H.keypad_token(a, meter_tokens.TOKENS["dev_keypad"]) == 1
out = sys.stdout.buffer
for label, frame, answer in H.record(a, meter_tokens.TOKENS["dev_remote"]):
    out.write(len(frame).to_bytes(2, "big") + frame + len(answer).to_bytes(2, "big") + answer)
"""


def record(tree):
    """build/dlms_instructions_log: the app workload's request frames, each
    followed by the server's answer (the replay's warm-up checks them)."""
    path = os.path.join(BUILD, "dlms_instructions_log")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [os.path.join(tree, "firmware"), os.path.join(ROOT, "host_tests", "portable")]))
    p = subprocess.run([sys.executable, "-c", RECORD], env=env, capture_output=True, timeout=600)
    if p.returncode or not p.stdout:
        raise SystemExit("recording the session failed:\n%s" % p.stderr.decode()[-2000:])
    with open(path, "wb") as f:
        f.write(p.stdout)
    return path


def count(mpy, what, n, most, frozen=False, cut=99, out="/dev/null", log="-"):
    paths = [mpy, HERE, os.path.join(ROOT, "host_tests", "portable")]
    env = dict(os.environ, MICROPYPATH=os.pathsep.join(paths), PYTHONHASHSEED="0")
    prog = os.path.join(BUILD, "dlms_instructions_prog.py")
    os.makedirs(BUILD, exist_ok=True)
    with open(prog, "w") as f:
        f.write(PROGRAM)
    shutil.rmtree(FS, ignore_errors=True)
    os.makedirs(FS)
    with open(PARAMS, "w") as f:
        f.write("%s %d %d %s %s %d %s" % (what, n, most, FS, "frozen" if frozen else "mpy", cut, log))
    exe = os.path.join(os.path.dirname(sys.executable), "micropython")
    p = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out, exe,
                        "-X", "heapsize=32m", prog, PARAMS],
                       env=env, capture_output=True, text=True, timeout=1800)
    shutil.rmtree(FS, ignore_errors=True)
    m = re.search(r"Collected : ([\d,]+)", p.stderr)
    if p.returncode or not m:
        raise SystemExit("run failed (%s, %d):\n%s%s" % (what, n, p.stdout, p.stderr[-2000:]))
    return int(m.group(1).replace(",", ""))


def main():
    ap = parser(__doc__)
    ap.add_argument("--tree", default=ROOT, help="checkout whose firmware/ is measured")
    ap.add_argument("--only", help="one workload: plain, cipher, session or app")
    ap.add_argument("--frozen", action="store_true",
                    help="as if the firmware were frozen into the image (make freeze's "
                    "modules): nothing unloaded "
                    "(its qstrs are still searched as a .mpy's are: an upper bound)")
    ap.add_argument("--frames", type=int, default=0,
                    help="per frame of the session: the cost of running its first K frames "
                    "for K = 1.. (each the difference to K - 1)")
    ap.add_argument("--profile", metavar="FILE",
                    help="keep the callgrind output of the run with work (callgrind_annotate FILE)")
    args = ap.parse_args()
    if args.frozen and args.only not in (None, "app"):
        # their set-up runs the test clients in the measured interpreter
        ap.error("--frozen measures the app workload only")
    tree = os.path.abspath(args.tree)
    name = "this" if tree == ROOT else tree.strip(os.sep).replace(os.sep, "_")  # one per tree
    mpy, ok = build_mpy(tree, out=os.path.join(BUILD, "dlms_instructions_mpy", name),
                        hook=not args.frozen)
    if not ok:
        raise SystemExit("mpy-cross failed")
    for name, what, n in WORK:
        want = args.only or ("app" if args.frozen else None)
        if want and want != what:
            continue
        log = record(tree) if what == "app" else "-"
        if args.frames and what in ("session", "app"):
            last = 0
            for k in range(1, args.frames + 1):
                per = (count(mpy, what, n, n, args.frozen, k, log=log)
                       - count(mpy, what, 0, n, args.frozen, k, log=log)) / n
                print("%-40s frame %d %12.0f instructions" % (name, k, per - last))
                last = per
            continue
        out = args.profile or "/dev/null"
        per = (count(mpy, what, n, n, args.frozen, out=out, log=log)
               - count(mpy, what, 0, n, args.frozen, log=log)) / n
        print("%-46s %12.0f instructions" % (name, per))


if __name__ == "__main__":
    main()
