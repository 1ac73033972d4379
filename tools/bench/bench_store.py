# mp-heap: 160k
# (the littlefs RAM flashes of both geometries and the codec from source: 128k runs out)
"""Storage: flash operations and time per state commit and per event append on
littlefs v2 (os.VfsLfs2 under MicroPython, littlefs-python under CPython) on
a RAM flash that counts programs and erases (host_tests/portable/blockdev.py).
Geometries: RP2040 (4 KB erase blocks, progsize 256 as MicroPython's rp2
port mounts it) and ESP32 (4 KB blocks, VfsLfs2 defaults: progsize 32).

Options: none (-h, --help: this text).
Section in docs/benchmarks.md: "Storage (littlefs)".
"""
import benchutil

benchutil.usage(__name__)

import gc  # noqa: E402

import blockdev  # noqa: E402
from benchutil import MICROPYTHON  # noqa: E402

# MicroPython's heap cap limits the RAM flash; CPython gets a Pico-sized one.
# Allocate it first, before imports fragment the heap; later disks reuse it.
BLOCKS = 12 if MICROPYTHON else 352
first = blockdev.RamDisk(block_size=4096, block_count=BLOCKS, prog_size=256)

from benchutil import MICROPYTHON, alloc_bytes, now_us, elapsed_us, per_call_us, row  # noqa: E402
from store import codec  # noqa: E402
from store.eventlog import EventLog  # noqa: E402
from store.state import StateStore  # noqa: E402
from store_samples import meter_state  # noqa: E402

SEC = "Storage (littlefs)"
N = 200
GEOMETRIES = (("RP2040", 256), ("ESP32", 32))

state = meter_state(1)


def report(label, f, t):
    row(SEC, label + ", flash erases per 1000", f.erases * 1000 // N, "blocks")
    row(SEC, label + ", flash programs", f.progs / N, "ops")
    row(SEC, label + ", bytes programmed", f.prog_bytes // N, "bytes")
    row(SEC, label + ", time on the RAM flash", t, "us")


def measure(name, prog_size):
    gc.collect()
    if first.prog_size == prog_size and not first.retired:
        disk = first
    else:
        disk = blockdev.RamDisk(block_size=4096, block_count=BLOCKS, prog_size=prog_size)
    fs = disk.mount()
    st = StateStore(fs, "/state")
    st.load()
    for i in range(4):  # settle: both slots and the directory exist
        st.commit(meter_state(i))
    f = disk.flash
    f.reset_counts()
    t0 = now_us()
    for i in range(N):
        s = state
        s["energy_wh"] = 123456789 + i
        s["counters"]["tokens"] = i
        st.commit(s)
    t = elapsed_us(t0) / N
    label = "%s: per state commit" % name
    report(label, f, t)
    a = alloc_bytes(lambda: st.commit(state))
    if a is not None:
        row(SEC, "%s: heap allocated by one state commit (with littlefs and the RAM flash)" % name,
            a, "bytes")
    small = StateStore(fs, "/small")
    for i in range(4):
        small.commit({"energy_wh": i})
    f.reset_counts()
    t0 = now_us()
    for i in range(N):
        small.commit({"energy_wh": 123456789 + i, "credit": [1234567 - i, 0], "t": 800000000 + i})
    report("%s: per commit of a %d-byte record" % (name, len(codec.encode(
        {"energy_wh": 123456789, "credit": [1234567, 0], "t": 800000000}))), f, elapsed_us(t0) / N)
    t0 = now_us()
    for i in range(20):
        StateStore(fs, "/state").load()
    row(SEC, "%s: load the state" % name, elapsed_us(t0) / 20, "us")
    log = EventLog(fs, "/ev", 120)
    for i in range(20):
        log.append(i, 1, i, 0)
    f.reset_counts()
    t0 = now_us()
    for i in range(N):
        log.append(1000 + i, 2, 7000000 + i, 5)
    t = elapsed_us(t0) / N
    label = "%s: per event append" % name
    report(label, f, t)
    row(SEC, "%s: erases of the most-erased block / mean over %d blocks" % (name, BLOCKS),
        "%d / %.1f" % (max(f.wear), sum(f.wear) / BLOCKS), "erases")
    disk.unmount()


for name, prog in GEOMETRIES:
    measure(name, prog)

# after the RAM flash tests: their large buffer needs an unfragmented heap
enc = codec.encode(meter_state(1))
row(SEC, "realistic state record, encoded", len(enc), "bytes")
row(SEC, "encode the state record", per_call_us(lambda: codec.encode(state), 200), "us/call")
row(SEC, "decode the state record", per_call_us(lambda: codec.decode(enc), 200), "us/call")
a = alloc_bytes(lambda: codec.encode(state))
if a is not None:
    row(SEC, "heap allocated by encoding the state record", a, "bytes")
    row(SEC, "heap allocated by decoding the state record", alloc_bytes(lambda: codec.decode(enc)), "bytes")
