# CPython: `make selfcheck` (tools/selfcheck.py) against a stand-in board:
# the unix-port `micropython` REPL on a pseudo-terminal with the firmware as
# .mpy on its path, driven by mpremote like a board (`resume`: the unix port
# cannot soft-reset), as test_deploy_device.py does for `make flash`.
import json
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SELFCHECK = os.path.join(ROOT, "tools", "selfcheck.py")
sys.path.insert(0, os.path.join(ROOT, "tools", "ci"))
from check_firmware import build_mpy  # noqa: E402
from mp_ram_root import pty_board  # noqa: E402

STAGES = ("baseline", "import app", "boot modules (main, hal)", "meter built", "keypad token",
          "AARQ (HLS-GMAC)", "ACTION token enter", "ciphered GET", "DISC")


@pytest.fixture
def board():
    mpy, ok = build_mpy(ROOT)
    assert ok
    env = dict(os.environ, MICROPYPATH=os.pathsep.join([mpy, ".frozen"]))
    with pty_board(["-X", "heapsize=2m", "-i"], env) as dev:
        yield dev


@pytest.fixture
def frozen_board(tmp_path):
    """A stand-in board whose firmware is what `make freeze` writes for an
    image (the const names inlined, no companion modules), as sources, and
    main.py beside it (`make flash FROZEN=1` copies it to the board)."""
    import deploy
    frozen = deploy.write_frozen(deploy.hardware_board("rpi_pico"), str(tmp_path / "image"))
    fs = tmp_path / "fs"
    fs.mkdir()
    shutil.copy(os.path.join(ROOT, "firmware", "main.py"), str(fs))
    env = dict(os.environ, MICROPYPATH=os.pathsep.join([str(fs), frozen, ".frozen"]))
    with pty_board(["-X", "heapsize=2m", "-i"], env) as dev:
        yield dev


def selfcheck(dev, tmp_path, *args):
    p = subprocess.run([sys.executable, SELFCHECK, "--port", dev, "--resume",
                        "--out", str(tmp_path)] + list(args),
                       capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout + p.stderr


def test_selfcheck_prints_the_table_and_fails_over_the_budget(board, tmp_path):
    rc, out = selfcheck(board, tmp_path)
    for stage in STAGES:
        assert "\n" + stage in out, (stage, out)
    assert "keypad token: accepted" in out
    assert out.count(" ok ") == 4 and "WRONG" not in out  # vector tokens, time per token
    assert "ciphered GET, server time:" in out and "(mean of 5)" in out
    # the 64-bit unix port needs far more than the RP2040 budget of 145 KB
    assert rc == 1 and "SELFCHECK FAIL: peak live heap" in out and "> 145 KB" in out, out


def test_selfcheck_passes_within_a_budget_and_speaks_json(board, tmp_path):
    p = subprocess.run([sys.executable, SELFCHECK, "--port", board, "--resume", "--out",
                        str(tmp_path), "--budget-kb", "100000", "--json"],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    res = json.loads(p.stdout)  # one object, the table left out
    stages = [s["stage"] for s in res["stages"]]
    assert all(st in stages for st in STAGES), stages
    assert res["fails"] == [] and res["keypad_token_result"] == 1 and res["budget_kb"] == 100000
    assert len(res["tokens"]) == 4 and all(t["ok"] for t in res["tokens"])
    assert 0 < res["peak_live_kb"] < res["heap_kb"] and res["get_ms"] > 0


def test_selfcheck_without_a_port_is_a_usage_error(tmp_path):
    p = subprocess.run([sys.executable, SELFCHECK, "--out", str(tmp_path)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and "PORT=/dev/ttyACM0" in p.stderr


def test_selfcheck_runs_on_the_frozen_firmware_without_companions(frozen_board, tmp_path):
    # the board-side tool reads none of the const names the image no longer has
    rc, out = selfcheck(frozen_board, tmp_path, "--budget-kb", "100000")
    assert rc == 0 and "SELFCHECK PASS" in out, out
    assert "keypad token: accepted" in out and out.count(" ok ") == 4 and "WRONG" not in out
