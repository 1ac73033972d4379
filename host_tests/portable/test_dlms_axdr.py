# Portable: A-XDR Data encoding, dlms.md 5.3 examples.
from dlms import axdr
from dlms.axdr import DecodeError
from dlmsdata import decode_all, unhex


EXAMPLES = (  # (tag, value), encoding -- dlms.md 5.3 table
    ((axdr.NULL, None), "00"),
    ((axdr.BOOLEAN, True), "0301"),
    (axdr.bit_string(8, b"\x80"), "040880"),
    (axdr.bit_string(0, b""), "0400"),
    ((axdr.DOUBLE_LONG, -2), "05FFFFFFFE"),
    ((axdr.DOUBLE_LONG_UNSIGNED, 100000), "06000186A0"),
    ((axdr.OCTET_STRING, b"\x00\x01\x02"), "0903000102"),
    ((axdr.VISIBLE_STRING, b"AB"), "0A024142"),
    ((axdr.UTF8_STRING, b"\xc3\xa9"), "0C02C3A9"),
    ((axdr.INTEGER, -1), "0FFF"),
    ((axdr.LONG, -300), "10FED4"),
    ((axdr.UNSIGNED, 200), "11C8"),
    ((axdr.LONG_UNSIGNED, 65535), "12FFFF"),
    ((axdr.LONG64, -1), "14FFFFFFFFFFFFFFFF"),
    ((axdr.LONG64_UNSIGNED, 1 << 32), "150000000100000000"),
    ((axdr.ENUM, 3), "1603"),
    ((axdr.FLOAT32, b"\x3f\xc0\x00\x00"), "173FC00000"),
    ((axdr.ARRAY, [(axdr.UNSIGNED, 1), (axdr.UNSIGNED, 2)]), "0102110111 02"),
    ((axdr.STRUCTURE, [(axdr.LONG_UNSIGNED, 15), (axdr.OCTET_STRING, b"\x00\x00\x28\x00\x00\xff")]),
     "0202120 00F0906000028 0000FF"),
)


def test_examples_encode_and_decode():
    for value, hx in EXAMPLES:
        b = unhex(hx)
        assert axdr.encode(value) == b, hx
        assert decode_all(b) == value, hx


def test_lengths():
    s = bytes(300)
    enc = axdr.encode((axdr.OCTET_STRING, s))
    assert enc[:4] == b"\x09\x82\x01\x2c" and len(enc) == 304
    assert decode_all(enc) == (axdr.OCTET_STRING, s)
    enc = axdr.encode((axdr.OCTET_STRING, bytes(200)))
    assert enc[:3] == b"\x09\x81\xc8"
    for n in (0, 1, 127, 128, 255, 256, 1000):
        buf = bytearray()
        axdr.put_length(buf, n)
        assert len(buf) == axdr.length_size(n)
        buf.extend(bytes(n))
        assert axdr.get_length(buf, 0) == (n, axdr.length_size(n))
    for n, hx in ((65535, "82FFFF"), (65536, "8400010000")):
        buf = bytearray()
        axdr.put_length(buf, n)
        assert bytes(buf) == unhex(hx)
    try:
        axdr.get_length(unhex("82FFFF"), 0)
        assert False
    except DecodeError:
        pass


def test_raw_is_copied_verbatim():
    inner = axdr.encode((axdr.UNSIGNED, 7))
    assert axdr.encode((axdr.ARRAY, [(axdr.RAW, inner)])) == b"\x01\x01\x11\x07"


def test_date_time_example():
    # dlms.md 5.3: 2026-11-22, Sunday, 10:30:00.00, deviation -120, DST active
    b = unhex("090C07EA0B16070A1E0000FF8880")
    tag, v = decode_all(b)
    assert tag == axdr.OCTET_STRING
    assert axdr.parse_date_time(v) == (2026, 11, 22, 7, 10, 30, 0, 0, -120, 0x80)
    assert axdr.date_time(2026, 11, 22, 10, 30, 0, 0, -120, 0x80, 7) == v
    unspecified = axdr.date_time(0xFFFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF)
    assert unspecified[9:11] == b"\x80\x00"
    assert axdr.parse_date_time(unspecified)[8] == axdr.DEVIATION_UNSPECIFIED


def _bad(b):
    try:
        decode_all(b)
    except DecodeError:
        return True
    return False


def test_malformed_inputs_raise_decode_error_only():
    for hx in ("", "06000186", "0905010203", "01020F01", "02820100", "0984FFFFFFFF",
               "0980", "0400FF", "0409FF", "13", "EE", "1900", "03", "0A81", "0000"):
        assert _bad(unhex(hx)), hx


def test_nesting_is_bounded():
    deep = b"\x01\x01" * (axdr.MAX_DEPTH + 1) + b"\x00"
    assert _bad(deep)
    ok = b"\x01\x01" * axdr.MAX_DEPTH + b"\x00"
    assert decode_all(ok)[0] == axdr.ARRAY


def test_element_count_cannot_exceed_input():
    assert _bad(b"\x01\x82\xff\xff\x00")


def test_encode_rejects_out_of_range():
    for value in ((axdr.UNSIGNED, 256), (axdr.INTEGER, -129), (axdr.LONG_UNSIGNED, -1),
                  (axdr.DOUBLE_LONG_UNSIGNED, 1 << 32), (axdr.DATE_TIME, b"\x00"), (0x42, 0)):
        try:
            axdr.encode(value)
            assert False, value
        except axdr.EncodeError:
            pass


def test_integer_edges_round_trip():
    for tag, lo, hi in ((axdr.INTEGER, -128, 127), (axdr.LONG, -32768, 32767),
                        (axdr.DOUBLE_LONG, -(1 << 31), (1 << 31) - 1),
                        (axdr.LONG64, -(1 << 63), (1 << 63) - 1),
                        (axdr.LONG64_UNSIGNED, 0, (1 << 64) - 1)):
        for v in (lo, hi, 0):
            assert decode_all(axdr.encode((tag, v))) == (tag, v)
