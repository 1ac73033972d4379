# Portable: HDLC address encoding and decoding, dlms.md 2.2.
from dlms import hdlc_address as ha
from hdlc_captures import h


def test_client_addresses():
    assert ha.client(16) == b"\x21"
    assert ha.client(1) == b"\x03"
    assert ha.client(17) == b"\x23"
    assert ha.client(0x20) == b"\x41"
    assert ha.client(0x30) == b"\x61"


def test_server_forms_of_2_2():
    assert ha.server(1) == b"\x03"
    assert ha.server(1, 17) == h("02 23")
    assert ha.server(1, 17, 4) == h("00 02 00 23")
    assert ha.server(1, 0x1234) == h("00 02 48 69")
    assert ha.server(0x3FFF, 0x3FFF, 4) == h("FE FE FE FF")


def test_server_rejects_values_that_do_not_fit():
    for args in ((0x80, -1, 1), (1, 0x80, 2), (0x4000, 1, 4), (1, 1, 3)):
        try:
            ha.server(*args)
        except ValueError:
            continue
        assert False, args


def test_length_and_decode_round_trip():
    for upper, lower, size in ((1, -1, 1), (0x7F, -1, 1), (1, 17, 2), (0x7F, 0x7F, 2),
                               (1, 17, 4), (1, 0x1234, 4), (0x3FFF, 0x3FFE, 4)):
        b = ha.server(upper, lower, size)
        assert ha.length(b, 0, len(b)) == size
        assert ha.decode(b, 0, size) == (upper, lower)


def test_malformed_lengths():
    assert ha.length(h("02 02 03"), 0, 3) == 0  # 3 bytes is not a legal size
    assert ha.length(h("02 02 02 02 03"), 0, 5) == 0  # more than 4
    assert ha.length(h("02 02"), 0, 2) == 0  # runs past the end
    assert ha.length(b"", 0, 0) == 0


def test_dlms_cosem_invalid_three_byte_form_is_refused():
    # logical 1 + physical 0x1234 without extended addressing (2.2 quirk)
    assert ha.length(h("02 48 69"), 0, 3) == 0
