"""Run the portable test modules under the real `micropython` executable.

Each module in host_tests/portable/test_*.py runs in its own interpreter
process with a heap cap (-X heapsize, default 128k), so a MemoryError or a
crash is charged to the module that caused it. The firmware is imported as
mpy-cross bytecode (build/mpy/, rebuilt when a source is newer), as it is on
the board; the test modules themselves are compiled from source. Prints one
line per test and the closing line "N passed, N failed"; exits 1 on any
failure or crash.

--port wasm32 runs the same modules once more on the 32-bit WebAssembly
port under Node (tools/ci/mp32.mjs; `make mp32` installs it), whose heap
grows on demand: no cap there. What a module cannot do on that port it
declares in its first lines, with the reason:
    # mp32-skip: all: <why>                 the whole module
    # mp32-skip: test_a test_b: <why>       those tests
They are reported as SKIP lines and counted, never dropped silently.

    .venv/bin/python tools/ci/run_portable.py [--port unix|wasm32] [--heap 128k] [-k SUBSTRING] [MODULE ...]
"""
import argparse
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_firmware import build_mpy  # noqa: E402
from heap32 import Unavailable, mp32_command  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUNNER = os.path.join(ROOT, "tools", "ci", "mp_runner.py")


def micropython_exe():
    exe = os.path.join(os.path.dirname(sys.executable), "micropython")
    return exe if os.path.exists(exe) else "micropython"


def discover(root):
    portable = os.path.join(root, "host_tests", "portable")
    return sorted(f[:-3] for f in os.listdir(portable)
                  if f.startswith("test_") and f.endswith(".py"))


def declared_tests(root, name):
    with open(os.path.join(root, "host_tests", "portable", name + ".py")) as f:
        return [l[4:].split("(")[0] for l in f if l.startswith("def test_")]


def _k(size):
    return int(size[:-1]) * 1024 if size[-1:].lower() == "k" else int(size)


def declared(root, name, key):
    """The value of a `# key: value` line among a module's first lines."""
    try:
        with open(os.path.join(root, "host_tests", "portable", name + ".py")) as f:
            for _ in range(12):
                line = f.readline()
                if line.startswith("# %s:" % key):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def declared_heap(root, name):
    """A module may declare a larger heap it needs in its first lines,
    `# mp-heap: 256k` (with the measurement that justifies it), e.g. the
    composed DLMS server imported from source."""
    return declared(root, name, "mp-heap")


def declared_wasm_skip(root, name):
    """(test names or ["all"], reason) from `# mp32-skip: ...: reason`, or None.
    Raises ValueError when the reason is missing or a named test does not exist."""
    value = declared(root, name, "mp32-skip")
    if value is None:
        return None
    what, _, why = value.partition(":")
    names, why = what.split(), why.strip()
    if not names or not why:
        raise ValueError("%s: `# mp32-skip: TESTS|all: REASON` needs both" % name)
    defined = declared_tests(root, name)
    unknown = [n for n in names if n != "all" and n not in defined]
    if unknown:
        raise ValueError("%s: mp32-skip names no such test: %s" % (name, " ".join(unknown)))
    return (defined if names == ["all"] else names), why


def run_module(root, name, heap, timeout, firmware, port="unix"):
    note = ""
    if port == "wasm32":
        try:
            skip = declared_wasm_skip(root, name)
        except ValueError as exc:
            return name, "FAIL %s" % exc, 1, 0, 1, False
        names, why = skip or ((), "")
        if why:
            note = "(not on wasm32: %s)\n" % why
        if len(names) and len(names) == len(declared_tests(root, name)):
            return name, note + "".join("SKIP %s::%s\n" % (name, n) for n in names), 0, 0, 0, False
        cmd = mp32_command([(firmware, "/fw"), (os.path.join(root, "host_tests"), "/repo/host_tests"),
                            (os.path.join(root, "boards"), "/repo/boards")],
                           ["/fw", "/repo/host_tests/portable"], "/repo", RUNNER, [name] + list(names))
        env, need = None, None
    else:
        need = declared_heap(root, name)
        if need and _k(need) > _k(heap):
            heap = need
        env = dict(os.environ)
        # Paths relative to the root (the working directory): the heap then
        # holds the same strings wherever the repository is checked out, so
        # a heap-capped run behaves the same on every machine.
        env["MICROPYPATH"] = os.pathsep.join(
            # .frozen: the unix port's built-in modules (asyncio) stay importable
            [os.path.relpath(firmware, root), os.path.join("host_tests", "portable"), ".frozen"])
        cmd = [micropython_exe(), "-X", "heapsize=" + heap, os.path.relpath(RUNNER, root), name]
    try:
        proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True,
                              text=True, timeout=timeout)
        out, rc = note + proc.stdout + proc.stderr, proc.returncode
        if need and heap == need:
            out = "(heap %s, declared by the module)\n" % heap + out
    except subprocess.TimeoutExpired as exc:
        out = (exc.stdout or b"").decode(errors="replace") if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        out += "\nTIMEOUT after %ds" % timeout
        rc = -1
    passed = failed = None
    for line in out.splitlines():
        if line.startswith("RESULT %s " % name):
            _, _, p, f = line.split()
            passed, failed = int(p), int(f)
    crashed = passed is None or (rc != 0 and not failed)
    return name, out, rc, passed or 0, failed or 0, crashed


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", choices=("unix", "wasm32"), default="unix",
                    help="unix: the micropython executable (64-bit, heap cap); wasm32: the "
                    "32-bit WebAssembly port under Node (tools/ci/mp32.mjs)")
    ap.add_argument("--heap", default=os.environ.get("MP_HEAP", "128k"),
                    help="micropython -X heapsize= value (default 128k, env MP_HEAP)")
    ap.add_argument("--timeout", type=int, default=900, help="seconds per module")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("-k", default="", help="only modules whose name contains this")
    ap.add_argument("--root", default=ROOT, help="repository root whose tests to run")
    ap.add_argument("modules", nargs="*")
    args = ap.parse_args(argv)
    root = os.path.abspath(args.root)
    names = args.modules or [n for n in discover(root) if args.k in n]
    firmware, ok = build_mpy(root)
    if not ok:
        print("0 passed, 1 failed")
        return 1
    if args.port == "wasm32":
        try:
            mp32_command([], [], "/", RUNNER)
        except Unavailable as exc:
            print("FAIL wasm32 leg: %s\n0 passed, 1 failed" % exc)
            return 1
        print("wasm32: MicroPython WebAssembly (32-bit) under Node, heap grows on demand (no cap), "
              "%d portable modules, firmware as .mpy from %s"
              % (len(names), os.path.relpath(firmware, root)))
    else:
        print("micropython %s, heap cap %s, %d portable modules, firmware as .mpy from %s"
              % (micropython_exe(), args.heap, len(names), os.path.relpath(firmware, root)))
    total_p = total_f = total_s = 0
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for name, out, rc, p, f, crashed in pool.map(
                lambda n: run_module(root, n, args.heap, args.timeout, firmware, args.port), names):
            for line in out.splitlines():
                if not line.startswith("RESULT "):
                    print(line if line.startswith(("PASS", "FAIL", "SKIP")) else "  " + line)
                total_s += line.startswith("SKIP ")
            if crashed:
                f += 1
                print("CRASH %s: interpreter exited with status %s before finishing" % (name, rc))
            total_p += p
            total_f += f
    print("%d passed, %d failed%s" % (total_p, total_f, ", %d skipped" % total_s if total_s else ""))
    return 1 if total_f or not (total_p or total_f) else 0


if __name__ == "__main__":
    sys.exit(main())
