# Reads host_tests/data/sts-vectors.tsv (copied from the project's STS digest;
# see host_tests/data/README.md) one row at a time, so that it works inside
# MicroPython's capped heap as well as under CPython.

_HERE = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
PATH = _HERE + "/../data/sts-vectors.tsv"


def rows(kind=None):
    """Yield each row as a dict of column -> text ('' for an empty cell)."""
    with open(PATH) as fh:
        header = fh.readline().rstrip("\n").split("\t")
        for line in fh:
            cells = line.rstrip("\n").split("\t")
            if kind is not None and cells[1] != kind:
                continue
            yield dict(zip(header, cells))


def fields(row):
    """Parse the `fields` cell 'k=v;k=v' into a dict of strings."""
    out = {}
    for item in row["fields"].split(";"):
        if "=" in item:
            k, v = item.split("=", 1)
            out[k] = v
    return out
