"""Heap per stage of the session issue 10 budgets (boot, meter built, keypad
token, remote HLS-GMAC token session) on 32-bit MicroPython: the WebAssembly
port under Node, firmware as mpy-cross bytecode (tools/ci/heap32.py, session in
host_tests/portable/heap_session.py). Board estimates divide by the factor in
heap_session.py. Runs from CPython only (it starts the ports itself).

Options: none (-h, --help: this text).
Section in docs/benchmarks.md: "Heap per stage on 32-bit MicroPython (issue 10
budget session)".
"""
import benchutil

benchutil.usage(__name__)

import sys  # noqa: E402

if sys.implementation.name != "cpython":
    print("SKIP drives the WebAssembly port and micropython from CPython")
    sys.exit(0)

import os  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "ci"))
import heap32  # noqa: E402
import heap_session as hs  # noqa: E402

SEC = "Heap per stage on 32-bit MicroPython (issue 10 budget session)"
KB = heap32.kb


def md(text):
    print("MD %s|%s" % (SEC, text))


def main():
    w, u = heap32.measure("wasm32"), heap32.measure("unix")
    pct = hs.WASM_PER_BOARD_PCT
    md("Command: `.venv/bin/python tools/ci/heap32.py` (`--port unix` for the 64-bit column). `gc.mem_alloc()` "
       "after a collection at each stage; *live* is above the baseline (interpreter + harness, "
       "before `import app`). The session's client frames are recorded on CPython and replayed, so "
       "the client costs nothing here. RP2040 estimate = wasm32 live / %d.%02d (heap_session.py). "
       "Largest free block: not known on wasm32 (its heap grows on demand); `make selfcheck` "
       "reports it on a board." % (pct // 100, pct % 100))
    md("")
    md("| stage | wasm32 heap in use (KB) | wasm32 live (KB) | RP2040 estimate (KB) | unix 64-bit live (KB) |")
    md("|---|---|---|---|---|")
    other = dict((s[0], s[3]) for s in u["stages"])
    order = [s[0] for s in w["stages"]]
    for stage, used, _, live in w["stages"]:
        md("| %s | %s | %s | %s | %s |" % (stage, KB(used), KB(live), KB(live * 100 // pct),
                                           KB(other[stage]) if stage in other else "-"))
    stage, live = w["peak"]
    md("| **peak** (%s) | | **%s** | **%s** | %s |" % (stage, KB(live), KB(live * 100 // pct),
                                                      KB(u["peak"][1])))
    md("")
    md("Budget (issue 10 item 1): %d KB on the RP2040 = %d KB on wasm32; `host_tests/test_heap_budget.py` "
       "asserts it. A stage is sampled before the firmware unloads the code of the job it ran "
       "(the token engine after a token, the ACSE codec after an AARQ/RLRQ, the build's code "
       "after the build): each row holds the code that stage loaded." % (
           hs.BOARD_BUDGET_KB, hs.WASM_BUDGET_KB))
    heap_k = heap32.board_like_heap_k(w, u)
    b = heap32.measure("unix", heap="%dk" % heap_k)
    lowest = heap_k * 1024 - max(s[1] for s in b["stages"])
    block = min(s[2] for s in b["stages"][1:])
    md("")
    md("Largest free block (issue 10: >= %d KB, and >= %d KB free, through the session on the "
       "board): on the unix port with a fixed heap of %d KB, the board's %d KB scaled by this "
       "session's unix/wasm32 ratio, the free heap never falls below %s KB (64-bit figure) and "
       "the largest free block below %s KB (`host_tests/test_heap_budget.py` asserts the block). "
       "The block is the heap's top, set by the build: main.py collects every %d KB allocated "
       "until the meter runs (`GC_THRESHOLD_AT_BOOT`), so the long-lived objects pack low; "
       "without that it was 33 KB." % (
           hs.BOARD_BLOCK_MIN_KB, hs.BOARD_FREE_MIN_KB, heap_k, hs.BOARD_HEAP_KB, KB(lowest),
           KB(block), hs.GC_THRESHOLD_AT_BOOT // 1024))
    md("")
    md("What the session loads, module by module (`heap32.breakdown()`: each module imported on "
       "its own at a top-level step, nothing unloaded; bytes include its new qstrs, and the qstr "
       "pool the port added when one was full). The 25 largest, then every stage's total:")
    md("")
    md("| module or stage objects | first needed at | wasm32 KB | of which qstr pool KB |")
    md("|---|---|---|---|")
    rows, pending, per_stage = [], [], {}
    for label, size, _, _, pool in heap32.breakdown("wasm32"):
        kind, _, name = label.partition(" ")
        if kind == "module":  # loaded for the stage that follows
            pending.append((size, name, pool))
            continue
        rows += [(size_, mod, name, pool_) for size_, mod, pool_ in pending]
        per_stage[name] = (sum(p[0] for p in pending), size)
        pending = []
    for size, name, at, pool in sorted(rows, reverse=True)[:25]:
        md("| %s | %s | %s | %s |" % (name, at, KB(size), KB(pool) if pool else ""))
    md("")
    md("| stage | its modules (KB) | its objects (KB) |")
    md("|---|---|---|")
    for st in order[1:]:
        mods, objs = per_stage.get(st, (0, 0))
        md("| %s | %s | %s |" % (st, KB(mods), KB(objs)))
    imp = dict((s[0], s[3]) for s in w["stages"])["import app"]
    # app imports little itself since its build moved to app_build: the meter and
    # the DLMS server load at the build (stage "meter built"); issue 10's
    # figures were read when `import app` loaded nearly all of the firmware
    print("ROW %s|`import app`, wasm32, sampled in a fresh top-level call (app's own imports; "
          "the meter loads at the build)|%s|KB|wasm32" % (SEC, KB(imp)))
    print("ROW %s|`import app`, wasm32, read in the same call (deferred GC: the import's garbage "
          "counts; issue 10's 134.6 KB)|%s|KB|wasm32" % (SEC, KB(heap32.import_app_same_call())))
    print("ROW %s|`import app`, RP2040 (issue 10, emulated, stock 1.28.0, when it loaded nearly "
          "all of the firmware: the factor's calibration)|96.4|KB|RP2040" % SEC)
    print("ROW %s|peak live heap of the session|%s|KB|wasm32" % (SEC, KB(live)))


main()
