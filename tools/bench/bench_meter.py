# Meter: flash cost of an accepted token and of an hour of metering (littlefs on
# the RAM flash of host_tests/portable/blockdev.py, 256-byte blocks), and the
# MicroPython heap used from keypad entry of a token to its committed state.
# Tokens from the real STS engine when present (meter_sts.py), else the fakes.
import gc

_hole = bytearray(26000)  # keep room for the RAM flash while modules compile
from meter.meter import Meter
from meter import token_entry, keypad  # noqa: F401 (compile now)
from store.state import StateStore
from store.eventlog import EventLog
import meter_fakes as f
from benchutil import row, MICROPYTHON
from blockdev import RamDisk

_hole = None
gc.collect()
disk = RamDisk(block_size=256, block_count=48)
fs = disk.mount()

try:
    import meter_sts
    TOK = meter_sts.Tokens()
    ENGINE = "real STS engine"
except ImportError:
    TOK = f.FakeTokens()
    ENGINE = "fake STS engine"

DRN = "00000000000"
SEC = "Meter (%s)" % ENGINE
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
    assert m.enter_token(TOK.credit(DRN, 1000 + i, 500), "remote")[0] == 1
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

# heap: keypad entry of a token through to the committed state
if MICROPYTHON:
    pad = keypad.Keypad(m, f.Display())
    text = TOK.credit(DRN, 2000, 100)
    gc.collect()
    live = gc.mem_alloc()
    gc.disable()
    before = gc.mem_alloc()
    for k in text:
        pad.key(k, 0)
    code = pad.key(keypad.ENTER, 0)
    used = gc.mem_alloc() - before
    gc.enable()
    assert code == 1
    row(SEC, "heap allocated from first key to committed token (gc off)", used, "bytes")
    row(SEC, "peak heap during keypad token entry (live before + allocated)", live + used, "bytes")
    gc.collect()
    row(SEC, "live heap after (meter, store, flash image, modules)", gc.mem_alloc(), "bytes")
