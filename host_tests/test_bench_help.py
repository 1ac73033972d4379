"""Every script in tools/bench/ has a real --help (issue 16 item 4: every
tool): what it measures, its options and where its figures go, printed
before anything is imported or measured (benchutil.usage, or benchutil.parser
for the two callgrind counters with options). Run without PYTHONPATH, so a
script that imported the firmware or measured anything before its help would
fail here; and under micropython too for the scripts `make bench` runs there.

The micropython leg of `make bench` is run here too, as tools/bench.py runs it
(the script's declared `# mp-heap`, else 128k): its loops take well under a
second each there, and a script that no longer fits its declared heap (the
firmware it compiles from source grew) would otherwise be found only by the
next `make bench`."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "tools", "bench")
HELPERS = ("benchutil.py", "benchhelp.py")
SCRIPTS = sorted(f for f in os.listdir(BENCH) if f.endswith(".py") and f not in HELPERS)
MICROPYTHON = os.path.join(os.path.dirname(sys.executable), "micropython")
# measured on CPython only (they drive micropython, wasm32 or sockets themselves): SKIP there
ONLY_CPYTHON = ("bench_dlms_guessing.py", "bench_firmware.py", "bench_fleet.py",
                "bench_headend.py", "bench_heap32.py", "bench_host_tcp.py")


def run(exe, script, *args):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MICROPYPATH")}
    # (a hang guard, not a timing: a benchmark would run for many seconds)
    return subprocess.run([exe, os.path.join(BENCH, script)] + list(args), cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def first_line_of_docstring(script):
    with open(os.path.join(BENCH, script)) as f:
        text = f.read()
    return text[text.index('"""') + 3:].strip().splitlines()[0]


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_bench_script_prints_its_help_and_measures_nothing(script):
    p = run(sys.executable, script, "--help")
    assert p.returncode == 0 and p.stderr == "", p.stderr
    out = p.stdout
    assert first_line_of_docstring(script) in out  # what it measures
    assert "ptions" in out  # its options ("Options: none", or argparse's list)
    assert "docs/benchmarks.md" in out  # where its figures go
    assert not any(ln.startswith(("ROW ", "MD ", "SKIP")) for ln in out.splitlines())


@pytest.mark.skipif(not os.path.exists(MICROPYTHON), reason="no micropython executable")
@pytest.mark.parametrize("script", [s for s in SCRIPTS if s.startswith("bench_")])
def test_the_help_is_the_same_under_micropython(script):
    p = run(MICROPYTHON, script, "-h")
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout == run(sys.executable, script, "-h").stdout


def test_an_unknown_option_is_refused_before_measuring():
    p = run(sys.executable, "bench_sts.py", "--json")
    assert p.returncode == 2 and "unknown option --json" in p.stdout


@pytest.mark.skipif(not os.path.exists(MICROPYTHON), reason="no micropython executable")
@pytest.mark.parametrize("script", [s for s in SCRIPTS if s.startswith("bench_")])
def test_make_bench_runs_the_script_under_micropython_at_its_declared_heap(script, monkeypatch):
    monkeypatch.delenv("MP_HEAP", raising=False)  # make bench's cap, not `make test MP_HEAP=...`'s
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    try:
        import bench
    finally:
        sys.path.pop(0)
    try:
        rows = bench.run("micropython", os.path.join(BENCH, script))
    except SystemExit as exc:  # bench.run's failure: the command, its output and traceback
        pytest.fail(str(exc)[-3000:])
    # figures, or a script that measures only on CPython (it prints SKIP)
    assert rows or script in ONLY_CPYTHON, "no ROW or MD line"
