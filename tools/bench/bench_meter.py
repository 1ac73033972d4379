# mp-heap: 208k
# (the meter, its store and littlefs from source: 192k is the least that runs)
"""Meter storage: flash cost of an accepted token and of an hour of metering
(littlefs v2 on the RAM flash of host_tests/portable/blockdev.py, 256-byte
blocks). STS engine: the real one on CPython; the contract fake on MicroPython,
where engine + littlefs RAM disk + meter from source would need still more
heap (the state record differs only in the key and TID values).
The heap figures are in bench_meter_heap.py.

Options: none (-h, --help: this text).
Section in docs/benchmarks.md: "Meter storage (littlefs, 256-byte blocks)".
"""
import benchutil

benchutil.usage(__name__)

import gc  # noqa: E402
import sys  # noqa: E402

from blockdev import RamDisk  # noqa: E402

disk = RamDisk(block_size=256, block_count=48)  # first, while the heap is empty
gc.collect()
from meter.meter import Meter  # noqa: E402
from meter import token_entry  # noqa: E402,F401
from store.state import StateStore  # noqa: E402
from store.eventlog import EventLog  # noqa: E402
import meter_fakes as f  # noqa: E402
from benchutil import row  # noqa: E402

fs = disk.mount()

if sys.implementation.name == "micropython":
    TOK = f.FakeTokens()
else:
    import meter_sts
    TOK = meter_sts.Tokens()

DRN = "00000000000"
SEC = "Meter storage (littlefs, 256-byte blocks)"
clock = f.Clock(0)
cfg = {"commit_wh": 1000, "commit_interval_s": 3600}
cfg.update(TOK.config())
m = Meter(cfg, StateStore(fs, "/m"), TOK.factory_state(DRN), clock, f.Relay(), f.Display(),
          EventLog(fs, "/e", 24))

# flash operations per accepted token (state commit + event append), mean of 10
N = 10
fl = disk.flash
fl.reset_counts()
for i in range(N):
    assert m.enter_token(TOK.credit(DRN, 1000 + i, 500))[0] == 1
row(SEC, "flash page programs per accepted token", fl.progs / N, "programs")
row(SEC, "flash block erases per accepted token", fl.erases / N, "erases")
row(SEC, "bytes programmed per accepted token", fl.prog_bytes // N, "bytes")

# one simulated hour at 2 kW, one pulse per Wh, tick every 5 s
fl.reset_counts()
commits = m.store.commits
wh = 0
for s in range(0, 3600, 5):
    clock.t += 5
    while wh * 3600 < 2000 * (s + 5):
        m.consume(1)
        wh += 1
    m.tick()
row(SEC, "state commits per hour of metering at 2 kW (%d pulses)" % wh, m.store.commits - commits, "commits")
row(SEC, "flash page programs per hour of metering at 2 kW", fl.progs, "programs")
row(SEC, "flash block erases per hour of metering at 2 kW", fl.erases, "erases")

# one hour in CTS test mode (timer reservation every 30 s), no consumption
m.cts_register_write(1)
fl.reset_counts()
commits = m.store.commits
for s in range(720):
    clock.t += 5
    m.tick()
row(SEC, "state commits per hour in CTS test mode (timer reservations)", m.store.commits - commits, "commits")
row(SEC, "flash block erases per hour in CTS test mode", fl.erases, "erases")
