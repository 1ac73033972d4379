# CPython property test with the real pieces: the STS engine (sts.processor,
# tokens from sts.vend), StateStore and EventLog on littlefs (littlefs-python)
# over the power-cut RAM flash of portable/blockdev.py. Random interleavings of
# tokens (new and replayed), consumption, flash power cuts at a random
# operation, reboots and remote/manual switch commands never break:
#   credit == sum of durable tokens - consumption recorded; no TID twice;
#   a token reported accepted is never lost; relay == policy.
from hypothesis import event, given, settings, strategies as st

from blockdev import RamDisk
from meter.meter import Meter
from meter import relay_policy as rp
from store.state import StateStore
from store.eventlog import EventLog
from sts import vend
import vocab
from sts.state import StsState
import meter_rig as rig

KEY = bytes.fromhex("e653341f9d5bf36f")
DRN = "00000000000"

ops = st.one_of(
    st.tuples(st.just("tok"), st.integers(1, 5), st.integers(1, 300)),
    st.tuples(st.just("again"), st.integers(0, 30)),
    st.tuples(st.just("use"), st.integers(0, 800)),
    st.tuples(st.just("cut"), st.integers(1, 14), st.integers(0, 2)),
    st.tuples(st.just("reboot")),
    st.tuples(st.just("cmd"), st.sampled_from([rp.REMOTE_DISCONNECT, rp.REMOTE_RECONNECT,
                                               rp.MANUAL_RECONNECT])),
    st.tuples(st.just("tick"), st.integers(0, 2000)),
)


class World:
    def __init__(self, mode):
        self.disk = RamDisk(block_size=256, block_count=48)
        self.fs = self.disk.mount()
        self.clock = rig.Clock(0)
        self.mode = mode
        self.m = self.meter()

    def meter(self):
        cfg = {"control_mode": self.mode, "commit_wh": 400, "commit_interval_s": 900}
        return Meter(cfg, StateStore(self.fs, "/m"), StsState(7, KEY, sgc=123456, drn=DRN),
                     self.clock, rig.Relay(), None, EventLog(self.fs, "/e", 24))

    def reboot(self):
        self.fs = self.disk.reboot()
        self.m = self.meter()


@settings(max_examples=60, deadline=None)
@given(st.lists(ops, max_size=30), st.sampled_from([1, 2, 4, 5]))
def test_real_engine_and_store_keep_the_invariants(seq, mode):
    w = World(mode)
    values = {}  # TID -> units of every token made
    made = []
    durable = []  # TIDs of tokens accepted (reported, or committed just before a cut)
    next_tid = 1000
    for op in seq:
        pending = None
        try:
            if op[0] in ("tok", "again"):
                if op[0] == "tok":
                    tid = next_tid
                    next_tid += op[1]
                    values[tid] = op[2]
                    made.append(tid)
                elif made:
                    tid = made[op[1] % len(made)]
                else:
                    continue
                pending = tid
                code, _ = w.m.enter_token(vend.vend(7, KEY, 0, 0, tid=tid, value=values[tid]), vocab.REMOTE)
                if code == vocab.ACCEPT:
                    assert tid not in durable, "TID accepted twice"
                    durable.append(tid)
                else:
                    assert code in (vocab.USED, vocab.OLD), code
            elif op[0] == "use":
                w.m.consume(op[1])
            elif op[0] == "cut":
                w.disk.arm(op[1], op[2])  # tear: nothing, half, garbage
            elif op[0] == "reboot":
                w.reboot()
            elif op[0] == "cmd":
                {rp.REMOTE_DISCONNECT: w.m.remote_disconnect, rp.REMOTE_RECONNECT: w.m.remote_reconnect,
                 rp.MANUAL_RECONNECT: w.m.manual_reconnect}[op[1]]()
            elif op[0] == "tick":
                w.clock.t += op[1]
                w.m.tick()
        except OSError:
            pass
        if w.disk.dead:
            event("power cut during " + op[0])
            w.reboot()
        d = StateStore(w.fs, "/m").load()
        tids = d["sts"]["tids"]
        if pending is not None and pending in tids and pending not in durable:
            durable.append(pending)  # committed; the cut came before the report
            event("token committed, cut before the report")
        for tid in durable:
            assert tid in tids, "accepted token lost"  # fewer than 64 tokens: all remembered
        assert sorted(tids) == sorted(durable)
        assert d["acct"]["c"][0] == sum(values[t] for t in durable) - d["acct"]["wh"] // 100
        m = w.m
        # RAM = durable minus the consumption not yet committed (bounded by policy)
        wh = d["acct"]["wh"]
        assert m.account.consumed_wh == wh + m.uncommitted_wh
        assert m.account.credit[0] == d["acct"]["c"][0] - ((wh + m.uncommitted_wh) // 100 - wh // 100)
        assert m.uncommitted_wh < 400
        expect = m.control_state == rp.CONNECTED and m.account.available() > 0
        assert m.relay.closed == expect
        assert d["cs"] == m.control_state
