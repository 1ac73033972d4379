# Portable: IEC 62056-21 mode E sign-on (dlms.md section 3), the state
# machine and its timeouts, and ModeEPort in front of an HDLC server.
from compat import TICKS_MASK
from dlms import iec62056_21 as me

SIGN_ON = b"/?!\r\n"
ACK_9600 = b"\x06252\r\n"


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
    m.receive_data(SIGN_ON)
    m.data_to_send()
    m.receive_data(b"/?87654321!\r\n" + ACK_9600)  # the ACK is for the other meter
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


def test_no_option_select_in_time_returns_to_sign_on():
    m = _meter(timeout_ms=1500)
    m.tick(100)
    m.receive_data(SIGN_ON)
    m.tick(1599)
    assert m.state == me.WAIT_ACK
    m.tick(1600)
    assert m.state == me.WAIT_REQUEST and m.line == me.SIGN_ON_LINE
    m.receive_data(ACK_9600)  # too late: ignored
    assert m.state == me.WAIT_REQUEST


def test_no_hdlc_session_after_the_switch_returns_to_sign_on():
    m = _meter()  # timeout 5 s
    m.tick(0)
    m.receive_data(SIGN_ON + ACK_9600, 10)
    assert m.line == (9600, 8, "N", 1)
    m.tick(4000)
    m.receive_data(b"\x7e\xa0", 4000)  # bytes (not yet a session) restart the wait
    m.tick(8999)
    assert m.state == me.HDLC
    m.tick(9000)
    assert m.state == me.WAIT_REQUEST and m.line == me.SIGN_ON_LINE


def test_a_session_is_not_timed_out_by_mode_e():
    m = _meter(timeout_ms=1000)
    m.tick(0)
    m.receive_data(SIGN_ON + ACK_9600)
    for t in range(0, 600001, 50000):
        m.tick(t, in_session=True)  # the HDLC inactivity timeout governs
    assert m.state == me.HDLC
    m.tick(600999)
    assert m.state == me.HDLC
    m.tick(601000)  # session gone and nothing since
    assert m.state == me.WAIT_REQUEST


def test_a_message_with_a_pause_over_1500_ms_is_dropped():
    m = _meter()
    m.tick(0)
    m.receive_data(b"/?", 0)
    m.tick(1499)
    m.receive_data(b"!", 1499)  # ta < 1500 ms between characters: still one message
    m.tick(2998)
    m.receive_data(b"\r\n", 2998)
    assert m.state == me.WAIT_ACK
    m.data_to_send()
    m.receive_data(b"\x0625", 3000)
    m.tick(4500)  # 1500 ms without a character: the partial option select is gone
    m.receive_data(b"2\r\n", 4500)
    assert m.state == me.WAIT_ACK
    m.receive_data(ACK_9600, 4600)
    assert m.state == me.HDLC


def test_timeouts_across_the_tick_counter_wrap():
    m = _meter(timeout_ms=1000)
    start = TICKS_MASK - 400
    m.tick(start)
    m.receive_data(SIGN_ON, start)
    m.tick(500)  # 901 ms later, after the wrap
    assert m.state == me.WAIT_ACK
    m.tick(599)
    assert m.state == me.WAIT_REQUEST


def test_the_answer_waits_for_the_reaction_time():
    m = _meter()
    m.tick(1000)
    m.receive_data(SIGN_ON, 1005)
    assert m.data_to_send() == b""
    m.tick(1024)
    assert m.data_to_send() == b""
    m.tick(1025)  # tr = 20 ms after the request
    assert m.data_to_send() == b"/STS5\\2STSMETER0001\r\n"
    assert m.state == me.WAIT_ACK


def test_the_meter_announces_the_short_reaction_time():
    m = me.ModeE("1234")
    m.receive_data(SIGN_ON)
    ident = m.data_to_send()
    assert ident[3:4].islower() and ident.startswith(b"/XXx5")  # placeholder id, tr 20 ms


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


class _Link:
    connected = False


class _Server:
    """The DLMS server as ModeEPort sees it: an HDLC link that an SNRM
    connects and a DISC disconnects (frames reduced to their names here)."""

    def __init__(self):
        self.link = _Link()
        self.received = b""
        self._out = b""

    def receive_data(self, data, now_ms=None):
        self.received += data
        if data == b"SNRM":
            self.link.connected = True
            self._out = b"UA"
        elif data == b"DISC":
            self.link.connected = False
            self._out = b"UA"

    def tick(self, now_ms):
        pass

    def data_to_send(self):
        out, self._out = self._out, b""
        return out


def test_port_sign_on_session_and_back_to_sign_on():
    s = _Server()
    p = me.ModeEPort(_meter(), s)
    p.tick(0)
    assert p.idle() and p.line == me.SIGN_ON_LINE
    p.receive_data(b"SNRM", 1)  # direct HDLC at 300 baud is noise
    assert s.received == b"" and p.data_to_send() == b""
    p.receive_data(SIGN_ON, 2)
    assert not p.idle() and p.data_to_send() == b""  # not before tr
    p.tick(22)
    assert p.data_to_send() == b"/STS5\\2STSMETER0001\r\n"
    p.receive_data(ACK_9600, 3)
    assert p.line == (9600, 8, "N", 1) and p.data_to_send() == b""
    p.receive_data(b"SNRM", 4)
    assert s.link.connected and p.data_to_send() == b"UA"
    p.tick(60000)  # a long session: mode E does not end it
    assert p.line == (9600, 8, "N", 1)
    p.receive_data(b"DISC", 60001)
    assert p.data_to_send() == b"UA"  # the answer leaves at 9600, then the line switches
    assert p.idle() and p.line == me.SIGN_ON_LINE


def test_port_reset_for_a_new_probe():
    s = _Server()
    p = me.ModeEPort(_meter(), s)
    p.receive_data(SIGN_ON + ACK_9600)
    assert p.line == (9600, 8, "N", 1)
    p.reset()
    assert p.idle() and p.line == me.SIGN_ON_LINE
