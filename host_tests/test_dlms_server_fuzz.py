"""CPython: hypothesis fuzz of the composed DLMS server (HDLC link ->
associations -> COSEM objects -> the Meter facade). Random bytes, mutated
sessions and random GET/SET/ACTION APDUs go in through HDLC frames. After
every step: nothing escaped, no internal error was counted (link.errors,
model.errors), the credit changed only through an accepted token (or an
invoked emergency credit), and the link and associations are in legal states."""
import os
import sys

from hypothesis import HealthCheck, given, settings, strategies as st

from dlms import association, axdr, cosem, obis
from dlms import hdlc_frame as hf
from dlms import hdlc_link as hl
from binding import object_list
from meter.realtime import RealTime
import provision
import vocab

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "portable"))
import meter_fakes as mf  # noqa: E402
from dlmsdata import apdu  # noqa: E402
from hdlc_testclient import Client, frames_in  # noqa: E402

FUZZ = settings(max_examples=120, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
LLC = b"\xe6\xe6\x00"
TOKENS = [mf.make(0, 0, 100 + i, 7) for i in range(3)]


class Harness:
    """A server on the real Meter facade (fake STS engine, RAM store), with
    the public client given every right and every service, so that random
    APDUs reach the objects' code."""

    def __init__(self):
        self.meter = mf.new_meter(drn="11111111115")
        self.accepted = 0
        self.ec = 0
        enter, invoke_ec = self.meter.enter_token, self.meter.invoke_emergency_credit

        def enter_token(text, source=vocab.REMOTE, token=None):
            code, info = enter(text, source, token)
            self.accepted += vocab.accepted(code)
            return code, info

        def invoke():
            ok = invoke_ec()
            self.ec += ok
            return ok

        self.meter.enter_token, self.meter.invoke_emergency_credit = enter_token, invoke
        cfg = provision.dlms_config(None, os.urandom)
        cfg.clients[16] = association.ClientConfig(16)  # all implemented services
        self.server = object_list.dlms_server(self.meter, cfg, store=mf.Store(),
                                          clock=RealTime(lambda: 848000000),
                                          levels={16: 2, 17: 1, 1: 2})
        self.credit = list(self.meter.account.credit)
        self.seen = (0, 0)

    def feed(self, data):
        self.server.receive_data(data, 0)
        out = self.server.data_to_send()
        self.check()
        return out

    def check(self):
        s = self.server
        assert s.link.errors == 0 and s.model.errors == 0
        for sap, a in s.associations.items():
            assert sap in s.config.clients and a.state in (0, 1, 2)
        credit = list(self.meter.account.credit)
        if (self.accepted, self.ec) == self.seen:
            assert credit == self.credit, "credit changed without an accepted token"
        self.credit, self.seen = credit, (self.accepted, self.ec)


def session(h, cl, apdus):
    """Connects and sends each APDU in an I-frame, following the server's
    N(S)/N(R) and fetching segmented answers with RR."""
    h.feed(cl.snrm())
    for a in apdus:
        out = h.feed(cl.i(LLC + a))
        for _ in range(40):
            fs = frames_in(out)
            if not fs or fs[-1].kind != hf.I:
                break
            cl.vr = (fs[-1].ns + 1) & 7
            if not fs[-1].segmented:
                break
            out = h.feed(cl.rr())
    h.feed(cl.disc())


OBJECTS = [(o.class_id, o.ln) for o in cosem.ObjectModel(object_list.objects(None)).objects]
LNS = [ln for _, ln in OBJECTS] + [bytes(6), obis.ln(1, 2, 3, 4, 5)]
CLASSES = [1, 3, 8, 15, 17, 23, 64, 70, 111, 112, 115, 0, 999]
# mostly real (class, logical name) pairs, sometimes anything
_real = st.sampled_from(OBJECTS)
TARGET = st.one_of(_real, _real, _real, st.tuples(st.sampled_from(CLASSES), st.sampled_from(LNS)))
INDEX = st.one_of(st.integers(1, 3), st.integers(1, 3), st.integers(0, 20))


def _octets():
    tok = st.sampled_from(TOKENS)
    return st.one_of(st.binary(max_size=24), tok.map(str.encode),
                     tok.map(bytes.fromhex), tok.map(lambda t: int(t).to_bytes(9, "big")))


_scalar = st.one_of(
    st.just((axdr.NULL, None)), st.booleans().map(lambda v: (axdr.BOOLEAN, v)),
    st.integers(-128, 127).map(lambda v: (axdr.INTEGER, v)),
    st.integers(0, 255).map(lambda v: (axdr.UNSIGNED, v)),
    st.integers(0, 0xFFFFFFFF).map(lambda v: (axdr.DOUBLE_LONG_UNSIGNED, v)),
    st.integers(0, 255).map(lambda v: (axdr.ENUM, v)),
    _octets().map(lambda v: (axdr.OCTET_STRING, v)),
    st.text("0123456789ab", max_size=22).map(lambda v: (axdr.VISIBLE_STRING, v.encode())))
DATA = st.one_of(_scalar, st.lists(_scalar, max_size=3).map(lambda v: (axdr.STRUCTURE, v)))


@st.composite
def request(draw):
    cls, ln = draw(TARGET)
    ref = cls.to_bytes(2, "big") + ln + bytes([draw(INDEX)])
    kind = draw(st.integers(0, 4))
    if kind == 0:
        return b"\xc0\x01\xc1" + ref + b"\x00"
    if kind == 1:
        return b"\xc1\x01\xc1" + ref + b"\x00" + axdr.encode(draw(DATA))
    if kind == 2:
        data = draw(st.one_of(st.none(), DATA))
        return b"\xc3\x01\xc1" + ref + (b"\x00" if data is None else b"\x01" + axdr.encode(data))
    if kind == 3:
        n = draw(st.integers(1, 3))
        return b"\xc0\x03\xc1" + bytes([n]) + b"".join(
            draw(st.sampled_from(CLASSES)).to_bytes(2, "big") + draw(st.sampled_from(LNS))
            + bytes([draw(st.integers(0, 12)), 0]) for _ in range(n))
    return draw(st.binary(max_size=40))


@FUZZ
@given(st.lists(request(), max_size=12))
def test_random_requests_through_hdlc(reqs):
    h = Harness()
    session(h, Client(16, b"\x03"), [apdu("aarq_public")] + reqs + [apdu("rlrq")])
    assert h.server.associations[16].state == 0 and h.server.link.state == hl.NDM


@FUZZ
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=6))
def test_tokens_credit_exactly_once(tokens):
    h = Harness()
    gw = b"\x00\x73" + obis.TOKEN_GATEWAY + b"\x01\x01\x09\x14"
    session(h, Client(16, b"\x03"), [apdu("aarq_public")]
            + [b"\xc3\x01\xc1" + gw + t.encode() for t in tokens])
    assert h.accepted == len(set(tokens))
    assert h.meter.account.credit[0] == 7 * len(set(tokens))


def _mutate(draw, frames):
    out = []
    for f in frames:
        op = draw(st.integers(0, 9))
        b = bytearray(f)
        if op == 0 and b:  # flip a byte
            b[draw(st.integers(0, len(b) - 1))] ^= draw(st.integers(1, 255))
        elif op == 1:  # truncate
            del b[draw(st.integers(0, len(b))):]
        elif op == 2:  # drop
            continue
        elif op == 3:  # duplicate
            out.append(bytes(b))
        elif op == 4:  # garbage before
            out.append(draw(st.binary(max_size=12)))
        out.append(bytes(b))
    return out


@st.composite
def mutated_session(draw):
    """The frames of a whole management session (captured HLS association,
    token enter, release, DISC), numbered as if every answer arrived, then
    mutated frame by frame."""
    cl = Client(draw(st.sampled_from([1, 16, 17])), b"\x03")
    frames = [cl.snrm()]
    for a in [apdu("aarq_hls"), apdu("hls_action"), b"\xc3\x01\xc1\x00\x73" + obis.TOKEN_GATEWAY
              + b"\x01\x01\x09\x14" + TOKENS[0].encode(), apdu("get_ldn"), apdu("rlrq")]:
        frames.append(cl.i(LLC + a))
        cl.vr = (cl.vr + 1) & 7
    frames.append(cl.disc())
    return _mutate(draw, frames)


@FUZZ
@given(mutated_session(), st.lists(st.binary(max_size=60), max_size=3))
def test_mutated_sessions_and_garbage(frames, garbage):
    h = Harness()
    for f in frames + garbage:
        h.feed(f)
    h.server.tick(10 ** 6)  # inactivity timeout: the link drops, associations end
    h.check()
    assert h.server.link.state == hl.NDM
    assert all(a.state == 0 for a in h.server.associations.values())
    assert h.meter.account.credit[0] in (0, 7)
