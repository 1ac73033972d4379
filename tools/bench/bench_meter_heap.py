# mp-heap: 192k
"""Meter heap (MicroPython only; CPython prints SKIP): bytes allocated from the
first key of a keypad token to its committed state, with the GC off, and the
live heap around it. Real keypad, Meter, StateStore (CBOR codec) and EventLog
on an in-RAM file system; the STS decode is the contract fake, because the
real engine + meter + store + keypad compiled from source do not fit the
128 KB bench heap (and the meter and keypad alone, compiled from source, now
need 176k: the compiler's transient when meter.meter loads; 192k declared). Add the engine's own "bytes allocated per decode" (bench_sts_*)
for the total.

Options: none (-h, --help: this text).
Section in docs/benchmarks.md: "Meter heap (keypad token to committed state; STS decode excluded)".
"""
import benchutil

benchutil.usage(__name__)

import gc  # noqa: E402
import sys  # noqa: E402

if sys.implementation.name != "micropython":
    print("SKIP heap figures are MicroPython-only")
    raise SystemExit(0)

from meter.meter import Meter  # noqa: E402
from meter import token_entry, keypad  # noqa: F401 (compile first)
from store.state import StateStore  # noqa: E402
from store.eventlog import EventLog  # noqa: E402
import meter_fakes as f  # noqa: E402
import meter_ramfs  # noqa: E402
from benchutil import row  # noqa: E402

SEC = "Meter heap (keypad token to committed state; STS decode excluded)"
TOK = f.FakeTokens()
DRN = "00000000000"
fs = meter_ramfs.RamFs()
cfg = TOK.config()
m = Meter(cfg, StateStore(fs, "/m"), TOK.factory_state(DRN), f.Clock(0), f.Relay(),
          f.Display(), EventLog(fs, "/e", 24))
pad = keypad.Keypad(m, None)
for i in range(40):  # a realistic TID memory (40 entries) in the record
    m.enter_token(TOK.credit(DRN, 1000 + i, 5))
text = TOK.credit(DRN, 2000, 100)
gc.collect()
live = gc.mem_alloc()
gc.disable()
before = gc.mem_alloc()
for k in text:
    pad.key(k, 0)
keys = gc.mem_alloc() - before
code = pad.key(keypad.ENTER, 0)
used = gc.mem_alloc() - before
gc.enable()
assert code == 1, code
row(SEC, "allocated by 20 key events (grouped display)", keys, "bytes")
row(SEC, "allocated from first key to committed token (gc off)", used, "bytes")
row(SEC, "live heap before entry (modules from source, meter, state)", live, "bytes")
row(SEC, "peak heap bound: live + allocated", live + used, "bytes")
