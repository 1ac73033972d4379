# Reads host_tests/data/dlms-apdus.tsv: APDUs captured or constructed in the
# project's DLMS digest (section cited per row), HDLC framing removed.

_HERE = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
PATH = _HERE + "/../data/dlms-apdus.tsv"


def unhex(s):
    s = s.replace(" ", "")
    return bytes(int(s[i:i + 2], 16) for i in range(0, len(s), 2))


def apdu(name):
    with open(PATH) as fh:
        fh.readline()
        for line in fh:
            cells = line.rstrip("\n").split("\t")
            if cells[0] == name:
                return unhex(cells[1])
    raise KeyError(name)


def names():
    out = []
    with open(PATH) as fh:
        fh.readline()
        for line in fh:
            out.append(line.split("\t", 1)[0])
    return out


def decode_all(data):
    """axdr.decode of a buffer that must hold exactly one Data."""
    from dlms import axdr
    value, pos = axdr.decode(data)
    if pos != len(data):
        raise axdr.DecodeError("trailing bytes after data")
    return value
