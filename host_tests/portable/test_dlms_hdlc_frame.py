# Portable: frame build/parse and the streaming FrameReader (dlms.md 2.1, 2.3).
from dlms import hdlc_frame as hf
from dlms import hdlc_address as ha
from hdlc_captures import (ALL_FRAMES, A_SNRM, A_UA, A_AARQ, A_GET_LDN, A_RR, A_DM,
                           A_DISC_BEFORE_SNRM, B_AARQ, apdu_of, h)
from hdlc_testclient import frames_in


def _parse(f):
    return hf.parse(f, 1, len(f) - 1)


def test_parse_captured_frames():
    f = _parse(A_GET_LDN)
    assert f.dest == b"\x03" and f.src == b"\x21"
    assert f.kind == hf.I and f.ns == 1 and f.nr == 1 and f.pf
    assert not f.segmented
    assert f.info == h("E6 E6 00 C0 01 C1 00 01 00 00 2A 00 00 FF 02 00")
    assert _parse(A_SNRM).kind == hf.SNRM and _parse(A_SNRM).info == b""
    assert _parse(A_UA).kind == hf.UA
    assert _parse(A_DM).kind == hf.DM
    assert _parse(A_DISC_BEFORE_SNRM).kind == hf.DISC
    rr = _parse(A_RR)
    assert rr.kind == hf.RR and rr.nr == 4


def test_control_kinds_of_2_3():
    assert hf.kind(0x93) == hf.SNRM and hf.kind(0x83) == hf.SNRM
    assert hf.kind(0x53) == hf.DISC and hf.kind(0x73) == hf.UA
    assert hf.kind(0x1F) == hf.DM and hf.kind(0x97) == hf.FRMR
    assert hf.kind(0x13) == hf.UI and hf.kind(0x03) == hf.UI
    assert hf.kind(0x91) == hf.RR and hf.kind(0x95) == hf.RNR
    assert hf.kind(0x10) == hf.I and hf.kind(0xFE) == hf.I
    assert hf.i_control(1, 1) == 0x32 and hf.i_control(0, 1) == 0x30
    assert hf.s_control(hf.RR, 4) == 0x91
    assert hf.u_control(hf.SNRM) == 0x93 and hf.u_control(hf.SNRM, False) == 0x83


def test_build_reproduces_every_captured_frame():
    for cap in ALL_FRAMES:
        f = _parse(cap)
        info = f.info if f.info else None
        assert hf.build(f.dest, f.src, f.control, info, f.segmented) == cap


def test_build_segmented_and_window_of_info():
    data = bytes(range(200))
    fr = hf.build(b"\x21", b"\x03", 0x30, data, True, 10, 138)
    assert fr[1] == 0xA8 and fr[2] == 7 + 2 + 128
    p = _parse(fr)
    assert p.segmented and p.info == data[10:138]


def test_build_rejects_frames_over_the_length_field():
    try:
        hf.build(b"\x21", b"\x03", 0x30, bytes(2041))
    except ValueError:
        return
    assert False


def test_parse_rejects_bad_hcs_fcs_length_and_addresses():
    good = bytearray(A_GET_LDN)
    for pos in range(1, len(good) - 1):
        bad = bytearray(good)
        bad[pos] ^= 0x01
        assert _parse(bad) is None, pos
    assert hf.parse(good, 1, len(good) - 2) is None  # length field mismatch
    # 3-byte destination address: legal CRC but not a legal address size
    f = hf.build(h("02 48 69"), b"\x21", 0x93)
    assert _parse(f) is None
    # information field of 1 byte without room for an HCS
    assert hf.parse(h("7E A0 08 03 21 93 00 00 00 7E"), 1, 9) is None


def test_reader_finds_back_to_back_frames_sharing_one_flag():
    stream = A_SNRM + A_AARQ[1:] + A_GET_LDN[1:]  # one 7E between frames
    got = frames_in(stream)
    assert [f.control for f in got] == [0x93, 0x10, 0x32]


def test_reader_says_when_only_new_bytes_can_make_a_frame():
    # waiting: next_frame() would give None until feed() takes bytes (the
    # link then skips the search after each event)
    r = hf.FrameReader()
    assert r.waiting
    r.feed(A_SNRM + A_AARQ[1:])  # two frames sharing a flag
    assert not r.waiting
    assert r.next_frame().control == 0x93 and not r.waiting  # the AARQ is held
    assert r.next_frame().control == 0x10 and r.waiting  # only its closing flag is left
    assert r.next_frame() is None and r.waiting
    r.feed(A_GET_LDN[1:4])  # the next frame, sharing that flag, begins
    assert not r.waiting
    assert r.next_frame() is None and r.waiting
    r.feed(A_GET_LDN[4:])
    assert r.next_frame().control == 0x32 and r.waiting


def _read(r, chunk, whole):
    """A chunk as HdlcLink.receive_event reads it (hf.whole() first when `whole`):
    the controls of its frames, how many whole() gave, the reader's state."""
    got, fast = [], 0
    f = hf.whole(r, chunk) if whole else None
    if f is not None:
        got.append(f.control)
        fast = 1
    else:
        pos = 0
        while pos < len(chunk) or f is not None:
            pos += r.feed(chunk, pos)
            f = r.next_frame()
            if f is not None:
                got.append(f.control)
    return got, fast, (r.buffered(), r.waiting, r.dropped, r.bad)


def test_reader_whole_frame_read_in_place_as_feed_would():
    # hf.whole(): one frame a read is parsed where it is; anything else is left
    # to feed() and next_frame(), and either way the reader ends the same
    bad = bytearray(A_GET_LDN)
    bad[-3] ^= 0xFF
    chunks = [A_SNRM, A_AARQ, A_AARQ[1:], A_GET_LDN[:9], A_GET_LDN[9:], A_SNRM + A_AARQ,
              b"\x00" + A_SNRM, bytes(bad), A_GET_LDN, A_GET_LDN[1:], B_AARQ, A_SNRM[:-1],
              b"\x7e", A_RR, hf.build(b"\x21", b"\x03", 0x30, bytes(300)), A_DM]
    a, b = hf.FrameReader(200), hf.FrameReader(200)
    got_a, got_b, fast = [], [], 0
    for c in chunks:
        ga, _, sa = _read(a, c, False)
        gb, k, sb = _read(b, c, True)
        got_a += ga
        got_b += gb
        fast += k
        assert sa == sb, c
    assert got_a == got_b and len(got_a) == 14  # the bad one dropped, the 300-byte one too long
    # whole frames alone after the last one's closing flag: A_AARQ, A_GET_LDN, B_AARQ, A_RR, A_DM
    # (the first, A_SNRM, finds the reader empty)
    assert fast == 5


def test_reader_with_both_flags_and_garbage():
    stream = b"\x00\xff\x7e\x7e\x7e" + A_SNRM + b"garbage\x7e\xa0" + A_AARQ + b"\x7e"
    got = frames_in(stream)
    assert [f.control for f in got] == [0x93, 0x10]


def test_reader_byte_by_byte():
    stream = A_SNRM + B_AARQ + A_GET_LDN
    r = hf.FrameReader()
    got = []
    for i in range(len(stream)):
        assert r.feed(stream, i, i + 1) == 1
        f = r.next_frame()
        if f is not None:
            got.append(f.control)
    assert got == [0x93, 0x10, 0x32]


def test_flag_inside_frame_and_at_the_end_of_the_fcs():
    # B_AARQ carries 7D 7E inside its information field
    assert [f.kind for f in frames_in(B_AARQ)] == [hf.I]
    # find an information field whose FCS ends in 7E (dlms.md 8.2)
    for n in range(2000):
        info = b"\xe6\xe7\x00" + n.to_bytes(2, "big")
        fr = hf.build(b"\x21", b"\x03", 0x30, info)
        if fr[-2] == 0x7E:
            break
    assert fr[-2] == 0x7E and fr[-1] == 0x7E
    got = frames_in(fr + A_SNRM)
    assert [f.info for f in got][0] == info and got[1].kind == hf.SNRM


def test_bad_frames_are_dropped_and_counted():
    bad = bytearray(A_GET_LDN)
    bad[-3] ^= 0xFF  # FCS
    bad2 = bytearray(A_AARQ)
    bad2[6] ^= 0xFF  # HCS
    r = hf.FrameReader()
    stream = bytes(bad) + bytes(bad2) + A_SNRM
    r.feed(stream)
    f = r.next_frame()
    assert f.kind == hf.SNRM
    assert r.next_frame() is None
    assert r.bad == 2


def test_truncated_frame_gives_way_to_the_next_good_frame():
    stream = A_AARQ[:20] + A_SNRM  # the AARQ claims 43 bytes
    got = frames_in(stream)
    assert [f.kind for f in got] == [hf.SNRM]
    got = frames_in(A_GET_LDN[:-2] + A_SNRM + A_SNRM)  # lost its last FCS byte
    assert [f.kind for f in got] == [hf.SNRM, hf.SNRM]
    # a frame that lost only its closing flag is closed by the next opening one
    got = frames_in(A_GET_LDN[:-1] + A_SNRM)
    assert [f.kind for f in got] == [hf.I, hf.SNRM]


def _read_all(r, stream, step=1000):
    got = []
    pos = 0
    while True:
        f = r.next_frame()
        if f is None:
            n = r.feed(stream, pos, min(len(stream), pos + step))
            if n == 0 and pos >= len(stream):
                return got
            pos += n
        else:
            got.append(f)
        assert r.buffered() <= 64


def test_reader_is_bounded_and_passes_a_frame_longer_than_its_buffer():
    # A frame longer than the buffer is checked as it passes (HCS, running
    # FCS) and comes out with too_long and no information field, so that
    # the link can reject it (FRMR); the frame after it is found as usual.
    r = hf.FrameReader(64)
    big = hf.build(b"\x03", b"\x21", 0x10, bytes(range(100)), True)  # 113 bytes > 64
    for step in (1000, 7, 1):
        got = _read_all(r, big + A_SNRM, step)
        assert [f.kind for f in got] == [hf.I, hf.SNRM], step
        f = got[0]
        assert f.too_long and f.info == b"" and not got[1].too_long
        assert (f.dest, f.src, f.control, f.segmented) == (b"\x03", b"\x21", 0x10, True)
        assert r.buffered() == 1  # the last closing flag: it may open a frame
    # the same frame with a bad FCS, or a bad HCS, is dropped
    for pos in (len(big) - 2, 7):
        bad = bytearray(big)
        bad[pos] ^= 1
        got = _read_all(r, bytes(bad) + A_SNRM, 9)
        assert [f.kind for f in got] == [hf.SNRM] and not got[0].too_long
    # a sender that stops inside it: partial() until cleared (the link's
    # partial-frame timeout)
    r.clear()
    r.feed(big[:80])
    assert r.next_frame() is None and r.partial() and r.buffered() <= 64
    r.clear()
    assert not r.partial() and [f.kind for f in _read_all(r, A_SNRM)] == [hf.SNRM]


def test_reader_drops_pure_garbage_and_clear():
    r = hf.FrameReader(128)
    junk = bytes((i * 7) & 0xFF for i in range(500)).replace(b"\x7e", b"\x00")
    pos = 0
    while pos < len(junk):
        pos += r.feed(junk, pos)
        assert r.next_frame() is None
    assert r.buffered() == 0 and r.dropped == 500
    r.feed(A_SNRM[:5])
    r.clear()
    assert r.buffered() == 0 and r.next_frame() is None


def test_four_byte_server_address_frame():
    dest = ha.server(1, 0x1234, 4)
    fr = hf.build(dest, b"\x21", 0x93)
    p = _parse(fr)
    assert p.dest == dest and ha.decode(p.dest, 0, 4) == (1, 0x1234)


def test_apdu_helper_matches_parser():
    assert b"\xe6\xe6\x00" + apdu_of(A_AARQ) == _parse(A_AARQ).info


def test_resync_parses_each_candidate_once():
    # a frame start claiming 2000 bytes, then 50 well-delimited frames with a
    # bad FCS, fed one byte at a time: each candidate is parsed only once
    bad = bytearray(A_SNRM)
    bad[-2] ^= 0xFF
    stream = b"\x7e\xa7\xd0" + bytes(bad) * 50
    calls = [0]
    real = hf.parse

    def counting(buf, p, q, mv=None):
        calls[0] += 1
        return real(buf, p, q, mv)

    hf.parse = counting
    try:
        r = hf.FrameReader()
        for i in range(len(stream)):
            r.feed(stream, i, i + 1)
            assert r.next_frame() is None
    finally:
        hf.parse = real
    assert 50 <= calls[0] <= 60
