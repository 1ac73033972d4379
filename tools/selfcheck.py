"""Board self-check (issue 10 item 6): `make selfcheck PORT=/dev/ttyACM0`.

Builds build/selfcheck/selfcheck.py and runs it on the board with mpremote
(in RAM: nothing is written to the board's flash, the meter's data is not
touched). On the board, with the firmware it has (.mpy in /lib or frozen):
  - the heap session of host_tests/portable/heap_session.py, stage by stage:
    heap in use above the baseline, free heap, largest free block;
  - a few vector tokens from host_tests/data/sts-vectors.tsv, decoded with the
    real STS engine, time per token;
  - the server time of ciphered GETs in the recorded HLS-GMAC session.
The remote session is recorded here on CPython and embedded, with the
tokens. The board script prints a table, the same figures as one JSON line
(`SELFCHECK-JSON {...}`, what --json prints) and `SELFCHECK PASS` or
`SELFCHECK FAIL ...`; this program exits 1 on FAIL (the heap budget not met)
and 2 when the board did not get that far.

    .venv/bin/python tools/selfcheck.py --port /dev/ttyACM0 [--budget-kb 145] [--json] [--dry-run]
"""
import json
import argparse
import ast
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PORTABLE = os.path.join(ROOT, "host_tests", "portable")
sys.path.insert(0, os.path.join(ROOT, "tools", "ci"))
import heap32  # noqa: E402  (puts firmware/ and host_tests/portable/ on the path)
import heap_session  # noqa: E402
import vectors  # noqa: E402

# Sources copied into the board script, in this order (no imports between them).
PARTS = ("meter_ramfs.py", "heap_session.py")
# Vector tokens timed on the board: two EA07 (DEA) and two EA11 (MISTY1) credit tokens.
VECTOR_IDS = ("tok-001", "tok-002")
EA11_COUNT = 2
TIMED_GETS = 5

BOARD_MAIN = '''
def _selfcheck(budget_kb):
    import gc
    from time import ticks_us, ticks_diff
    from sts import processor
    from sts.state import StsState
    gc.collect()
    total = gc.mem_alloc() + gc.mem_free()
    rows, timings = [], []
    code, _ = run(EXCHANGES, KEYPAD, sampler(rows, True), RamFs(), timings)
    base = rows[0][1]
    print("stsmeter self-check: heap %.1f KB in all" % (total / 1024))
    print("%-26s %9s %9s %9s" % ("stage", "live KB", "free KB", "block KB"))
    peak = most = 0
    res = {"heap_kb": total / 1024, "stages": [], "tokens": []}
    for stage, used, big in rows:
        print("%-26s %9.1f %9.1f %9.1f" % (stage[:26], (used - base) / 1024, (total - used) / 1024,
                                           big / 1024))
        res["stages"].append({"stage": stage, "live_kb": (used - base) / 1024,
                              "free_kb": (total - used) / 1024, "block_kb": big / 1024})
        peak = max(peak, used - base)
        most = max(most, used)
    lowest = total - most
    block = rows[-1][2]
    ok = code == 1
    print("keypad token: %s" % ("accepted" if ok else "REFUSED (result %d)" % code))
    for vid, ea, key, kt, bd, token, tid in VECTORS:
        st = StsState(ea, bytes.fromhex(key), kt=kt, base_date=bd)
        t0 = ticks_us()
        d = processor.process(st, token)
        us = ticks_diff(ticks_us(), t0)
        good = d.result == 1 and d.state is not None and d.state.tids == [tid]
        ok = ok and good
        print("token %s EA%02d %s %6.1f ms" % (vid, ea, "ok" if good else "WRONG", us / 1000))
        res["tokens"].append({"id": vid, "ea": ea, "ok": good, "ms": us / 1000})
    gets = [us for label, us in timings if label == "ciphered GET"]
    if gets:
        res["get_ms"] = sum(gets) / len(gets) / 1000
        print("ciphered GET, server time: %.1f ms (mean of %d)" % (res["get_ms"], len(gets)))
    fails = []
    if peak > budget_kb * 1024:
        fails.append("peak live heap %.1f KB > %d KB" % (peak / 1024, budget_kb))
    if lowest < BOARD_FREE_MIN_KB * 1024:
        fails.append("lowest free heap %.1f KB < %d KB" % (lowest / 1024, BOARD_FREE_MIN_KB))
    if block < BOARD_BLOCK_MIN_KB * 1024:
        fails.append("largest free block %.1f KB < %d KB" % (block / 1024, BOARD_BLOCK_MIN_KB))
    if not ok:
        fails.append("a token was not decoded as its vector says")
    print("peak live heap %.1f KB (budget %d KB), lowest free %.1f KB, largest block at the end "
          "%.1f KB" % (peak / 1024, budget_kb, lowest / 1024, block / 1024))
    res.update({"keypad_token_result": code, "peak_live_kb": peak / 1024, "budget_kb": budget_kb,
                "lowest_free_kb": lowest / 1024, "last_block_kb": block / 1024, "fails": fails})
    import json
    print("SELFCHECK-JSON " + json.dumps(res))
    print("SELFCHECK " + ("FAIL: " + "; ".join(fails) if fails else "PASS"))


_selfcheck(BUDGET_KB)
'''


def vector_rows():
    """(id, ea, key hex, kt, base date, token, tid) of the timed vectors."""
    out, ea11 = [], 0
    for row in vectors.rows("token"):
        if row["token_class"] != "0" or not row["tid"]:
            continue
        if row["id"] in VECTOR_IDS or (row["ea"] == "11" and ea11 < EA11_COUNT):
            ea11 += row["ea"] == "11"
            out.append((row["id"], int(row["ea"]), row["decoder_key_hex"], int(row["kt"] or 2),
                        int(row["base_date"] or 1993), row["token"], int(row["tid"])))
    return out


def script(budget_kb):
    """The board script: the helper sources, the recorded data, the check."""
    parts, names = [], {}
    for name in PARTS:
        with open(os.path.join(PORTABLE, name)) as f:
            src = f.read()
        for node in ast.parse(src).body:  # one namespace: no name may be defined twice
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                assert node.name not in names, (node.name, name, names.get(node.name))
                names[node.name] = name
        parts.append("# ---- host_tests/portable/%s\n%s" % (name, src))
    exchanges, keypad = heap32.record(TIMED_GETS)
    data = "KEYPAD = %r\nEXCHANGES = %r\nVECTORS = %r\n" % (keypad, exchanges, vector_rows())
    head = "# stsmeter board self-check, written by tools/selfcheck.py: run it with mpremote.\n"
    return head + "\n".join(parts) + "\n" + data + BOARD_MAIN.replace("BUDGET_KB", str(budget_kb))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", default="", help="the board's serial device, e.g. /dev/ttyACM0")
    ap.add_argument("--budget-kb", type=int, default=heap_session.BOARD_BUDGET_KB,
                    help="peak live heap allowed (default: the RP2040 budget, %(default)s)")
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "selfcheck"))
    ap.add_argument("--resume", action="store_true",
                    help="no soft reset on connect (a unix-port `micropython` as the device)")
    ap.add_argument("--dry-run", action="store_true", help="write the script, print the command")
    ap.add_argument("--json", action="store_true",
                    help="print the board's figures as one JSON object instead of its table")
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "selfcheck.py")
    with open(path, "w") as f:
        f.write(script(args.budget_kb))
    mpremote = os.path.join(os.path.dirname(sys.executable), "mpremote")
    cmd = [mpremote if os.path.exists(mpremote) else "mpremote", "connect", args.port or "PORT"]
    cmd += (["resume"] if args.resume else []) + ["run", path]
    if args.dry_run:
        print(json.dumps({"script": path, "command": cmd}) if args.json else " ".join(cmd))
        return 0
    if not args.port:
        print("selfcheck: give the board's port (make selfcheck PORT=/dev/ttyACM0)", file=sys.stderr)
        return 2
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    lines = p.stdout.splitlines()
    figures = [l.split(" ", 1)[1] for l in lines if l.startswith("SELFCHECK-JSON ")]
    if args.json:
        if figures:
            print(figures[-1])
    else:
        sys.stdout.write("".join(l + "\n" for l in lines if not l.startswith("SELFCHECK-JSON ")))
    sys.stderr.write(p.stderr)
    last = [l for l in lines if l.startswith("SELFCHECK ")]
    if not last:
        print("selfcheck: the board stopped before the end (mpremote status %d)" % p.returncode,
              file=sys.stderr)
        return 2
    return 0 if last[-1] == "SELFCHECK PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
