"""The heap of the budgeted session (issue 10) on a 32-bit MicroPython.

Records the remote HLS-GMAC token session on CPython
(host_tests/portable/heap_session.py), then replays boot, meter, keypad
token and that session on the WebAssembly port (tools/ci/mp32.mjs) with the
firmware as mpy-cross bytecode (build/mpy), reading gc.mem_alloc() after
gc.collect() at every stage. `live` is the heap in use above the baseline
(the interpreter and this harness, before `import app`). --port unix runs
the same on the 64-bit `micropython` executable for comparison (fixed heap,
so the largest free block is known there).

    python tools/ci/heap32.py [--port wasm32|unix]
"""
import argparse
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PORTABLE = os.path.join(ROOT, "host_tests", "portable")
for _p in (os.path.join(ROOT, "firmware"), PORTABLE, HERE):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import heap_session  # noqa: E402
from check_firmware import build_mpy, venv_tool  # noqa: E402

MP32 = os.path.join(HERE, "mp32.mjs")
MP32_PACKAGE = os.path.join(HERE, "mp32", "node_modules", "@micropython",
                            "micropython-webassembly-pyscript", "micropython.mjs")
UNIX_HEAP = "1m"


class Unavailable(Exception):
    pass


def mp32_command(copies, paths, cwd, script, args=()):
    """node tools/ci/mp32.mjs ... (raises Unavailable when it is not installed)."""
    if not os.path.exists(MP32_PACKAGE):
        raise Unavailable("the MicroPython WebAssembly port is not installed: run `make mp32`")
    cmd = ["node", MP32]
    for host, port in copies:
        cmd += ["--copy", "%s=%s" % (host, port)]
    for p in paths:
        cmd += ["--path", p]
    return cmd + ["--cwd", cwd, script] + list(args)


def record(gets=0):
    """(exchanges, keypad token): the remote session recorded on CPython
    after the same keypad token, on a meter built as the measured one is."""
    import meter_ramfs
    import meter_tokens
    keypad, remote = meter_tokens.TOKENS["dev_keypad"], meter_tokens.TOKENS["dev_remote"]
    a = heap_session.build_app(meter_ramfs.RamFs())
    assert heap_session.keypad_token(a, keypad) == 1  # vocab.ACCEPT
    return heap_session.record(a, remote, gets), keypad


def session_data(exchanges, keypad):
    return "KEYPAD = %r\nEXCHANGES = [\n%s]\n" % (
        keypad, "".join("    %r,\n" % (e,) for e in exchanges))


def run_port(port, timeout=300):
    """The per-stage lines of heap_session.main() on `port`."""
    mpy, ok = build_mpy(ROOT)
    if not ok:
        raise RuntimeError("mpy-cross failed")
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "session_data.py"), "w") as f:
            f.write(session_data(*record()))
        script = os.path.join(tmp, "heap_main.py")
        with open(script, "w") as f:
            f.write("import heap_session\nmp32_step = heap_session.main(%s)\n" % (port != "wasm32"))
        if port == "wasm32":
            cmd = mp32_command([(mpy, "/fw"), (PORTABLE, "/portable"), (tmp, "/session")],
                               ["/session", "/fw", "/portable"], "/", script)
            env = None
        else:
            cmd = [venv_tool("micropython"), "-X", "heapsize=" + UNIX_HEAP, script]
            env = dict(os.environ, MICROPYPATH=os.pathsep.join([tmp, mpy, PORTABLE, ".frozen"]))
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    if p.returncode:
        raise RuntimeError("heap session failed on %s:\n%s%s" % (port, p.stdout, p.stderr))
    return p.stdout


def parse(text):
    """{'stages': [(stage, alloc, largest or None, live)], 'keypad': n,
    'lazy': [modules], 'peak': (stage, live)}"""
    stages, keypad, lazy = [], None, []
    for line in text.splitlines():
        if line.startswith("STAGE "):
            stage, used, big = line[6:].rsplit("|", 2)
            stages.append((stage, int(used), None if big == "-" else int(big)))
        elif line.startswith("KEYPAD "):
            keypad = int(line.split()[1])
        elif line.startswith("LAZY"):
            lazy = [m for m in line[5:].split(",") if m]
    if not stages or stages[0][0] != "baseline" or keypad is None:
        raise RuntimeError("no heap stages in the output:\n" + text)
    base = stages[0][1]
    rows = [(s, u, b, u - base) for s, u, b in stages]
    peak = max(rows[1:], key=lambda r: r[3])
    return {"stages": rows, "keypad": keypad, "lazy": lazy, "peak": (peak[0], peak[3])}


def measure(port="wasm32"):
    return parse(run_port(port))


SAME_CALL = """import gc
gc.collect()
a = gc.mem_alloc()
import app
gc.collect()
print("SAME_CALL", gc.mem_alloc() - a)
"""


def import_app_same_call():
    """Bytes `import app` seems to add on the WebAssembly port when read in
    the same top-level call: gc.collect() has not run yet, the import's
    garbage still counts (how issue 10's 134.6 KB was read)."""
    mpy, ok = build_mpy(ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        script = os.path.join(tmp, "same_call.py")
        with open(script, "w") as f:
            f.write(SAME_CALL)
        p = subprocess.run(mp32_command([(mpy, "/fw")], ["/fw"], "/", script),
                           capture_output=True, text=True, timeout=120)
    if not ok or p.returncode or "SAME_CALL" not in p.stdout:
        raise RuntimeError("import app failed on wasm32:\n" + p.stdout + p.stderr)
    return int(p.stdout.split("SAME_CALL")[1].split()[0])


def kb(n):
    return "%.1f" % (n / 1024)


def table(m, port="wasm32"):
    out = ["| stage | heap in use (KB) | live above baseline (KB) | largest free block (KB) |",
           "|---|---|---|---|"]
    for stage, used, big, live in m["stages"]:
        out.append("| %s | %s | %s | %s |" % (stage, kb(used), kb(live),
                                              "n/a" if big is None else kb(big)))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", choices=("wasm32", "unix"), default="wasm32")
    args = ap.parse_args(argv)
    try:
        m = measure(args.port)
    except Unavailable as exc:
        print("heap32: %s" % exc, file=sys.stderr)
        return 2
    print("\n".join(table(m, args.port)))
    stage, live = m["peak"]
    print("peak live heap %s KB (at %s)" % (kb(live), stage))
    if args.port == "wasm32":
        print("budget %d KB on this port (%d KB on the RP2040 x %d.%02d)" % (
            heap_session.WASM_BUDGET_KB, heap_session.BOARD_BUDGET_KB,
            heap_session.WASM_PER_BOARD_PCT // 100, heap_session.WASM_PER_BOARD_PCT % 100))
    return 0


if __name__ == "__main__":
    sys.exit(main())
