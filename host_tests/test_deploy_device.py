# CPython: `tools/deploy.py flash` and `wipe` for real, against a stand-in
# board: the unix-port `micropython` REPL on a pseudo-terminal, with a RAM
# littlefs mounted at "/" (the boards' filesystem is littlefs too). mpremote
# drives it like a board (raw REPL, fs cp); `--resume --no-reset` because
# the unix port can neither soft- nor hard-reset. Afterwards the "board"
# imports the flashed .mpy modules and board.py from its littlefs.
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEPLOY = os.path.join(ROOT, "tools", "deploy.py")
BIN = os.path.dirname(sys.executable)
import deploy  # noqa: E402
from mp_ram_root import mount_ram_root, pty_board  # noqa: E402

# a 512 KB flash image in the heap: room for the whole compiled firmware
BOOT = mount_ram_root(1024) + """
for d in ('/data', '/lib', '/lib/sts'):
    os.mkdir(d)
for p, text in (('/data/state.rec', 'credit=42'), ('/lib/sts/stale.py', 'raise ImportError')):
    with open(p, 'w') as f:
        f.write(text)
"""


@pytest.fixture
def board(tmp_path):
    boot = tmp_path / "boot.py"
    boot.write_text(BOOT)
    with pty_board(["-X", "heapsize=2m", "-i", str(boot)]) as dev:
        yield dev


def mpremote(dev, *args):
    p = subprocess.run([os.path.join(BIN, "mpremote"), "connect", dev, "resume"] + list(args),
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    return p.stdout


def deploy_run(*args):
    p = subprocess.run([sys.executable, DEPLOY] + list(args), capture_output=True, text=True,
                       timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    return p.stdout


def test_flash_then_wipe_on_a_littlefs_board(board, tmp_path):
    deploy_run("flash", "--board", "rpi_pico", "--port", board, "--resume", "--no-reset",
               "--build", str(tmp_path / "build"))
    listing = mpremote(board, "exec", "import os; print(sorted(os.listdir('/lib/sts')));"
                       "print(sorted(os.listdir('/')))")
    assert "stale.py" not in listing and "crc.mpy" in listing
    assert "'board.py'" in listing and "'data'" in listing
    # every module but the board's native code (armv6m, refused by this host)
    names = [rel[:-3].replace("/", ".").replace(".__init__", "")
             for rel, _ in deploy.firmware_sources() if rel not in ("dlms/native.py", "sts/native.py")]
    code = ("import sys; sys.path[:] = ['/', '.frozen', '/lib']\n"
            + "".join("import %s\n" % n for n in names)
            + "import board, sts.crc\nprint('booted', board.NAME, sts.crc.__file__,"
            " open('/data/state.rec').read())")
    out = mpremote(board, "exec", code)
    assert "booted rpi_pico /lib/sts/crc.mpy credit=42" in out
    out = deploy_run("wipe", "--board", "rpi_pico", "--port", board, "--resume",
                     "--build", str(tmp_path / "build"))
    assert "factory reset: removed 1 files under /data" in out
    listing = mpremote(board, "exec", "import os; print(sorted(os.listdir('/')))")
    assert "'data'" not in listing and "'lib'" in listing and "'board.py'" in listing
