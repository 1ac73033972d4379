"""The heap of the budgeted session (issue 10) on a 32-bit MicroPython.

Records the remote HLS-GMAC token session on CPython
(host_tests/portable/heap_session.py), then replays boot, meter, keypad
token and that session on the WebAssembly port (tools/ci/mp32.mjs) with the
firmware as mpy-cross bytecode (build/mpy), reading gc.mem_alloc() after
gc.collect() at every stage. `live` is the heap in use above the baseline
(the interpreter and this harness, before `import app`). --port unix runs
the same on the 64-bit `micropython` executable for comparison (fixed heap,
so the largest free block is known there).

    .venv/bin/python tools/ci/heap32.py [--port wasm32|unix]
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


def run_port(port, timeout=300, modules=False, heap=UNIX_HEAP):
    """The per-stage lines of heap_session.main() on `port` (unix: with a
    heap of `heap`)."""
    return _run_script(port, "import heap_session\nmp32_step = heap_session.main(%s, %s)\n"
                       % (port != "wasm32", modules), timeout, heap)


def parse(text):
    """{'stages': [(stage, alloc, largest or None, live)], 'keypad': n,
    'modules': [loaded at the end], 'peak': (stage, live), 'loaded':
    {stage: [modules first loaded in it]}}"""
    stages, keypad, modules, loaded = [], None, [], {}
    for line in text.splitlines():
        if line.startswith("STAGE "):
            stage, used, big = line[6:].rsplit("|", 2)
            stages.append((stage, int(used), None if big == "-" else int(big)))
        elif line.startswith("LOADED "):
            stage, mods = line[7:].rsplit("|", 1)
            loaded[stage] = [x for x in mods.split(",") if x]
        elif line.startswith("KEYPAD "):
            keypad = int(line.split()[1])
        elif line.startswith("MODULES"):
            modules = [m for m in line[8:].split(",") if m]
    if not stages or stages[0][0] != "baseline" or keypad is None:
        raise RuntimeError("no heap stages in the output:\n" + text)
    base = stages[0][1]
    rows = [(s, u, b, u - base) for s, u, b in stages]
    peak = max(rows[1:], key=lambda r: r[3])
    return {"stages": rows, "keypad": keypad, "modules": modules, "peak": (peak[0], peak[3]),
            "loaded": loaded}


def measure(port="wasm32", modules=False, heap=UNIX_HEAP):
    return parse(run_port(port, modules=modules, heap=heap))


def board_like_heap_k(wasm, unix):
    """The board's heap (heap_session.BOARD_HEAP_KB) in unix-port terms: scaled
    by the session's peak on the two ports (measure() results). The unix
    port's heap is fixed, so there the largest free block is known."""
    return heap_session.BOARD_HEAP_KB * unix["peak"][1] // wasm["peak"][1]


# -- which modules and objects make up the heap (make bench) ------------------

def _module_imports(name):
    """Firmware modules that module `name` imports when it is imported
    (its top-level import statements, those in a top-level try included)."""
    import ast
    fw = os.path.join(ROOT, "firmware")
    base = os.path.join(fw, *name.split("."))
    path = base + ".py" if os.path.exists(base + ".py") else os.path.join(base, "__init__.py")
    if not os.path.exists(path):
        return []  # the port's own (asyncio, binascii, ...)
    with open(path) as f:
        tree = ast.parse(f.read())
    body = []
    for node in tree.body:
        body += node.body + [h for h in node.handlers for h in h.body] \
            if isinstance(node, ast.Try) else [node]

    def known(mod):
        b = os.path.join(fw, *mod.split("."))
        return os.path.exists(b + ".py") or os.path.exists(os.path.join(b, "__init__.py"))

    out = []
    for node in body:
        mods = []
        if isinstance(node, ast.Import):
            mods = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            mods = [node.module] + [node.module + "." + a.name for a in node.names]
        for m in mods:
            parts = m.split(".")
            for i in range(1, len(parts) + 1):  # a package before its modules
                sub = ".".join(parts[:i])
                if known(sub) and sub != name and sub not in out:
                    out.append(sub)
    return out


def import_order(names):
    """`names` ordered so that each module comes after the firmware modules
    it imports at import time (importing them in turn loads one at a time)."""
    done, out = set(), []

    def visit(n, seen):
        if n in done or n in seen:
            return
        for d in _module_imports(n):
            visit(d, seen | {n})
        done.add(n)
        if n in wanted:
            out.append(n)

    wanted = set(names)
    for n in sorted(names):
        visit(n, frozenset())
    return out


BREAKDOWN = """import gc, sys, micropython
import compat
compat.unload = lambda *names: None  # nothing unloaded: each module counts once
import heap_session, meter_ramfs, session_data
PRELOAD = %r
ORDER = %r


def steps():
    out = [None, None]
    gen = heap_session.stages(session_data.EXCHANGES, session_data.KEYPAD, meter_ramfs.RamFs(), out)
    yield next(gen)
    for stage in ORDER[1:]:
        for m in PRELOAD.get(stage, ()):
            if m not in sys.modules:
                try:
                    __import__(m)
                except Exception:  # a native module this port cannot load: its importer falls back
                    pass
                yield "module " + m
        yield "stage " + next(gen)


gen, last = steps(), [None]


def step():
    if last[0] is not None:
        gc.collect()
        print("STEP %%s|%%d" %% (last[0], gc.mem_alloc()))
        micropython.qstr_info()
    last[0] = next(gen, None)
    return last[0] is not None


if sys.platform != "webassembly":
    while step():
        pass
else:
    mp32_step = step
"""


def _run_script(port, text, timeout=300, heap=UNIX_HEAP):
    mpy, ok = build_mpy(ROOT)
    if not ok:
        raise RuntimeError("mpy-cross failed")
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "session_data.py"), "w") as f:
            f.write(session_data(*record()))
        script = os.path.join(tmp, "heap_main.py")
        with open(script, "w") as f:
            f.write(text)
        if port == "wasm32":
            cmd = mp32_command([(mpy, "/fw"), (PORTABLE, "/portable"), (tmp, "/session")],
                               ["/session", "/fw", "/portable"], "/", script)
            env = None
        else:
            cmd = [venv_tool("micropython"), "-X", "heapsize=" + heap, script]
            env = dict(os.environ, MICROPYPATH=os.pathsep.join([tmp, mpy, PORTABLE, ".frozen"]))
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    if p.returncode:
        raise RuntimeError("heap script failed on %s:\n%s%s" % (port, p.stdout, p.stderr))
    return p.stdout


def breakdown(port="wasm32"):
    """What each stage of the session adds, module by module: the modules a
    stage loads are imported one at a time before it runs (dependencies
    first), then the stage runs and what it adds is its objects. Nothing is
    unloaded here (compat.unload is a no-op, compat counts in the baseline),
    so each module counts once, in the stage that first loads it. Returns
    [(label, bytes, new qstrs, their string bytes, qstr pool growth)] where
    label is "module NAME" or "stage NAME"; bytes include the qstrs' strings
    and any qstr pool the step had to allocate (pool growth: the port adds a
    pool twice the size of the last when one is full)."""
    import re
    m = measure(port, modules=True)
    order = [s[0] for s in m["stages"]]
    preload = dict((stage, import_order(mods)) for stage, mods in m["loaded"].items())
    text = _run_script(port, BREAKDOWN % (preload, order))
    rows, cur = [], None
    for line in text.splitlines():
        if line.startswith("STEP "):
            label, used = line[5:].rsplit("|", 1)
            cur = [label, int(used)]
        elif line.startswith("qstr pool:") and cur is not None:
            d = dict(re.findall(r"(\w+)=(\d+)", line))
            cur += [int(d["n_qstr"]), int(d["n_str_data_bytes"]), int(d["n_total_bytes"])]
            rows.append(cur)
            cur = None
    out = []
    for prev, r in zip(rows, rows[1:]):
        pool = (r[4] - r[3]) - (prev[4] - prev[3])
        out.append((r[0], r[1] - prev[1], r[2] - prev[2], r[3] - prev[3], pool))
    return out


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
