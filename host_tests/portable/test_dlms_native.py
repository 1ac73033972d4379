# Portable: the native (viper) byte loops of dlms.native against the portable
# ones of hdlc_crc and gcm, and which of the two each port picks. On the
# micropython unix port both run (native code loads there); on CPython, and
# on ports without native code, the import fails and the portable loops must
# be the ones in use (CPython's CRC: binascii's C loop, hdlc_crc).
import sys

from dlms import aes, gcm, hdlc_crc
from dlmsdata import unhex

try:
    from dlms import native
except Exception:
    native = None

UNIX_MICROPYTHON = sys.implementation.name == "micropython" and sys.platform == "linux"


def _data(n, seed):
    return bytes(((seed * 167 + i * 73 + (i * i >> 2)) & 0xFF) for i in range(n))


def test_each_port_picks_native_code_only_where_it_loads():
    if UNIX_MICROPYTHON:
        assert native is not None  # the unix port runs viper code
    g = gcm.Gcm(bytes(range(16)))
    if native is None:
        if sys.implementation.name == "micropython":
            assert hdlc_crc.run is hdlc_crc.update_py
        else:  # CPython: binascii's C loop
            assert hdlc_crc.run is not hdlc_crc.update_py
        assert g._gh is gcm.ghash_py and g._xor is gcm.xor_py
    else:
        assert hdlc_crc.run is native.crc16_update
        assert g._gh is native.ghash and g._xor is native.xor
    p = gcm.Gcm(bytes(range(16)), portable=True)
    assert p._gh is gcm.ghash_py and p._xor is gcm.xor_py


def test_crc_loops_agree():
    loops = [hdlc_crc.update_py, hdlc_crc.run] + ([native.crc16_update] if native else [])
    for run in loops:
        assert run(0xFFFF, b"123456789", 0, 9, hdlc_crc.TABLE) ^ 0xFFFF == 0x906E
    for n in range(0, 300, 7):
        d = _data(n, n)
        for start in (0, 1, n // 3):
            if start > n:
                continue
            want = hdlc_crc.update_py(0x1234, d, start, n, hdlc_crc.TABLE)
            for run in loops:
                assert run(0x1234, d, start, n, hdlc_crc.TABLE) == want, (n, start)
            for buf in (bytearray(d), memoryview(d)):  # what the frame code passes
                assert hdlc_crc.run(0x1234, buf, start, n, hdlc_crc.TABLE) == want


def test_tag_comparison_loops_agree():
    assert gcm._native_ok == (native is not None)  # checked as gcm loads
    for n in (0, 1, 12, 16, 33):
        a = _data(n, n)
        assert gcm.equal(a, bytearray(a)) and gcm.equal(memoryview(a), a)
        for i in range(n):  # one byte differs, anywhere
            b = bytearray(a)
            b[i] ^= 0x40
            assert not gcm.equal(a, b) and not gcm.equal(memoryview(b)[:n], a)
            if native:
                assert native.diff(a, b, n) == 0x40 and native.diff(a, a, n) == 0
    assert not gcm.equal(b"abc", b"ab")


def test_ghash_and_xor_loops_agree():
    for seed in range(6):
        h = _data(16, seed + 100)
        m = gcm._ghash_table(h, gcm.xor_py)
        if native:
            mn = gcm._ghash_table(h, native.xor)
            assert [(mn[i >> 1] >> (0 if i & 1 else 16)) & 0xFFFF for i in range(128)] == m
        for n in (0, 1, 15, 16, 17, 31, 32, 33, 70):
            d = _data(n + 3, seed)
            y1 = bytearray(_data(16, seed + 7))
            y2 = bytearray(y1)
            gcm.ghash_py(y1, d, 3, n + 3, m, gcm._R4)
            if native:
                native.ghash(y2, d, 3, n + 3, mn, gcm._LAST4)
                assert y1 == y2, (seed, n)
            a = bytearray(n + 2)
            b = bytearray(n + 2)
            gcm.xor_py(a, 2, d, 3, d, 1, n)
            assert all(a[2 + i] == d[3 + i] ^ d[1 + i] for i in range(n))
            if native:
                native.xor(b, 2, d, 3, d, 1, n)
                assert a == b


def test_ghash_of_the_gcm_spec_test_case_2():
    # McGrew-Viega test case 2: H = E(0^128, 0^128); X1 = C * H, then
    # GHASH(H, {}, C) after the length block (values from the spec)
    h = unhex("66e94bd4ef8a2c3b884cfa59ca342b2e")
    c = unhex("0388dace60b6a392f328c2b971b2fe78")
    lens = bytes(15) + b"\x80"
    loops = [(gcm.ghash_py, gcm.xor_py, gcm._R4)]
    if native:
        loops.append((native.ghash, native.xor, gcm._LAST4))
    for loop, xor, r4 in loops:
        m = gcm._ghash_table(h, xor)
        y = bytearray(16)
        loop(y, c, 0, 16, m, r4)
        assert bytes(y) == unhex("5e2ec746917062882c85b0685353deb7")
        loop(y, lens, 0, 16, m, r4)
        assert bytes(y) == unhex("f38cbb1ad69223dcc3457ae5b6b0f885")


def test_aes_encrypts_several_blocks_in_one_call_like_cryptolib():
    key = bytes(range(16))
    data = _data(64, 5)
    one = b"".join(aes.Aes128(key).encrypt(data[i:i + 16]) for i in range(0, 64, 16))
    for portable in (True, False):
        e = aes.new(key, portable)
        out = bytearray(64)
        e.encrypt(data, out)
        assert bytes(out) == one, portable
        buf = bytearray(data)
        e.encrypt(buf, buf)  # in place, as gcm's key stream does
        assert bytes(buf) == one, portable
    try:
        aes.Aes128(key).encrypt(bytes(20))
        raise AssertionError("accepted a partial block")
    except ValueError:
        pass
