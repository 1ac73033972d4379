# Portable: segment planning and the flag-safe rule (dlms.md 2.7, 8.2).
from dlms import hdlc_frame as hf
from dlms import hdlc_segment as seg
from dlms import hdlc_address as ha


def _data(n, seed):
    return bytes(((seed * 131 + i * 29 + (i >> 3)) & 0xFF) for i in range(n))


def test_plain_plan_is_fixed_size_chunks():
    assert seg.plan(bytes(300), 128, False) == [128, 256, 300]
    assert seg.plan(bytes(128), 128, False) == [128]
    assert seg.plan(b"", 128, False) == []


def test_fcs_depends_on_the_information_bytes_only():
    info = _data(40, 3)
    want = seg.fcs_last_byte(info, 0, 40)
    for dest, src, ctl, more in ((b"\x21", b"\x03", 0x30, False),
                                 (b"\x03", ha.server(1, 0x1234, 4), 0xFE, True),
                                 (b"\x41", b"\x02\x23", 0x13, False)):
        assert hf.build(dest, src, ctl, info, more)[-2] == want


def test_flag_safe_plan_never_ends_a_frame_in_7e():
    hits = 0
    for n in range(1, 400):
        data = _data(n, n)
        plain = seg.plan(data, 128, False)
        hits += any(seg.fcs_last_byte(data, a, b) == 0x7E
                    for a, b in zip([0] + plain[:-1], plain))
        ends = seg.plan(data, 128, True)
        assert ends[-1] == n
        starts = [0] + ends[:-1]
        for a, b in zip(starts, ends):
            assert 0 < b - a <= 128
            assert seg.fcs_last_byte(data, a, b) != 0x7E
    assert hits > 0  # the rule had work to do
