# Portable: the HDLC link at its limits (dlms.md 2.5, 8.2): an information
# field longer than negotiated gets FRMR, however long and however it
# arrives; and no frame the link sends holds 7E 7E (flag-safe rule).
from dlms import hdlc_frame as hf
from dlms import hdlc_link as hl
from dlms import hdlc_params as hp
from hdlc_testclient import Client, connect, exchange, feed, frames_in


def _frmr_fields(out):
    fs = frames_in(out)
    assert len(fs) == 1 and fs[0].kind == hf.FRMR and fs[0].pf, fs
    # ISO/IEC 13239 FRMR information field (modulo 8): the rejected control
    # field; V(S), C/R (0: a command was rejected), V(R); the W X Y Z bits
    i = fs[0].info
    assert len(i) == 3 and i[1] & 0x11 == 0
    return i[0], (i[1] >> 1) & 7, (i[1] >> 5) & 7, i[2]


def test_information_field_over_the_negotiated_length_gets_frmr():
    # any length above max_info_rx (128 by default), also far beyond the
    # receive buffer, and also arriving in small pieces (dlms.md 2.5)
    for size, step in ((129, 1000), (137, 1000), (200, 1000), (600, 1000), (2000, 1000), (600, 5)):
        link = hl.HdlcLink([1])
        c = Client(16)
        connect(link, c)
        ev, out = feed(link, c.i(hl.LLC_REQUEST + b"\xc0\x01\xc1"))  # V(R) 1
        assert len(ev) == 1 and link.send_apdu(b"\xc4\x01\xc1\x00\x00")  # V(S) 1
        c.got_i(frames_in(link.data_to_send())[0])
        frame = c.i(hl.LLC_REQUEST + bytes(size - 3), segmented=True)
        out = b""
        for k in range(0, len(frame), step):
            ev, o = feed(link, frame[k:k + step])
            assert ev == []
            out += o
        assert _frmr_fields(out) == (frame[5], 1, 1, hl.FRMR_Y), (size, step)
        # the rejected frame changed nothing: the same N(S) is expected next
        c.vs = 1
        assert exchange(link, c, b"\xc0\x01\xc1", b"\xc4\x01\xc1\x00\x00")[0].kind == hf.I
        assert link.errors == 0 and link.connected
    # a negotiated larger length is honoured up to its end
    link = hl.HdlcLink([1], hp.Settings(max_info_rx=256))
    c = Client(16)
    ev, out = feed(link, c.snrm(hp.encode((256, 256, 1, 1))))
    assert link.connected and link.max_info_rx == 256
    ev, out = feed(link, c.i(hl.LLC_REQUEST + bytes(253), segmented=True))
    assert ev == [] and frames_in(out)[0].kind == hf.RR
    ev, out = feed(link, c.i(bytes(257)))
    assert _frmr_fields(out)[3] == hl.FRMR_Y


def test_too_long_frames_outside_the_connection():
    link = hl.HdlcLink([1])
    big = Client(16).i(bytes(300))
    # not connected: the poll is answered with DM, as any I-frame in NDM
    ev, out = feed(link, big)
    assert ev == [] and frames_in(out)[0].kind == hf.DM
    # for another address, or with a bad FCS: no answer at all
    assert feed(link, hf.build(b"\x05", b"\x21", 0x10, bytes(300))) == ([], b"")
    c = Client(16)
    connect(link, c)
    bad = bytearray(c.i(bytes(300)))
    bad[-2] ^= 0x55
    assert feed(link, bytes(bad)) == ([], b"")
    assert link.connected and link._reader.bad == 1


def _reply(link, c, got):
    """The whole reply (LLC included), following segments with RR; checks
    every frame is flag-safe; returns (data, info lengths)."""
    data = bytearray()
    sizes = []
    while True:
        f = got[0]
        c.got_i(f)
        data += f.info
        sizes.append(len(f.info))
        raw = hf.build(f.dest, f.src, f.control, f.info, f.segmented)
        assert raw.find(b"\x7e\x7e") < 0, raw
        if not f.segmented:
            return bytes(data), sizes
        got = frames_in(feed(link, c.rr())[1])


def test_flag_safe_segments_never_hold_7e_7e():
    link = hl.HdlcLink([1])
    c = Client(16)
    connect(link, c)
    for n in range(40):
        apdu = bytes(((n * 31 + i * 7) & 0xFF) for i in range(150 + n * 11))
        data, _ = _reply(link, c, exchange(link, c, b"\xc0", apdu))
        assert data == hl.LLC_RESPONSE + apdu
    # 7E 7E in the data, once or several times, near the start or the end,
    # and in the last byte pair
    for apdu in (b"\xc4\x01\xc1\x00\x09\x04ab\x7e\x7e", b"\xc4\x7e\x7e" + bytes(300),
                 b"\xc4" + b"\x7e" * 9 + bytes(140) + b"\x7e\x7e\x00\x7e\x7e\x7e"):
        data, sizes = _reply(link, c, exchange(link, c, b"\xc0", apdu))
        assert data == hl.LLC_RESPONSE + apdu and max(sizes) <= 128
