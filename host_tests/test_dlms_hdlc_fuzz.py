# CPython: hypothesis fuzzing of the HDLC FrameReader and HdlcLink
# (issue 5: no exception escapes, no state corruption, never a hang).
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlms import hdlc_address as ha
from dlms import hdlc_frame as hf
from dlms import hdlc_link as hl
from dlms import hdlc_params as hp
import hdlc_captures as cap
from hdlc_testclient import Client, frames_in

FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])

addresses = st.sampled_from([b"\x03", b"\x05", b"\x02\x23", b"\x00\x02\x00\x23",
                             b"\x00\x02\x48\x69", b"\x21", b"\x03"])
clients = st.sampled_from([b"\x21", b"\x03", b"\x23", b"\x41"])
controls = st.one_of(
    st.integers(0, 255),
    st.sampled_from([0x93, 0x83, 0x53, 0x13, 0x03, 0x73, 0x1F, 0x97]),
    st.builds(lambda k, nr, pf: hf.s_control(k, nr, pf),
              st.sampled_from([hf.RR, hf.RNR, hf.REJ]), st.integers(0, 7), st.booleans()),
    st.builds(hf.i_control, st.integers(0, 7), st.integers(0, 7), st.booleans()),
)
infos = st.one_of(st.none(), st.binary(min_size=1, max_size=160),
                  st.builds(lambda b: hl.LLC_REQUEST + b, st.binary(max_size=200)),
                  st.sampled_from([cap.SNRM_PARAMS_512, hp.encode((64, 2000, 7, 7))]))


@st.composite
def valid_frames(draw):
    return bytes(hf.build(draw(addresses), draw(clients), draw(controls), draw(infos),
                          draw(st.booleans())))


@st.composite
def mutated(draw, frame):
    b = bytearray(frame)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.integers(0, 3))
        if not b:
            break
        i = draw(st.integers(0, len(b) - 1))
        if op == 0:
            b[i] ^= 1 << draw(st.integers(0, 7))
        elif op == 1:
            del b[i]
        elif op == 2:
            b.insert(i, draw(st.sampled_from([0x7E, 0xA0, 0x00, 0xFF])))
        else:
            del b[i:]
    return bytes(b)


def _key(f):
    return (f.dest, f.src, f.control, f.info, f.segmented)


def _read_in_chunks(reader, data, cuts):
    got = []
    pos = 0
    cuts = sorted(c % (len(data) + 1) for c in cuts) + [len(data)]
    for end in cuts:
        while pos < end:
            pos += reader.feed(data, pos, end)
            while True:
                f = reader.next_frame()
                if f is None:
                    break
                got.append(f)
            assert reader.buffered() <= len(reader._buf)
    return got


@FUZZ
@given(st.binary(max_size=3000), st.lists(st.integers(0, 5000), max_size=20),
       st.sampled_from([64, 300, 2049]))
def test_reader_random_bytes(data, cuts, capacity):
    r = hf.FrameReader(capacity)
    for f in _read_in_chunks(r, data, cuts):
        raw = hf.build(f.dest, f.src, f.control, f.info or None, f.segmented)
        assert hf.parse(raw, 1, len(raw) - 1) is not None


@FUZZ
@given(st.binary(max_size=200), st.lists(valid_frames(), min_size=1, max_size=6),
       st.lists(st.integers(0, 5000), max_size=10))
def test_reader_finds_every_valid_frame_after_garbage(garbage, frames, cuts):
    r = hf.FrameReader()
    got = _read_in_chunks(r, garbage + b"".join(frames), cuts)
    want = [_key(hf.parse(f, 1, len(f) - 1)) for f in frames]
    assert [_key(f) for f in got][-len(want):] == want


@FUZZ
@given(st.data())
def test_reader_mutated_frames_never_raise_and_resync(data):
    frames = data.draw(st.lists(valid_frames(), min_size=1, max_size=4))
    stream = b"".join([data.draw(mutated(f)) for f in frames]) + cap.A_SNRM
    got = frames_in(stream)
    assert got and got[-1].kind == hf.SNRM and got[-1].dest == b"\x03"


# -- HdlcLink ----------------------------------------------------------------

def _check_invariants(link, out, events, safe):
    assert link.errors == 0
    assert 0 <= link._vs < 8 and 0 <= link._vr < 8
    if not link.connected:
        assert link._tx_data is None and not link._awaiting
        assert link.client_address is None
    assert link._reader.buffered() <= len(link._reader._buf)
    for e in events:
        assert isinstance(e, (hl.Connected, hl.ApduReceived, hl.UiReceived, hl.Disconnected))
        assert not isinstance(e, hl.Disconnected) or e.reason != hl.INTERNAL
    sent = frames_in(out)
    assert sum(len(hf.build(f.dest, f.src, f.control, f.info or None, f.segmented))
               for f in sent) == len(out)  # only whole frames, no garbage
    for f in sent:
        assert len(f.dest) == 1 and f.kind in (hf.UA, hf.DM, hf.RR, hf.I, hf.FRMR)
        if f.kind == hf.I:
            assert len(f.info) <= link.max_info_tx
    if safe and out:
        for f in sent:
            if f.info and f.kind in (hf.I, hf.UA):
                raw = hf.build(f.dest, f.src, f.control, f.info, f.segmented)
                assert raw[-2] != 0x7E


client_frames = st.one_of(
    st.builds(lambda: bytes(Client(16).snrm())),
    st.builds(lambda p: bytes(Client(16).snrm(p)),
              st.sampled_from([cap.SNRM_PARAMS_512, hp.encode((16, 4000, 3, 9)), b"\x81"])),
    st.builds(lambda ns, nr, seg, pf, body: bytes(Client(16).i(hl.LLC_REQUEST + body, seg, pf, ns, nr)),
              st.integers(0, 7), st.integers(0, 7), st.booleans(), st.booleans(),
              st.binary(max_size=140)),
    st.builds(lambda nr, k: bytes(Client(16).rr(nr, k)), st.integers(0, 7),
              st.sampled_from([hf.RR, hf.RNR])),
    st.builds(lambda: bytes(Client(16).disc())),
    st.builds(lambda: bytes(Client(1).snrm())),
    valid_frames(),
    st.binary(max_size=300),
)

actions = st.one_of(
    st.tuples(st.just("rx"), client_frames),
    st.tuples(st.just("mut"), st.data()),
    st.tuples(st.just("send"), st.integers(0, 700)),
    st.tuples(st.just("ack"), st.none()),
    st.tuples(st.just("tick"), st.integers(0, 200000)),
    st.tuples(st.just("local"), st.none()),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(actions, max_size=40), st.booleans(), st.sampled_from([(1,), ((1, 17),), (1, 2)]))
def test_link_random_actions_keep_state_consistent(acts, safe, servers):
    link = hl.HdlcLink(servers, hp.Settings(flag_safe_fcs=safe, max_info_tx=200,
                                            max_info_rx=200, max_apdu=400))
    now = 0
    last = cap.A_SNRM
    for kind, arg in acts:
        if kind == "rx":
            link.receive_data(arg)
            last = arg or last
        elif kind == "mut":
            link.receive_data(arg.draw(mutated(last)))
        elif kind == "send":
            awaiting = link._awaiting and link.connected
            assert link.send_apdu(bytes(arg)) == awaiting
        elif kind == "ack":
            link.acknowledge()
        elif kind == "tick":
            now += arg
            link.tick(now)
        else:
            link.disconnect()
        events = []
        for _ in range(100):
            e = link.next_event()
            if e is None:
                break
            events.append(e)
            if isinstance(e, hl.ApduReceived):
                assert link.connected and link._awaiting
        else:
            raise AssertionError("next_event never returned None")
        _check_invariants(link, link.data_to_send(), events, safe)


# -- a lossy channel: retransmission gives exactly-once delivery -------------

@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(0, 600), min_size=1, max_size=5),
       st.lists(st.booleans(), max_size=300), st.booleans())
def test_lossy_channel_exactly_once(sizes, losses, safe):
    link = hl.HdlcLink([1], hp.Settings(flag_safe_fcs=safe))
    seen = []
    drops = iter(losses)
    streak = [0]

    def lose():
        if streak[0] >= 3:  # the client gives up after 3 repeats (2.9)
            streak[0] = 0
            return False
        d = next(drops, False)
        streak[0] = streak[0] + 1 if d else 0
        return d

    def app(apdu):
        seen.append(apdu)
        return bytes(reversed(apdu)) + b"\x01" * (len(apdu) // 3)

    def transact(frame):
        while True:
            if lose():
                continue  # request lost on the line
            link.receive_data(frame)
            while True:
                e = link.next_event()
                if e is None:
                    break
                if isinstance(e, hl.ApduReceived):
                    link.send_apdu(app(e.apdu))
            out = link.data_to_send()
            assert link.errors == 0
            if lose():
                continue  # answer lost: the client repeats the same frame
            got = frames_in(out)
            assert len(got) == 1
            return got[0]

    c = Client(16)
    assert transact(c.snrm()).kind == hf.UA
    requests = []
    for n, size in enumerate(sizes):
        apdu = bytes(((n * 37 + i) & 0xFF) for i in range(size + 1))
        requests.append(apdu)
        data = hl.LLC_REQUEST + apdu
        for start in range(0, len(data), 128):
            more = start + 128 < len(data)
            ans = transact(c.i(data[start:start + 128], segmented=more))
            if more:
                assert ans.kind == hf.RR and ans.nr == c.vs
        answer = bytearray()
        while True:
            c.got_i(ans)
            answer += ans.info
            if not ans.segmented:
                break
            ans = transact(c.rr())
        assert bytes(answer[3:]) == bytes(reversed(apdu)) + b"\x01" * (len(apdu) // 3)
    assert seen == requests  # each request executed exactly once, in order
    assert transact(c.disc()).kind in (hf.UA, hf.DM)
    assert not link.connected
