# HDLC HCS/FCS, dlms.md 2.4: CRC-16/X.25 (ISO/IEC 3309), polynomial 0x1021
# reflected (0x8408), init 0xFFFF, reflected in/out, xorout 0xFFFF, sent low
# byte first. Check value CRC("123456789") = 0x906E.
#
# One 256-entry table of 16-bit values (512 bytes, built once at import), one
# lookup per byte, no allocation per byte, no big integers. Where the port
# runs native code the byte loop is dlms.native's viper version, on CPython
# binascii's C loop (each chosen at import after it reproduces the check
# value), else the Python loop below.
from array import array
from compat import const

_INIT = const(0xFFFF)
_XOROUT = const(0xFFFF)
# Register value after running a good frame plus its FCS (before xorout).
GOOD_RESIDUE = const(0xF0B8)


def _table():
    t = array("H", bytes(512))
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x8408 if c & 1 else c >> 1
        t[i] = c
    return t


TABLE = _table()


def update_py(reg, data, start, end, t):
    """The portable byte loop: the register over data[start:end], table t."""
    for i in range(start, end):
        reg = (reg >> 8) ^ t[(reg ^ data[i]) & 0xFF]
    return reg


# run(reg, data, start, end, TABLE): the byte loop for this port, for hot
# paths that pass every argument (one call less than update()); chosen once
# here after it reproduces the check value, else the portable loop.
try:
    from dlms.native import crc16_update as run
except Exception:  # CPython, or no native code on this port
    run = update_py
    try:
        # CPython (the PC's virtual meter): binascii's CRC-CCITT in C runs the
        # same polynomial MSB first, so X.25 is it on bit-reversed bytes with
        # the register bit-reversed in and out. MicroPython has no crc_hqx.
        from binascii import crc_hqx
        import sys
        _REV = bytes(sum((i >> k & 1) << 7 - k for k in range(8)) for i in range(256))
        # the register's 16-bit mirror, one lookup: entry x is REV[x & FF] << 8 |
        # REV[x >> 8], built as native-order 16-bit values (128 KB, about 1 ms)
        _m = bytearray(131072)
        _m[0 if sys.byteorder == "little" else 1::2] = b"".join(bytes((r,)) * 256 for r in _REV)
        _m[1 if sys.byteorder == "little" else 0::2] = _REV * 256
        _MIRROR = array("H")
        _MIRROR.frombytes(_m)
        del _m

        def run(reg, data, start, end, t):
            try:
                data = data[start:end].translate(_REV)
            except AttributeError:  # a memoryview (bytes and bytearray translate)
                data = bytes(data[start:end]).translate(_REV)
            return _MIRROR[crc_hqx(data, _MIRROR[reg])]
    except ImportError:
        pass
try:
    if run(_INIT, b"123456789", 0, 9, TABLE) != 0x906E ^ _XOROUT:
        run = update_py  # a loop that gets the check value wrong
except Exception:
    run = update_py


def update(reg, data, start=0, end=-1):
    """Run the CRC register over data[start:end] (end=-1: to the end)."""
    if end < 0:
        end = len(data)
    return run(reg, data, start, end, TABLE)


def crc16(data, start=0, end=-1):
    """The FCS value of data[start:end] (xorout applied), as an int."""
    return update(_INIT, data, start, end) ^ _XOROUT


def put(buf, pos, value):
    """Store a CRC value at buf[pos], low byte first (dlms.md 2.4)."""
    buf[pos] = value & 0xFF
    buf[pos + 1] = value >> 8


def good(data, start, end):
    """True when data[start:end-2] is followed by its correct CRC at end-2."""
    return end - start >= 2 and crc16(data, start, end - 2) == (
        data[end - 2] | (data[end - 1] << 8))
