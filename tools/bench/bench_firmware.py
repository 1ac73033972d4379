"""The whole firmware on micropython: the virtual meter (tools/sim.py --mp,
boards/host/vmeter.py, firmware precompiled to .mpy) through a keypad token, a
remote token session (tools/send_token.py: two associations, HLS-GMAC) and a
register read (tools/read_meter.py). Reports:

- the smallest `-X heapsize` (32 KB steps) with which the whole session works
  (the peak need, fragmentation included);
- the heap in use after a collection at idle after the session (steady);
- the total .mpy size of firmware/ (bytecode, as `make flash` copies it).

Runs from CPython only (it starts micropython itself with its own heap caps);
under micropython it prints SKIP.

Options: none (-h, --help: this text).
Section in docs/benchmarks.md: "whole firmware".
"""
import benchutil

benchutil.usage(__name__)

import sys  # noqa: E402

if sys.implementation.name != "cpython":
    print("SKIP drives micropython from CPython")
    sys.exit(0)

import os  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, os.path.join(ROOT, "firmware"))
import sim  # noqa: E402
import provision  # noqa: E402
from sts import vend  # noqa: E402
from benchutil import free_port  # noqa: E402

KEY = bytes.fromhex(provision.DEV_PROVISION["key"])


def ctl(cport, cmd):
    with socket.create_connection(("127.0.0.1", cport), timeout=30) as s:
        s.sendall((cmd + "\n").encode())
        return s.makefile().readline().strip()


def session(heap, data):
    """True if the whole session works with this heap; (ok, steady bytes)."""
    p, c = free_port(), free_port()
    cmd, env, cwd = sim.command(["--headless", "--port", str(p), "--control", str(c),
                                 "--data", data, "--load", "0"], mp=True, heap=heap)
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        line = proc.stdout.readline()
        if not line.startswith("READY"):
            return False, None
        t1 = vend.vend(7, KEY, 0, 0, tid=vend.tid_for(2014, 2026, 11, 22, 10, 1), rnd=3, value=10)
        t2 = vend.vend(7, KEY, 0, 0, tid=vend.tid_for(2014, 2026, 11, 22, 10, 2), rnd=3, value=10)
        if ctl(c, "keys " + t1 + "#") != "OK Accept 01":
            return False, None
        r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "send_token.py"), t2,
                            "--port", "socket://127.0.0.1:%d" % p], capture_output=True,
                           text=True, timeout=60)
        if r.returncode != 0:
            return False, None
        r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "read_meter.py"),
                            "--port", "socket://127.0.0.1:%d" % p, "--json"],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0 or '"credit": 20' not in r.stdout:
            return False, None
        time.sleep(0.3)
        mem = ctl(c, "mem")
        steady = int(mem.split("alloc=")[1].split()[0])
        ctl(c, "quit")
        proc.wait(10)
        return True, steady
    except (OSError, IndexError, ValueError, subprocess.TimeoutExpired):
        return False, None
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


BREAKDOWN = """
import gc, os  # noqa: E402
gc.collect(); a0 = gc.mem_alloc()
import asyncio  # noqa: E402
import app, main, runtime, provision, hostmeter  # noqa: E402
from sts import processor, lockout  # noqa: E402
from dlms import server, obj_common, gcm, aes, hdlc_link, association  # noqa: E402
from binding import prepayment  # noqa: E402
from meter import token_entry, cts_control, account, keypad  # noqa: E402
gc.collect(); a1 = gc.mem_alloc()
A = hostmeter.HostMeter(%r, clock=lambda: 0, wallclock=lambda: 0).app
gc.collect(); a2 = gc.mem_alloc()
print(a1 - a0, a2 - a1)
"""


def breakdown(mpy):
    """(bytes of loaded modules, bytes of the App's objects) on micropython."""
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        env = dict(os.environ, MICROPYPATH=os.pathsep.join([mpy, ".frozen"]))
        r = subprocess.run([sim.tool("micropython"), "-X", "heapsize=2m", "-c", BREAKDOWN % d],
                           env=env, capture_output=True, text=True, timeout=60)
    a, b = r.stdout.split()
    return int(a), int(b)


def main():
    import tempfile
    mpy = sim.compile_mpy()
    total = n = 0
    for dirpath, _, files in os.walk(mpy):
        for f in files:
            src = os.path.join(ROOT, "firmware", os.path.relpath(os.path.join(dirpath, f), mpy))
            if f.endswith(".mpy") and os.path.exists(src[:-4] + ".py"):
                total += os.path.getsize(os.path.join(dirpath, f))
                n += 1
    print("ROW whole firmware|.mpy size, %d firmware modules|%.1f|KB|mpy-cross" % (n, total / 1024))
    lo, hi = 192, 512  # KB: fails / works
    steady = None
    while hi - lo > 32:
        mid = (lo + hi) // 2 // 32 * 32
        with tempfile.TemporaryDirectory() as d:
            ok, st = session("%dk" % mid, d)
        if ok:
            hi, steady = mid, st
        else:
            lo = mid
    if steady is None:
        with tempfile.TemporaryDirectory() as d:
            ok, steady = session("%dk" % hi, d)
    print("ROW whole firmware|smallest heap for keypad + remote token session (64-bit unix)|%d|KB|micropython"
          % hi)
    print("ROW whole firmware|heap in use at idle after the session|%.1f|KB|micropython" % (steady / 1024))
    mods, objs = breakdown(mpy)
    print("ROW whole firmware|of which: the modules imported before the build (bytecode in RAM)|%.1f|KB|micropython"
          % (mods / 1024))
    print("ROW whole firmware|of which: building the App (its objects and the modules the build loads)|%.1f|KB|micropython"
          % (objs / 1024))


main()
