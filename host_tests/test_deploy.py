# CPython: tools/deploy.py without a board. The compile path (mpy-cross per
# architecture, output importable by real MicroPython), the flash command
# line (--dry-run), the board-side scripts run by micropython on a RAM
# littlefs mounted at "/", and the freeze manifest.
import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEPLOY = os.path.join(ROOT, "tools", "deploy.py")
import deploy  # noqa: E402

sys.path.insert(0, os.path.join(ROOT, "tools", "ci"))
import check_firmware  # noqa: E402
from mp_ram_root import mount_ram_root  # noqa: E402

# one worker runs this module under `pytest -n 2 --dist loadgroup` (make test), so
# its module fixtures (a compiled build per board, one flash dry run) are made once
pytestmark = pytest.mark.xdist_group("deploy")

HARDWARE = {"rpi_pico": "armv6m", "rpi_pico_w": "armv6m", "esp32_devkitc": "xtensawin"}
MICROPYTHON = os.path.join(os.path.dirname(sys.executable), "micropython")


def run(*args):
    p = subprocess.run([sys.executable, DEPLOY] + list(args), capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def modules():
    return [rel for rel, _ in deploy.firmware_sources()]


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    """compile_firmware once per board for the whole module: board name ->
    (build folder, files written, mpy-cross command lines run)."""
    done = {}

    def build(name):
        if name not in done:
            out = tmp_path_factory.mktemp(name)
            calls = []
            real = subprocess.run

            def spy(cmd, **kw):
                calls.append(cmd)
                return real(cmd, **kw)

            with pytest.MonkeyPatch.context() as mp:
                mp.setattr(deploy.subprocess, "run", spy)
                files = deploy.compile_firmware(deploy.hardware_board(name), str(out))
            done[name] = (out, files, calls)
        return done[name]
    return build


@pytest.fixture(scope="module")
def pico_flash_dry_run(tmp_path_factory):
    """`deploy.py flash --board rpi_pico --dry-run`, once: (build folder, exit status, output)."""
    out = tmp_path_factory.mktemp("flash")
    rc, text = run("flash", "--board", "rpi_pico", "--port", "/dev/ttyACM0", "--dry-run",
                   "--build", str(out))
    return out, rc, text


@pytest.mark.parametrize("name", sorted(HARDWARE))
def test_compile_uses_the_board_arch_and_writes_every_module(name, compiled):
    tmp_path, files, calls = compiled(name)
    calls = [c for c in calls if "mpy-cross" in c[0]]
    # the slot's modules with the companions of the const names the build
    # inlines (tools/ci/inline_consts.py), and bootslot outside the slots (docs/update.md)
    n = len(modules()) + len(deploy.companions())
    assert len(files) == n and len(calls) == n + 1
    assert all("-march=" + HARDWARE[name] in c for c in calls)
    assert (tmp_path / "fs" / "bootslot.mpy").read_bytes()[:2] == b"M\x06"
    assert (tmp_path / "fs" / "lib" / "INFO").read_text().startswith("id stsmeter-")
    for rel in modules():
        mpy = tmp_path / "fs" / "lib" / (rel[:-3] + ".mpy")
        head = mpy.read_bytes()[:2]
        assert head == b"M\x06", rel  # .mpy format version 6
    assert (tmp_path / "fs" / "board.py").read_text() == open(
        os.path.join(ROOT, "boards", name, "board.py")).read()
    assert (tmp_path / "fs" / "main.py").exists() == os.path.exists(
        os.path.join(ROOT, "firmware", "main.py"))


def test_compiled_build_imports_under_micropython(compiled):
    tmp_path = compiled("rpi_pico")[0]
    fs = tmp_path / "fs"
    # native code (dlms/native.py, sts/native.py) is the board's (armv6m): this
    # host refuses it, and its importers fall back to their portable loops
    native = {rel[:-3].replace("/", ".") for rel, full in deploy.firmware_sources()
              if check_firmware.has_native_code(full)}
    assert native == {"dlms.native", "sts.native"}
    names = [rel[:-3].replace("/", ".").replace(".__init__", "") for rel in modules()]
    env = dict(os.environ, MICROPYPATH=":".join([".frozen", str(fs / "lib"), str(fs)]))

    def load(name):
        # one interpreter per module, with the import check's heaps
        heap = "256k" if name in check_firmware.WHOLE_FIRMWARE else "128k"
        code = "import board\nimport %s\nprint('ok', board.NAME)" % name
        p = subprocess.run([MICROPYTHON, "-X", "heapsize=" + heap, "-c", code], env=env,
                           cwd=str(tmp_path), capture_output=True, text=True, timeout=60)
        if name in native:
            return name, "incompatible .mpy arch" in p.stdout + p.stderr, p.stdout + p.stderr
        return name, p.returncode == 0 and "ok rpi_pico" in p.stdout, p.stdout + p.stderr

    with ThreadPoolExecutor(max_workers=2) as pool:
        for name, ok, out in pool.map(load, names):
            assert ok, (name, out)
    # only .mpy files are importable there: the sources are not on that path
    assert not list((fs / "lib").rglob("*.py"))


def test_flash_dry_run_prints_mpremote_commands(pico_flash_dry_run):
    tmp_path, rc, out = pico_flash_dry_run
    assert rc == 0, out
    line = [l for l in out.splitlines() if "mpremote" in l][0]
    cwd, _, cmd = line.partition(" && ")
    assert cwd == "cd %s" % (tmp_path / "rpi_pico" / "fs")
    words = cmd.split()
    assert words[1:5] == ["connect", "/dev/ttyACM0", "run", "../prepare.py"]
    i = words.index("-r")
    srcs = words[i + 1:words.index(":lib")]
    pkgs, mods = deploy.top_level_entries()
    assert sorted(srcs) == sorted(["lib/%s.mpy" % m for m in mods] + ["lib/" + p for p in pkgs]
                                  + ["lib/INFO"])
    for s in srcs:  # every copied path exists in the build
        assert (tmp_path / "rpi_pico" / "fs" / s).exists(), s
    assert "fs cp board.py :board.py + reset" in cmd
    assert "fs cp bootslot.mpy :bootslot.mpy" in cmd and "fs cp main.py :main.py" in cmd
    assert (tmp_path / "rpi_pico" / "prepare.py").exists()


def test_flash_frozen_copies_only_main_and_board(tmp_path):
    rc, out = run("flash", "--frozen", "--board", "esp32_devkitc", "--dry-run",
                  "--build", str(tmp_path))
    assert rc == 0, out
    assert "connect PORT run ../prepare.py" in out and "fs cp -r lib/INFO :lib" in out
    assert "fs cp board.py :board.py" in out and "bootslot" not in out


def test_refusals():
    rc, out = run("flash", "--board", "host", "--dry-run")
    assert rc == 2 and "make sim" in out
    rc, out = run("flash", "--board", "nope", "--dry-run")
    assert rc == 2 and "unknown board" in out and "rpi_pico" in out
    rc, out = run("wipe", "--board", "rpi_pico")
    assert rc == 2 and "--port" in out
    rc, out = run("flash", "--board", "rpi_pico", "--port", "")
    assert rc == 2 and "PORT=/dev/ttyACM0" in out and "compiled" not in out


MOUNT_RAM_ROOT = mount_ram_root(96) + """
def put(p, text='x'):
    parts = p.split('/')[1:-1]
    d = ''
    for q in parts:
        d += '/' + q
        try:
            os.mkdir(d)
        except OSError:
            pass
    with open(p, 'w') as f:
        f.write(text)
def exists(p):
    try:
        os.stat(p)
        return True
    except OSError:
        return False
put('/lib/sts/old_module.py'); put('/lib/sts/crc.mpy'); put('/lib/compat.py')
put('/lib/hal/sub/deep.mpy'); put('/lib/someone_elses.py'); put('/data/state.rec', 'credit')
put('/data/log/events.bin'); put('/main.py'); put('/fw/boot', 'boot1 1 -1 0 0')
put('/fw/b/INFO')
"""


def _on_board(script_text, checks):
    p = subprocess.run([MICROPYTHON, "-c", MOUNT_RAM_ROOT + script_text + checks],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    return p.stdout


def test_prepare_script_removes_only_our_old_packages(pico_flash_dry_run):
    tmp_path, rc, out = pico_flash_dry_run
    assert rc == 0, out
    script = (tmp_path / "rpi_pico" / "prepare.py").read_text()
    out = _on_board(script, """
assert not exists('/lib/sts') and not exists('/lib/hal') and not exists('/lib/compat.py')
assert exists('/lib') and exists('/lib/someone_elses.py')
assert open('/data/state.rec').read() == 'credit' and exists('/data/log/events.bin')
# the boot record goes: the board boots what was flashed into /lib (slot A)
assert not exists('/fw/boot') and exists('/fw/b/INFO')
print('prepared')
""")
    assert "prepared" in out


def test_wipe_script_is_the_factory_reset_of_the_data_dir(tmp_path):
    rc, out = run("wipe", "--board", "rpi_pico", "--port", "/dev/ttyACM0", "--dry-run",
                  "--build", str(tmp_path))
    assert rc == 0 and "connect /dev/ttyACM0 run wipe.py" in out, out
    script = (tmp_path / "rpi_pico" / "wipe.py").read_text()
    out = _on_board(script, """
assert not exists('/data') and exists('/lib/sts/crc.mpy') and exists('/main.py')
""")
    assert "factory reset: removed 2 files under /data" in out


def eval_manifest(path):
    """Run a manifest as MicroPython's tools/manifestfile.py does: from its own
    folder, relative paths resolved there. Returns (frozen files, includes)."""
    frozen, includes = [], []

    def package(p, files=None, base_path=".", opt=None):
        base = os.path.abspath(os.path.join(base_path, p))
        assert os.path.isdir(base), base
        for dirpath, _, fs in os.walk(base):
            frozen.extend(os.path.relpath(os.path.join(dirpath, f), os.path.dirname(base))
                          for f in fs if f.endswith(".py"))

    def module(m, base_path=".", opt=None):
        assert os.path.isfile(os.path.abspath(os.path.join(base_path, m))), (base_path, m)
        frozen.append(m)

    here = os.getcwd()
    os.chdir(os.path.dirname(path))
    try:
        with open(path) as f:
            exec(compile(f.read(), "manifest.py", "exec"),
                 {"package": package, "module": module, "include": includes.append,
                  "require": lambda *a, **k: None})
    finally:
        os.chdir(here)
    return [f.replace(os.sep, "/") for f in frozen], includes


@pytest.mark.parametrize("name", sorted(HARDWARE))
def test_freeze_manifest_covers_the_firmware(name, tmp_path):
    rc, out = run("freeze", "--board", name, "--build", str(tmp_path))
    assert rc == 0, out
    path = tmp_path / name / "manifest.py"
    text = path.read_text()
    board = deploy.load_board(name)
    assert "make -C ports/%s BOARD=%s FROZEN_MANIFEST=" % (board.MP_PORT, board.MP_BOARD) in text
    frozen, includes = eval_manifest(str(path))
    assert includes == [board.MP_BASE_MANIFEST]
    assert sorted(f for f in frozen if f != "board.py") == sorted(modules() + ["bootslot.py"])
    assert "board.py" in frozen and "main.py" not in frozen


def test_freeze_writes_the_inlined_firmware_without_companions(tmp_path):
    rc, out = run("freeze", "--board", "rpi_pico", "--build", str(tmp_path))
    assert rc == 0, out
    image = tmp_path / "rpi_pico" / deploy.FROZEN
    # the files the .mpy route's inlining changes are changed, the others copied
    changed = deploy.inline_consts.plan(ROOT, ("firmware",))[1]
    assert len(changed) > 10
    for rel, src in deploy.firmware_sources():
        text = (image / rel).read_bytes()
        assert (text != open(src, "rb").read()) == (src in changed), rel
        # no module looks for a name in a companion: the image has none
        assert b"inlined(__name__" not in text and not rel.endswith("__k.py"), rel
    assert b"\n_ACCEPT = const(1)" in (image / "vocab.py").read_bytes()
    assert sorted(os.listdir(str(image / "sts"))) == sorted(
        f for f in os.listdir(os.path.join(deploy.FIRMWARE, "sts")) if f.endswith(".py"))
    assert (image / "board.py").read_bytes() == open(
        os.path.join(ROOT, "boards", "rpi_pico", "board.py"), "rb").read()


def test_freeze_manifest_works_from_a_moved_checkout(tmp_path):
    """No absolute path of the checkout that wrote it: the same checkout under
    another name still resolves every frozen file, inside itself."""
    first = tmp_path / "checkout"
    for d in ("firmware", "boards", "tools"):
        shutil.copytree(os.path.join(ROOT, d), first / d,
                        ignore=shutil.ignore_patterns("__pycache__", "node_modules"))
    p = subprocess.run([sys.executable, str(first / "tools" / "deploy.py"), "freeze",
                        "--board", "rpi_pico"], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    text = (first / "build" / "rpi_pico" / "manifest.py").read_text()
    assert str(tmp_path) not in text and ROOT not in text
    moved = tmp_path / "elsewhere"
    first.rename(moved)
    # what the manifest reads is the moved tree's: the folder freeze wrote beside it
    image = moved / "build" / "rpi_pico" / deploy.FROZEN
    shutil.move(str(image / "sts"), str(tmp_path / "sts"))
    with pytest.raises(AssertionError):
        eval_manifest(str(moved / "build" / "rpi_pico" / "manifest.py"))
    shutil.move(str(tmp_path / "sts"), str(image / "sts"))
    frozen, _ = eval_manifest(str(moved / "build" / "rpi_pico" / "manifest.py"))
    assert sorted(f for f in frozen if f != "board.py") == sorted(modules() + ["bootslot.py"])
    # a folder older than the firmware is refused, until `make freeze` writes it again
    with open(str(moved / "firmware" / "vocab.py"), "a") as f:
        f.write("# changed\n")
    with pytest.raises(SystemExit, match="run it again"):
        eval_manifest(str(moved / "build" / "rpi_pico" / "manifest.py"))
    p = subprocess.run([sys.executable, str(moved / "tools" / "deploy.py"), "freeze",
                        "--board", "rpi_pico"], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    eval_manifest(str(moved / "build" / "rpi_pico" / "manifest.py"))
    assert (image / "vocab.py").read_text().endswith("# changed\n")


def test_firmware_dry_run_prints_the_image_build(tmp_path):
    fake = tmp_path / "micropython"
    (fake / "ports" / "rp2").mkdir(parents=True)
    rc, out = run("firmware", "--board", "rpi_pico", "--micropy-dir", str(fake), "--dry-run",
                  "--build", str(tmp_path / "build"))
    assert rc == 0, out
    manifest = tmp_path / "build" / "rpi_pico" / "manifest.py"
    assert manifest.exists()
    assert "make -C %s/mpy-cross" % fake in out
    assert ("make -C %s/ports/rp2 BOARD=RPI_PICO FROZEN_MANIFEST=%s" % (fake, manifest)) in out
    assert "build-RPI_PICO/firmware.uf2" in out


def test_firmware_refuses_without_checkout_or_toolchain(tmp_path, monkeypatch, capsys):
    rc, out = run("firmware", "--board", "rpi_pico", "--build", str(tmp_path))
    assert rc == 2 and "MICROPY_DIR=" in out
    rc, out = run("firmware", "--board", "rpi_pico", "--micropy-dir", str(tmp_path),
                  "--build", str(tmp_path))
    assert rc == 2 and "no ports/rp2" in out
    (tmp_path / "ports" / "rp2").mkdir(parents=True)
    monkeypatch.setattr(deploy.shutil, "which", lambda name: None)  # a machine without the toolchain
    assert deploy.main(["firmware", "--board", "rpi_pico", "--micropy-dir", str(tmp_path),
                        "--build", str(tmp_path / "b")]) == 2
    assert "arm-none-eabi-gcc, cmake not found" in capsys.readouterr().err
    ran = []
    monkeypatch.setattr(deploy, "execute", lambda cmd, cwd=None: ran.append(cmd))
    deploy.main(["firmware", "--board", "rpi_pico", "--micropy-dir", str(tmp_path),
                 "--build", str(tmp_path / "b")])
    assert ran == []  # nothing was started
