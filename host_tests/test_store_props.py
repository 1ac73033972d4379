# CPython property tests for the store: the codec round-trips any supported
# value and fails only with CodecError; random interleavings of commits,
# event appends and power cuts (at a random flash operation, with a random
# tear) never lose a completed commit or event and never mix two states.
from hypothesis import given, settings, strategies as st

import blockdev
from store import codec
from store.codec import CodecError
from store.eventlog import EventLog
from store.state import StateStore
from store_samples import meter_state, reboot_and_check

scalars = (st.none() | st.booleans() | st.integers(-(1 << 64), (1 << 64) - 1)
           | st.text(max_size=20) | st.binary(max_size=20))
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5)
    | st.dictionaries(st.text(max_size=8) | st.integers(-1000, 1000), inner, max_size=5),
    max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(values)
def test_codec_round_trip(v):
    enc = codec.encode(v)
    assert codec.decode(enc) == v
    assert codec.encode(codec.decode(enc)) == enc


@settings(max_examples=300, deadline=None)
@given(values, st.integers(1, 200), st.integers(0, 16), st.integers(0, 8))
def test_codec_one_pass_with_a_size_hint_gives_the_same_bytes(v, hint, head, tail):
    want = bytes(head) + codec.encode(v) + bytes(tail)
    got = codec.encode(v, head, tail, hint)
    assert isinstance(got, bytearray) and got == want


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=64))
def test_decode_random_bytes_fails_only_with_codec_error(data):
    try:
        v = codec.decode(data)
    except CodecError:
        return
    assert codec.decode(codec.encode(v)) == v


@settings(max_examples=300, deadline=None)
@given(values, st.integers(0, 10 ** 6), st.integers(1, 255))
def test_damaged_encoding_fails_only_with_codec_error(v, pos, mask):
    enc = bytearray(codec.encode(v))
    enc[pos % len(enc)] ^= mask
    try:
        codec.decode(bytes(enc))
    except CodecError:
        pass


CAP, PER_SEG = 6, 2
ops = st.lists(st.sampled_from(["big", "small", "event"]), min_size=1, max_size=12)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(ops, st.integers(1, 80), st.integers(0, 2)), min_size=1, max_size=5))
def test_random_interleavings_with_power_cuts(rounds):
    disk = blockdev.RamDisk()
    fs = disk.mount()
    committed, logged = None, []
    n = 0
    for steps, cut, tear in rounds:
        store = StateStore(fs, "/state")
        assert store.load() == committed
        log = EventLog(fs, "/ev", CAP, PER_SEG)
        assert log.entries() == logged[-CAP:]
        disk.arm(cut, tear)
        pending_state = pending_event = None
        try:
            for op in steps:
                n += 1
                if op == "event":
                    pending_event = (log.seq + 1, n, 3, n, -n)
                    log.append(n, 3, n, -n)
                    logged.append(pending_event)
                    pending_event = None
                else:
                    pending_state = meter_state(n) if op == "big" else {"n": n}
                    store.commit(pending_state)
                    committed, pending_state = pending_state, None
        except OSError:
            assert disk.dead
        fs, committed = reboot_and_check(disk, committed, pending_state, logged, pending_event,
                                         CAP, PER_SEG)
