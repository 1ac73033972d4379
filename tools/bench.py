"""`make bench`: run every tools/bench/bench_*.py under CPython and under the
micropython executable (heap cap MP_HEAP, default 128k) and write the results
to docs/benchmarks.md together with the command that produced them.

A bench script prints lines of the form
    ROW <section>|<metric>|<value>|<unit>[|<measured on>]
and may look at sys.implementation.name to report per-interpreter figures;
the optional last field names what was measured when it is not the
interpreter running the script (e.g. a CPython script driving micropython).
A script may also print lines `MD <section>|<markdown line>`: they are put
under that section as they are (a table with more columns than one value).
Some scripts (for example storage and DLMS sessions) run only on one
interpreter; they say so by printing SKIP.
Each script's --help (benchutil.usage) says what it measures, its options
and where its figures go, and measures nothing.

Examples:
  make bench                                   # all scripts, writes docs/benchmarks.md
  .venv/bin/python tools/bench.py --json       # the same, the figures as JSON on stdout
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "tools", "bench")
DOC = os.path.join(ROOT, "docs", "benchmarks.md")
# Everything from this heading on in docs/benchmarks.md is written by hand (the targets and
# the rounds of speed and heap work) and kept as it is when the tables above it are rewritten.
PROSE = "## Targets and what was reached"


def written_prose():
    """The hand-written part of docs/benchmarks.md, from PROSE to the end."""
    try:
        with open(DOC) as fh:
            text = fh.read()
    except OSError:
        text = ""
    i = text.find("\n" + PROSE + "\n")
    if i < 0:
        raise SystemExit("%s has no %r heading: not rewriting it (its hand-written part would be lost)"
                         % (os.path.relpath(DOC, ROOT), PROSE))
    return text[i + 1:].rstrip()


def declared_heap(script, heap):
    """A script may need more heap than the cap: `# mp-heap: 384k` in its
    first lines (e.g. the composed DLMS server imported from source)."""
    with open(script) as f:
        for _ in range(5):
            line = f.readline()
            if line.startswith("# mp-heap:"):
                need = line.split(":", 1)[1].strip()
                k = lambda v: int(v[:-1]) * 1024 if v[-1:].lower() == "k" else int(v)  # noqa: E731
                return need if k(need) > k(heap) else heap
    return heap


def run(interp, script):
    heap = declared_heap(script, os.environ.get("MP_HEAP", "128k"))
    env = dict(os.environ)
    paths = [os.path.join(ROOT, "firmware"), BENCH, os.path.join(ROOT, "host_tests", "portable")]
    if interp == "micropython":
        exe = os.path.join(os.path.dirname(sys.executable), "micropython")
        cmd = [exe, "-X", "heapsize=" + heap, script]
        env["MICROPYPATH"] = os.pathsep.join(paths)
    else:
        cmd = [sys.executable, script]
        env["PYTHONPATH"] = os.pathsep.join(paths + [ROOT, os.path.join(ROOT, "tools")])  # pctools
    p = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    if p.returncode:
        raise SystemExit("bench failed: %s\n%s%s" % (" ".join(cmd), p.stdout, p.stderr))
    rows = []
    for line in p.stdout.splitlines():
        if line.startswith("MD "):
            section, _, text = line[3:].partition("|")
            rows.append((section, None, interp, text, None))
        elif line.startswith("ROW "):
            parts = line[4:].split("|")
            section, metric, value, unit = parts[:4]
            rows.append((section, metric, parts[4] if len(parts) > 4 else interp, value, unit))
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog=__doc__.split("\n\n", 1)[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", action="store_true",
                    help="print the figures as one JSON object instead of the table")
    args = ap.parse_args(argv)
    prose = written_prose()  # before the minutes of running: refuse early
    scripts = sorted(f for f in os.listdir(BENCH) if f.startswith("bench_") and f.endswith(".py"))
    rows = []
    for s in scripts:
        for interp in ("cpython", "micropython"):
            got = run(interp, os.path.join(BENCH, s))
            rows.extend(got)
            for r in () if args.json else got:  # --json: one object at the end
                print("%-28s %-52s %-12s %12s %s" % r if r[1] is not None else r[3])
    sections = []
    for r in rows:
        if r[0] not in sections:
            sections.append(r[0])
    out = ["# Benchmarks", "",
           "Produced by `make bench` (tools/bench.py, scripts in tools/bench/) on %s, %s, Python %s, "
           "micropython with `-X heapsize=%s`. Figures from a shared, noisy machine: compare orders of "
           "magnitude, not digits. They are measurements, never test assertions."
           % (datetime.date.today().isoformat(), platform.machine(), platform.python_version(),
              os.environ.get("MP_HEAP", "128k")), ""]
    for sec in sections:
        out += ["## " + sec, ""]
        table = [r for r in rows if r[0] == sec and r[1] is not None]
        if table:
            out += ["| metric | measured on | value | unit |", "|---|---|---|---|"]
            out += ["| %s | %s | %s | %s |" % (m, i, v, u) for s, m, i, v, u in table]
            out.append("")
        md = [r[3] for r in rows if r[0] == sec and r[1] is None]
        if md:
            out += md + [""]
    out += [prose, ""]
    with open(DOC, "w") as fh:
        fh.write("\n".join(out))
    if args.json:
        print(json.dumps({"doc": os.path.relpath(DOC, ROOT), "rows": [
            dict(zip(("section", "metric", "measured_on", "value", "unit"), r))
            if r[1] is not None else {"section": r[0], "markdown": r[3]} for r in rows]}))
    else:
        print("wrote", os.path.relpath(DOC, ROOT))


if __name__ == "__main__":
    sys.exit(main())
