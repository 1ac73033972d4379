# Portable: IEC 62056-21 mode E sign-on (dlms.md section 3).
from dlms import iec62056_21 as me


def _meter(**kw):
    return me.ModeE("STSMETER0001", "STS", **kw)


def test_sign_on_to_hdlc_at_9600():
    m = _meter()
    assert m.line == (300, 7, "E", 1) and m.state == me.WAIT_REQUEST
    assert m.receive_data(b"/?!\r\n") == b""
    assert m.data_to_send() == b"/STS5\\2STSMETER0001\r\n"
    assert m.state == me.WAIT_ACK and m.line == (300, 7, "E", 1)
    assert m.receive_data(b"\x06252\r\n") == b""
    assert m.state == me.HDLC and m.line == (9600, 8, "N", 1)
    assert m.data_to_send() == b""  # no echo, no reply: the client sends SNRM
    snrm = b"\x7e\xa0\x07\x03\x21\x93\x0f\x01\x7e"
    assert m.receive_data(snrm) == snrm


def test_gurux_reads_the_baud_char_at_index_4():
    m = _meter(enhanced=False)
    m.receive_data(b"/?!\r\n")
    ident = m.data_to_send()
    assert ident == b"/STS5STSMETER0001\r\n" and ident[4:5] == b"5"


def test_bytes_after_the_ack_in_the_same_chunk_go_to_hdlc():
    m = _meter()
    m.receive_data(b"/?!\r\n")
    assert m.receive_data(b"\x06252\r\n\x7e\xa0") == b"\x7e\xa0"


def test_parity_bits_are_ignored():
    m = _meter()
    with_parity = bytes(b | 0x80 if bin(b).count("1") & 1 else b for b in b"/?!\r\n")
    m.receive_data(with_parity)
    assert m.state == me.WAIT_ACK


def test_device_address():
    m = _meter(device_address="12345678")
    m.receive_data(b"/?87654321!\r\n")
    assert m.data_to_send() == b"" and m.state == me.WAIT_REQUEST
    m.receive_data(b"/?12345678!\r\n")
    assert m.data_to_send().startswith(b"/STS5") and m.state == me.WAIT_ACK
    m = _meter()
    m.receive_data(b"/?12345678!\r\n")  # no address configured: only /?!
    assert m.data_to_send() == b""


def test_lower_rate_selected_and_higher_refused():
    m = _meter()
    m.receive_data(b"/?!\r\n")
    m.receive_data(b"\x06242\r\n")
    assert m.line == (4800, 8, "N", 1)
    m = _meter()
    m.receive_data(b"/?!\r\n")
    m.receive_data(b"\x06262\r\n")  # 19200 > offered 9600
    assert m.state == me.WAIT_REQUEST and m.line == (300, 7, "E", 1)


def test_other_modes_return_to_sign_on():
    for ack in (b"\x06050\r\n", b"\x06051\r\n", b"\x06250\r\n"):
        m = _meter()
        m.receive_data(b"/?!\r\n")
        m.data_to_send()
        m.receive_data(ack)
        assert m.state == me.WAIT_REQUEST and m.data_to_send() == b""


def test_noise_and_overlong_input():
    m = _meter()
    m.receive_data(b"\x00\x06junk\r\n" + b"/" + b"x" * 60 + b"\r\n")
    assert m.state == me.WAIT_REQUEST and m.data_to_send() == b""
    m.receive_data(b"garbage/?!\r\n")
    assert m.state == me.WAIT_ACK


def test_ack_timeout():
    m = _meter(ack_timeout_ms=1500)
    m.tick(100)
    m.receive_data(b"/?!\r\n")
    m.tick(1599)
    assert m.state == me.WAIT_ACK
    m.tick(1600)
    assert m.state == me.WAIT_REQUEST


def test_repeated_request_repeats_the_identification():
    m = _meter()
    m.receive_data(b"/?!\r\n")
    first = m.data_to_send()
    m.receive_data(b"/?!\r\n")
    assert m.data_to_send() == first and m.state == me.WAIT_ACK


def test_reset_after_the_hdlc_session():
    m = _meter()
    m.receive_data(b"/?!\r\n\x06252\r\n")
    assert m.state == me.HDLC
    m.reset()
    assert m.state == me.WAIT_REQUEST and m.line == me.SIGN_ON_LINE


def test_direct_hdlc_on_a_byte_stream():
    m = _meter(allow_direct_hdlc=True)
    snrm = b"\x7e\xa0\x07\x03\x21\x93\x0f\x01\x7e"
    assert m.receive_data(b"\x00" + snrm) == snrm
    assert m.state == me.HDLC and m.line == me.DIRECT_HDLC_LINE
    m = _meter()
    assert m.receive_data(snrm) == b"" and m.state == me.WAIT_REQUEST


def test_constructor_checks():
    for kw in ({"manufacturer": "AB"}, {"baud_char": "9"}):
        try:
            me.ModeE("x", **kw)
        except ValueError:
            continue
        assert False, kw
