# The options and --help of the bench scripts (benchutil.usage), loaded only
# when a script is given arguments; parser() for the two with options.
import sys

_MAKE_BENCH = """Figures: `make bench` (tools/bench.py) runs every tools/bench/bench_*.py under
CPython and under micropython (-X heapsize=128k, or the script's `# mp-heap:`
line) and writes the lines `ROW section|metric|value|unit[|measured on]` they
print into docs/benchmarks.md, under the section named in each line.
Alone, from the repository root, it prints those lines:
  PYTHONPATH=firmware:tools/bench:host_tests/portable:.:tools .venv/bin/python tools/bench/%s
  MICROPYPATH=firmware:tools/bench:host_tests/portable .venv/bin/micropython tools/bench/%s"""


def check(argv, options):
    """-h or --help: the script's text, exit 0; an option not in `options`:
    exit 2."""
    path, args = argv[0], argv[1:]
    if "-h" in args or "--help" in args:
        print(docstring(path))
        name = path.replace("\\", "/").split("/")[-1]
        print()
        print(_MAKE_BENCH % (name, name))
        sys.exit(0)
    for a in args:
        if a.startswith("-") and a not in options:
            print("%s: unknown option %s (--help: what it measures, its options)" % (path, a))
            sys.exit(2)


def docstring(path):
    """The docstring of the script at `path`, read from the file (micropython
    keeps no __doc__): what it measures and its options."""
    with open(path) as f:
        text = f.read()
    i = text.find('"""')
    j = text.find('"""', i + 3)
    return text[i + 3:j].strip() if 0 <= i < j else "(no description)"


def parser(doc):
    """The argparse parser of a bench script with options (CPython: the
    callgrind counters): its docstring, which says what it measures and
    where its figures go, heads its --help."""
    import argparse
    return argparse.ArgumentParser(description=doc,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
