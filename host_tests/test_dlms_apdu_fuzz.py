"""CPython: hypothesis fuzz of every APDU decoder and of the association.
Only the defined DecodeError may escape a decoder; the association never
raises, always answers, and its invocation counters never go backwards."""
import os
import sys

from hypothesis import HealthCheck, given, settings, strategies as st

from dlms import acse, association, axdr, gcm, security, xdlms
from dlms.axdr import DecodeError
import provision

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "portable"))
import dlmsdata  # noqa: E402

CAPTURES = [dlmsdata.apdu(n) for n in dlmsdata.names()]
EK = bytes(range(16))
AK = bytes(range(0xD0, 0xE0))
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def mutated(draw):
    """A captured APDU with a few bytes flipped, cut or inserted."""
    b = bytearray(draw(st.sampled_from(CAPTURES)))
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.integers(0, 2))
        i = draw(st.integers(0, max(len(b) - 1, 0)))
        if op == 0 and b:
            b[i] ^= draw(st.integers(1, 255))
        elif op == 1:
            del b[i:]
        else:
            b.insert(i, draw(st.integers(0, 255)))
    return bytes(b)


INPUTS = st.one_of(st.binary(max_size=300), mutated())
DECODERS = (dlmsdata.decode_all, acse.parse_aarq, acse.parse_rlrq, acse.parse_initiate_request,
            xdlms.parse_request, security.parse)


@FUZZ
@given(INPUTS)
def test_decoders_raise_only_decode_error(data):
    for fn in DECODERS:
        try:
            fn(data)
        except DecodeError:
            pass


_scalar = st.one_of(
    st.just((axdr.NULL, None)),
    st.booleans().map(lambda v: (axdr.BOOLEAN, v)),
    st.integers(-(1 << 31), (1 << 31) - 1).map(lambda v: (axdr.DOUBLE_LONG, v)),
    st.integers(0, (1 << 32) - 1).map(lambda v: (axdr.DOUBLE_LONG_UNSIGNED, v)),
    st.integers(-(1 << 63), (1 << 63) - 1).map(lambda v: (axdr.LONG64, v)),
    st.integers(0, (1 << 64) - 1).map(lambda v: (axdr.LONG64_UNSIGNED, v)),
    st.integers(0, 255).map(lambda v: (axdr.UNSIGNED, v)),
    st.integers(-128, 127).map(lambda v: (axdr.INTEGER, v)),
    st.integers(0, 65535).map(lambda v: (axdr.LONG_UNSIGNED, v)),
    st.integers(-32768, 32767).map(lambda v: (axdr.LONG, v)),
    st.integers(0, 255).map(lambda v: (axdr.ENUM, v)),
    st.binary(max_size=300).map(lambda v: (axdr.OCTET_STRING, v)),
    st.binary(max_size=40).map(lambda v: (axdr.VISIBLE_STRING, v)),
    st.binary(min_size=12, max_size=12).map(lambda v: (axdr.DATE_TIME, v)),
    st.integers(0, 64).flatmap(lambda n: st.binary(min_size=(n + 7) // 8, max_size=(n + 7) // 8)
                               .map(lambda b: axdr.bit_string(n, b))),
)
VALUES = st.recursive(_scalar, lambda kids: st.one_of(
    st.lists(kids, max_size=6).map(lambda v: (axdr.ARRAY, v)),
    st.lists(kids, max_size=6).map(lambda v: (axdr.STRUCTURE, v))), max_leaves=30)


@settings(max_examples=200, deadline=None)
@given(VALUES)
def test_axdr_round_trip(value):
    enc = axdr.encode(value)
    assert dlmsdata.decode_all(enc) == value


def _config():
    return provision.dlms_config(None, os.urandom)


@st.composite
def session_apdus(draw):
    """APDUs for an HLS association: valid protected ones and garbage mixed."""
    g = gcm.Gcm(EK)
    out = []
    ic = draw(st.integers(0, 1000))
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.integers(0, 3))
        if kind == 0:
            b = draw(INPUTS)
            if draw(st.booleans()) and b:
                b = draw(st.sampled_from([b"\x60", b"\x62"])) + b[1:]
            out.append(b)
        else:
            plain = draw(st.sampled_from([dlmsdata.apdu("get_ldn"), dlmsdata.apdu("action_disconnect"),
                                          dlmsdata.apdu("get_next_1"), dlmsdata.apdu("hls_action")]))
            form = draw(st.sampled_from([security.FORM_GLO, security.FORM_GENERAL_GLO]))
            ic += draw(st.integers(-2, 3))
            out.append(security.wrap(plain, form, 0x30, max(ic, 0), g, AK, b"ABCDEFGH"))
    return out


@FUZZ
@given(st.sampled_from([1, 16, 17]), st.booleans(), session_apdus())
def test_association_never_raises(sap, start, apdus):
    a = association.Association(_config(), sap)
    if start:
        a.receive(dlmsdata.apdu("aarq_hls" if sap == 1 else "aarq_public"))
    def rx_last():  # clients without keys (16, 17) have no counters
        return a.keys.rx_last if a.keys is not None else -1

    last = rx_last()
    for b in apdus:
        ev = a.receive(b)
        assert ev.kind in (association.REPLY, association.GET, association.SET,
                           association.ACTION, association.RELEASED)
        if ev.kind in (association.REPLY, association.RELEASED):
            assert isinstance(ev.apdu, bytes) and ev.apdu
        else:  # a request for the dispatcher only comes out of an association
            assert a.state == association.ASSOCIATED
        if b[:1] == b"\x62":  # any RLRQ releases
            assert ev.kind == association.RELEASED and a.state == association.IDLE
        if b[:1] == b"\x60":  # any AARQ gets an AARE (or the stale-IC exception)
            assert ev.apdu[0] == 0x61 or ev.apdu[:3] == b"\xd8\x01\x06"
        if ev.kind == association.GET and ev.request.kind != xdlms.NEXT:
            a.get_response(ev.request, [b"\x00"] * len(ev.request.refs))
        assert rx_last() >= last
        last = rx_last()
        assert a.state in (association.IDLE, association.PENDING, association.ASSOCIATED)
