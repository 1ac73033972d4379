"""CPython: the results the firmware keeps by their whole input (dlms.kept:
HDLC frames, AARQs, InitiateRequests; the virtual meter's head-end repeats
them) are what a fresh parse of the same bytes gives, and the keeping is
bounded. (MicroPython keeps nothing: the portable tests run the plain
functions there.)"""
import pytest

from dlms import acse, association, axdr  # noqa: F401 (association keeps acse's parses)
from dlms import hdlc_frame as hf
from dlms.kept import kept
from dlmsdata import apdu
from hdlc_captures import A_AARQ, A_DISC_BEFORE_SNRM, A_GET_LDN, A_RR, A_SNRM, A_UA, h

FRAMES = (A_SNRM, A_UA, A_AARQ, A_GET_LDN, A_RR, A_DISC_BEFORE_SNRM,
          bytes(hf.build(h("00 02 00 23"), b"\x21", 0x10, b"\xe6\xe6\x00\xc0", True)))


def fields(x):
    return {k: getattr(x, k) for k in dir(x) if not k.startswith("_")}


def test_kept_gives_the_fresh_result_and_keeps_at_most_size():
    calls = []

    def length(b):
        calls.append(b)
        if not b:
            raise ValueError("empty")
        return [len(b)]
    f = kept(length, 2)
    assert f.fresh is length
    assert f(b"ab") == [2] and f(bytearray(b"ab")) == [2] and calls == [b"ab"]
    assert f(b"abc") == [3] and f(b"ab") == [2] and len(calls) == 2
    assert f(b"abcd") == [4]  # the oldest (b"ab") goes
    assert f(b"ab") == [2] and calls == [b"ab", b"abc", b"abcd", b"ab"]
    for _ in range(2):  # an input that raises is not kept
        with pytest.raises(ValueError):
            f(b"")
    assert calls.count(b"") == 2


def test_kept_frames_equal_fresh_parses():
    fresh = hf._content.fresh
    for frame in FRAMES:
        first = hf.parse(frame, 1, len(frame) - 1)
        assert first is not None
        assert fields(first) == fields(fresh(frame[1:-1]))
        # the same content from a reader's buffer (bytearray, memoryview): the kept frame
        buf = bytearray(b"\x00" + frame)
        again = hf.parse(buf, 2, len(buf) - 1, memoryview(buf))
        assert again is first and type(again.info) is bytes and type(again.src) is bytes
    for bad in (A_SNRM[:-2] + b"\x00\x7e", A_AARQ[:20] + b"\xff" + A_AARQ[21:]):
        assert hf.parse(bad, 1, len(bad) - 1) is None and fresh(bad[1:-1]) is None


def test_kept_aarq_and_initiate_request_equal_fresh_parses():
    for name in ("aarq_public", "aarq_hls"):
        data = apdu(name)
        q = acse.parse_aarq(data)
        assert fields(q) == fields(acse.parse_aarq.fresh(data)) and acse.parse_aarq(data) is q
    data = apdu("initiate_request")
    ini = acse.parse_initiate_request(data)
    assert fields(ini) == fields(acse.parse_initiate_request.fresh(data))
    assert acse.parse_initiate_request(data) is ini
    with pytest.raises(axdr.DecodeError):
        acse.parse_aarq(apdu("aarq_public")[:-1])
