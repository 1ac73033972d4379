"""The meter imports only what it needs (CPython test driving the micropython executable).

A meter processing tokens must not load the vending/encryption code, and an EA11
meter must not load the STA tables (docs/sts.md, Modules)."""
import os
import subprocess
import sys

import vectors

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MP = os.path.join(os.path.dirname(sys.executable), "micropython")

SCRIPT = """
import sys
from sts import processor
from sts.state import StsState
st = StsState(%d, bytes.fromhex(%r))
d = processor.process(st, %r)
assert d.result == 1, d
loaded = sorted(m for m in sys.modules if m.startswith("sts"))
print(" ".join(loaded))
"""


def _loaded(row):
    src = SCRIPT % (int(row["ea"]), row["decoder_key_hex"], row["token"])
    env = dict(os.environ, MICROPYPATH=os.path.join(ROOT, "firmware"))
    p = subprocess.run([MP, "-X", "heapsize=128k", "-c", src], capture_output=True, text=True,
                       env=env, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    return set(p.stdout.split())


def _first(ea):
    return next(r for r in vectors.rows("token") if r["ea"] == ea and r["token_class"] == "0")


def test_ea07_meter_loads_no_vending_code():
    mods = _loaded(_first("07"))
    assert "sts.sta" in mods and "sts.sta_tables" in mods and "sts.sta_prepare" in mods
    # a credit token: no class 1/2 code (sts.management) and no key change code
    assert not mods & {"sts.vend", "sts.encrypt", "sts.crc_message", "sts.misty1", "sts.lockout",
                       "sts.management", "sts.key_change"}


def test_ea11_meter_loads_no_sta_and_no_vending_code():
    mods = _loaded(_first("11"))
    assert "sts.misty1" in mods
    assert not mods & {"sts.vend", "sts.encrypt", "sts.crc_message", "sts.sta", "sts.sta_prepare",
                       "sts.sta_tables"}
