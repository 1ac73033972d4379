"""End to end: a firmware update of the running virtual meter over DLMS
(docs/update.md), on CPython (a bundle of sources) and on the micropython
executable (a bundle of .mpy bytecode): tools/make_image.py builds and signs
the image from the tree, tools/update_firmware.py sends it with gurux-dlms.

One scenario per interpreter, on one meter with credit:
  - a tampered image is refused after the transfer, logged, nothing changes;
  - the power fails mid-transfer (the meter hangs at a block's write and is
    killed): the transfer resumes at the first block not written;
  - the power fails mid-activation (at the boot record's write): the meter
    comes back on the old firmware, the image still verified;
  - the activation: the meter restarts into the new slot, shows the new
    identifier and signature, keeps its credit, takes a token, and confirms
    the firmware after a minute of (fast) meter time."""
import json
import os
import subprocess
import sys
import time

import pytest

from test_sim_e2e import MICROPYTHON, Sim, read, send, token
import vocab  # noqa: E402 (firmware/, on sys.path through test_sim_e2e)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PY = sys.executable
FAST = ["--speed", "60"]  # a minute of meter time per second: the confirmation comes quickly
VERSION = "9.9.9-e2e"
EVENTS = {"refused": vocab.EV_FW_REFUSED, "activating": vocab.EV_FW_ACTIVATING,
          "confirmed": vocab.EV_FW_CONFIRMED}


def make_image(tmp_path, fmt):
    out = tmp_path / ("new-%s.img" % fmt)
    p = subprocess.run([PY, os.path.join(ROOT, "tools", "make_image.py"), "--version", VERSION,
                        "--format", fmt, "-o", str(out)], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    return out


def update(sim, image, timeout=300):
    p = subprocess.run([PY, os.path.join(ROOT, "tools", "update_firmware.py"), str(image),
                        "--port", sim.url(), "--json"],
                       capture_output=True, text=True, timeout=timeout)
    out = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
    return p.returncode, (json.loads(out[-1]) if out else None), p.stderr


def start_update(sim, image):
    return subprocess.Popen([PY, os.path.join(ROOT, "tools", "update_firmware.py"), str(image),
                             "--port", sim.url(), "--quiet", "--timeout", "30"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def status(sim):
    p = subprocess.run([PY, os.path.join(ROOT, "tools", "update_firmware.py"), "--status",
                        "--port", sim.url()], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    return json.loads(p.stdout.splitlines()[-1])


def codes(d, name):
    return [e for e in d["events"] if e["code"] == EVENTS[name]]


def cut_at(data, mp, image, hold):
    """The meter hangs at the write `hold` during an update and loses power there."""
    sim = Sim(data, mp, hold=hold, extra=FAST)
    tool = start_update(sim, image)
    end = time.monotonic() + 300
    while not any(ln.startswith("HOLD") for ln in sim.log):
        assert tool.poll() is None, "the update ended before the meter reached %s" % hold
        assert time.monotonic() < end, "no HOLD at %s" % hold
        time.sleep(0.2)
    sim.kill()
    tool.kill()
    tool.wait(30)


def scenario(tmp_path, mp):
    data = tmp_path / "meter"
    image = make_image(tmp_path, "mpy" if mp else "py")
    raw = image.read_bytes()
    bad = tmp_path / "tampered.img"
    bad.write_bytes(raw[:-200] + bytes((raw[-200] ^ 1,)) + raw[-199:])
    tok_a, _ = token(21, 1000)
    tok_b, _ = token(22, 300)

    sim = Sim(data, mp, extra=FAST)
    assert "firmware slot A" in sim.ready
    before = status(sim)
    assert send(sim, tok_a)["credit"] == 1000
    rc, _, err = update(sim, bad)
    assert rc == 1 and "verification failed" in err, err
    d = read(sim)
    assert [(e["a"]) for e in codes(d, "refused")] == [2]  # the signature does not verify
    assert d["credit"] == 1000 and status(sim)["firmware"] == before["firmware"]
    sim.quit()

    # a power cut at the write of block 100: blocks 0..98 were acknowledged
    cut_at(data, mp, image, "fw/image:100")
    sim = Sim(data, mp, extra=FAST)
    st = status(sim)
    assert st["transfer_status"] == 1 and st["first_not_transferred_block"] == 99
    sim.quit()

    # the transfer resumes there; a power cut at the switch of the boot record
    cut_at(data, mp, image, "fw/boot.new:1")
    sim = Sim(data, mp, extra=FAST)
    assert "firmware slot A" in sim.ready  # the old firmware, credit intact
    st = status(sim)
    assert st["transfer_status"] == 3 and st["firmware"] == before["firmware"]
    assert read(sim)["credit"] == 1000

    # the activation: every block was kept; the meter restarts into slot B
    rc, out, err = update(sim, image)
    assert rc == 0 and out["activated"] and out["resumed_at"] == out["blocks"], err
    assert sim.proc.wait(30) == 3
    sim = Sim(data, mp, extra=FAST)
    assert "firmware slot B" in sim.ready
    st = status(sim)
    assert st["firmware"] == "stsmeter-" + VERSION and st["signature"] == raw[-64:].hex()
    assert st["transfer_status"] in (5, 6)  # on trial, or confirmed already
    r = send(sim, tok_b)
    assert r["status_code"] == 3 and r["credit"] == 1300
    end = time.monotonic() + 60
    while not codes(read(sim), "confirmed"):
        assert time.monotonic() < end, "the new firmware did not confirm itself"
        time.sleep(1)
    assert status(sim)["transfer_status"] == 6
    sim.quit()
    sim = Sim(data, mp)
    assert "firmware slot B" in sim.ready and read(sim)["credit"] == 1300
    sim.quit()


def test_update_e2e_cpython(tmp_path):
    scenario(tmp_path, mp=False)


@pytest.mark.skipif(not os.path.exists(MICROPYTHON), reason="no micropython executable")
def test_update_e2e_micropython(tmp_path):
    scenario(tmp_path, mp=True)
