"""Firmware update (docs/update.md): the Ed25519 check of an image signature
and SHA-512 on each interpreter; from CPython also on the 32-bit WebAssembly
port, an RP2040 estimate, and the heap of an update on 32-bit MicroPython
(stages after gc.collect(), as tools/ci/heap32.py does for the budget
session).

Options: none (-h, --help: this text).
Sections in docs/benchmarks.md: "Firmware update: image signature check
(Ed25519, RFC 8032)", "Heap of an update on 32-bit MicroPython (wasm32, above
the meter built)".
"""
import benchutil

benchutil.usage(__name__)

import sys  # noqa: E402

from update import ed25519  # noqa: E402
from update.sha512 import sha512  # noqa: E402
from benchutil import per_call_us, row  # noqa: E402

SEC = "Firmware update: image signature check (Ed25519, RFC 8032)"
PUB = bytes.fromhex("fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025")
MSG = bytes.fromhex("af82")  # RFC 8032 7.1 TEST 3
SIG = bytes.fromhex("6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
                    "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a")
RP2040_EA11_US = 6100  # issue 10: EA11 decode + process on an emulated 125 MHz RP2040 (frozen)


def verify():
    assert ed25519.verify(PUB, MSG, SIG)


row(SEC, "Ed25519 verify of one signature", per_call_us(verify, 5) / 1000, "ms")
row(SEC, "SHA-512 of R || A || digest (123 bytes, 1 block)", per_call_us(lambda: sha512(SIG + PUB + SIG[:27]), 50), "us")

if sys.implementation.name == "cpython":
    import os
    import subprocess
    import tempfile

    ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    sys.path.insert(0, os.path.join(ROOT, "tools", "ci"))
    import heap32  # noqa: E402
    from check_firmware import build_mpy, venv_tool  # noqa: E402

    TIMES = """import time
from update import ed25519  # noqa: E402
from sts import processor, vend  # noqa: E402
from sts.state import StsState  # noqa: E402
PUB, MSG, SIG = %r, %r, %r
K11 = bytes.fromhex("f94b6ed353c3bfdb113e2d3a7ea3c41d")
S11 = StsState(11, K11, tids=list(range(5871715 - 640, 5871715, 10)))
T11 = vend.vend(11, K11, 0, 0, tid=5871715, value=256, rnd=5)
def us(fn, n):
    fn()
    t = time.ticks_us()
    for _ in range(n):
        fn()
    return time.ticks_diff(time.ticks_us(), t) / n
print("VERIFY_US", us(lambda: ed25519.verify(PUB, MSG, SIG), 5))
print("EA11_US", us(lambda: processor.process(S11, T11), 200))
""" % (PUB, MSG, SIG)

    # The update on 32-bit MicroPython: the meter built, then the image
    # transfer object used (the update code loads), an image transferred and
    # checked (host_tests/data/update-test.img, 723 bytes, on a RAM file system)
    STAGES = """import gc
import heap_session, update_samples  # noqa: E402
from dlms import axdr, cosem, obis  # noqa: E402
from meter_ramfs import RamFs  # noqa: E402
class Ctx:
    level = cosem.MANAGEMENT
def stages():
    yield "baseline"
    import app
    yield "import app"
    a = heap_session.build_app(RamFs())
    yield "meter built"
    m, it = a.server.model, obis.IMAGE_TRANSFER
    m.get(Ctx, 18, it, 6)
    yield "image transfer used (update code loaded)"
    img = update_samples.image()
    m.action(Ctx, 18, it, 1, (axdr.STRUCTURE, [(axdr.OCTET_STRING, update_samples.ID.encode()),
                                               (axdr.DOUBLE_LONG_UNSIGNED, len(img))]))
    for n in range(2):
        m.action(Ctx, 18, it, 2, (axdr.STRUCTURE, [(axdr.DOUBLE_LONG_UNSIGNED, n),
                                                   (axdr.OCTET_STRING, img[n * 448:(n + 1) * 448])]))
    yield "image transferred"
    m.action(Ctx, 18, it, 3, (axdr.INTEGER, 0))
    while a.busy():
        a.work()
    assert m.get(Ctx, 18, it, 6)[1][1] == 3
    yield "image checked and installed"
gen, done = stages(), [None]
def mp32_step():  # each call a fresh top-level run: the heap is collected on entry
    gc.collect()
    if done[0] is not None:
        print("STAGE %s|%d" % (done[0], gc.mem_alloc()))
    try:
        done[0] = next(gen)
    except StopIteration:
        return False
    return True
"""

    def port_run(script_text, name, stages=False):
        mpy, ok = build_mpy(ROOT)
        assert ok
        portable = os.path.join(ROOT, "host_tests")
        with tempfile.TemporaryDirectory() as tmp:
            script = os.path.join(tmp, "s.py")
            with open(script, "w") as f:
                f.write(script_text)
            if name == "wasm32":
                cmd = heap32.mp32_command([(mpy, "/fw"), (portable, "/repo/host_tests")],
                                          ["/fw", "/repo/host_tests/portable"], "/", script)
                env = None
            else:
                cmd = [venv_tool("micropython"), "-X", "heapsize=1m", script]
                env = dict(os.environ, MICROPYPATH=os.pathsep.join(
                    [mpy, os.path.join(portable, "portable"), ".frozen"]))
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env)
        if p.returncode:
            raise SystemExit("bench_update on %s failed:\n%s%s" % (name, p.stdout, p.stderr))
        return p.stdout

    def values(text):
        return dict((w[0], float(w[1])) for w in (ln.split() for ln in text.splitlines()) if len(w) == 2)

    unix = values(port_run(TIMES, "unix"))
    wasm = values(port_run(TIMES, "wasm32"))
    print("ROW %s|Ed25519 verify of one signature|%.1f|ms|wasm32" % (SEC, wasm["VERIFY_US"] / 1000))
    ratio = RP2040_EA11_US / unix["EA11_US"]
    print("ROW %s|Ed25519 verify, RP2040 estimate: micropython time x %.0f (EA11 token: %d us on "
          "the RP2040 of issue 10 / %.0f us here)|%.1f|s|RP2040 (estimate)" % (
              SEC, ratio, RP2040_EA11_US, unix["EA11_US"], unix["VERIFY_US"] * ratio / 1e6))
    lines = [ln[6:].rsplit("|", 1) for ln in port_run(STAGES, "wasm32").splitlines()
             if ln.startswith("STAGE ")]
    built = int(dict(lines)["meter built"])
    for stage, used in lines[lines.index(["meter built", str(built)]) + 1:]:
        print("ROW Heap of an update on 32-bit MicroPython (wasm32, above the meter built)|"
              "%s|%.1f|KB|wasm32" % (stage, (int(used) - built) / 1024))
