# Portable: the flag-safe rule for outgoing frames (dlms.md 2.7, 8.2): which
# frames are safe, and the order of the cuts tried for one that is not.
from dlms import hdlc_frame as hf
from dlms import hdlc_segment as seg
from dlms import hdlc_address as ha


def test_a_frame_is_safe_without_two_adjacent_flags():
    assert seg.safe(hf.build(b"\x21", b"\x03", 0x30, b"\xe6\xe7\x00\x7e\x00\x7e"))
    assert not seg.safe(hf.build(b"\x21", b"\x03", 0x30, b"\xe6\xe7\x00\x7e\x7e"))
    for n in range(3000):  # an FCS ending in 7E meets the closing flag
        f = hf.build(b"\x21", b"\x03", 0x30, n.to_bytes(3, "big"))
        if f[-2] == 0x7E:
            break
    assert f[-2] == 0x7E and not seg.safe(f)


def test_fcs_depends_on_the_information_bytes_only():
    info = bytes(((i * 29 + 3) & 0xFF) for i in range(40))
    want = hf.info_fcs(info, 0, 40)
    for dest, src, ctl, more in ((b"\x21", b"\x03", 0x30, False),
                                 (b"\x03", ha.server(1, 0x1234, 4), 0xFE, True),
                                 (b"\x41", b"\x02\x23", 0x13, False)):
        f = hf.build(dest, src, ctl, info, more)
        assert f[-3] | f[-2] << 8 == want
        assert hf.build(dest, src, ctl, info, more, 0, 40, want) == f


def test_cut_order():
    data = bytes(range(100))  # no 7E 7E pair
    # the last piece of a reply: keep all but 2 bytes, then all but 1, ...
    assert seg.cuts(data, 10, 20, True)[:4] == [18, 19, 17, 16]
    assert seg.cuts(data, 0, 2, True) == [1]
    # a piece with more to come: the longest first
    assert seg.cuts(data, 0, 20, False)[:3] == [19, 18, 17]
    assert len(seg.cuts(data, 0, 128, False)) == 15 and min(seg.cuts(data, 0, 5, False)) == 1
    # a 7E 7E inside the piece: cut between the two, then just before them
    data = b"\xe6\xe7\x00" + bytes(10) + b"\x7e\x7e" + bytes(10)
    assert seg.cuts(data, 0, 25, True)[:3] == [14, 13, 23]
    assert seg.cuts(data, 13, 12, True)[:2] == [1, 10]
