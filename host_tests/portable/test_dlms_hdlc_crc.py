# Portable: HCS/FCS CRC-16/X.25 (dlms.md 2.4) against the standard check
# value and every captured frame.
from dlms import hdlc_crc
from hdlc_captures import ALL_FRAMES, A_SEGMENT_HEADER, A_SEGMENT_HCS, h


def test_check_value():
    assert hdlc_crc.crc16(b"123456789") == 0x906E


def test_worked_examples_of_2_4():
    assert hdlc_crc.crc16(h("A0 07 03 21 93")) == 0x010F
    assert hdlc_crc.crc16(h("A0 19 03 21 32")) == 0xD86F


def test_fcs_of_every_captured_frame():
    for f in ALL_FRAMES:
        n = len(f)
        fcs = f[n - 3] | f[n - 2] << 8
        assert hdlc_crc.crc16(f, 1, n - 3) == fcs, f
        assert hdlc_crc.good(f, 1, n - 1)


def test_good_frame_residue():
    for f in ALL_FRAMES:
        assert hdlc_crc.update(0xFFFF, f, 1, len(f) - 1) == hdlc_crc.GOOD_RESIDUE


def test_hcs_of_captured_segment_header():
    hcs = hdlc_crc.crc16(A_SEGMENT_HEADER)
    assert hcs == A_SEGMENT_HCS[0] | A_SEGMENT_HCS[1] << 8


def test_put_is_low_byte_first():
    buf = bytearray(3)
    hdlc_crc.put(buf, 1, 0x8012)
    assert buf == b"\x00\x12\x80"


def test_start_end_window():
    data = b"xx123456789yy"
    assert hdlc_crc.crc16(data, 2, 11) == 0x906E
    assert not hdlc_crc.good(b"\x01", 0, 1)


def test_the_ports_loop_is_the_portable_loop():
    # run: native code, binascii's on CPython, or update_py itself; the same
    # register for any start value, data and window, bytes or bytearray
    reg = 0x1234
    for n in range(0, 200, 7):
        data = bytes((i * 37 + n) & 0xFF for i in range(n + 2))
        for start in (0x0000, 0xFFFF, hdlc_crc.GOOD_RESIDUE, reg):
            want = hdlc_crc.update_py(start, data, 1, n + 1, hdlc_crc.TABLE)
            assert hdlc_crc.run(start, data, 1, n + 1, hdlc_crc.TABLE) == want
            assert hdlc_crc.run(start, bytearray(data), 1, n + 1, hdlc_crc.TABLE) == want
        reg = (reg * 75 + 74) & 0xFFFF
