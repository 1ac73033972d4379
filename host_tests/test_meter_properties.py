# CPython property tests (hypothesis): random interleavings of tokens,
# consumption, power cuts (at any commit) and remote/manual switch commands
# never violate the storage invariants of issue 4 item 3 or the relay policy of
# item 2. The STS processor and the store are the contract fakes of
# host_tests/portable/meter_fakes.py, so the properties are about the meter.
from hypothesis import given, settings, strategies as st

from meter import relay_policy as rp
import vocab
import meter_fakes as f

ops = st.one_of(
    st.tuples(st.just("tok"), st.integers(0, 40), st.integers(1, 400)),
    st.tuples(st.just("again"), st.integers(0, 20)),
    st.tuples(st.just("use"), st.integers(0, 700)),
    st.tuples(st.just("cut"), st.integers(1, 3)),
    st.tuples(st.just("reload")),
    st.tuples(st.just("cmd"), st.sampled_from([rp.REMOTE_DISCONNECT, rp.REMOTE_RECONNECT,
                                               rp.MANUAL_RECONNECT])),
    st.tuples(st.just("tick"), st.integers(0, 4000)),
    st.tuples(st.just("tamper")),
    st.tuples(st.just("cleartamper"), st.integers(41, 60)),
    st.tuples(st.just("mpl"), st.integers(61, 80), st.integers(0, 3000)),
    st.tuples(st.just("power"), st.integers(0, 4000)),
)


def _model_command(cs, mode, cmd):
    # independent restatement of the class 70 transitions used (modes 1..6)
    if cmd == rp.REMOTE_DISCONNECT:
        return rp.DISCONNECTED
    if cmd == rp.REMOTE_RECONNECT:
        if cs == rp.DISCONNECTED:
            return rp.CONNECTED if mode in (2, 4) else rp.READY
        return cs
    if cmd == rp.MANUAL_RECONNECT and cs == rp.READY:
        return rp.CONNECTED
    return cs


def _check(m, accepted, model_cs, model):
    stored = m.store.data
    # credit == accepted tokens - consumption recorded (in the durable record)
    assert stored["acct"]["c"][0] == sum(accepted.values()) - stored["acct"]["wh"] // 100
    # every TID reported accepted is in the durable state (tids bounded: the newest)
    newest = sorted(model["tids"])[-f.TID_MEMORY_SIZE:]
    for tid in newest:
        assert tid in stored["sts"]["tids"]
    assert stored["cs"] == model_cs
    # relay policy: closed iff commanded connected, no tamper, no MPL trip and
    # credit available
    t = m.clock()
    tripped = model["trip_until"] is not None and t < model["trip_until"]
    assert m.account.tamper == model["tamper"] and m.account.mpl_w == model["mpl"]
    expect = (model_cs == rp.CONNECTED and not model["tamper"] and not tripped
              and m.account.available() > 0)
    assert m.relay.closed == expect


@settings(max_examples=150, deadline=None)
@given(st.lists(ops, max_size=40), st.sampled_from([1, 2, 3, 4, 5, 6]))
def test_random_interleavings_keep_the_invariants(seq, mode):
    store = f.Store()
    clock = f.Clock(0)
    cfg = {"control_mode": mode, "commit_wh": 300, "commit_interval_s": 1800}
    m = f.new_meter(store=store, clock=clock, config=cfg)
    accepted = {}  # TID -> value, as reported to the user
    tokens = []
    model_cs = rp.CONNECTED
    model = {"tamper": False, "mpl": 0, "trip_until": None, "tids": set()}
    for op in seq:
        try:
            if op[0] == "tok" or op[0] == "again":
                if op[0] == "tok":
                    text = f.make(0, 0, op[1], op[2])
                    tokens.append((op[1], op[2], text))
                elif tokens:
                    tid, value, text = tokens[op[1] % len(tokens)]
                else:
                    continue
                tid, value = int(text[2:10]), int(text[10:18])
                code, _ = m.enter_token(text, vocab.REMOTE)
                if code == vocab.ACCEPT:
                    assert tid not in model["tids"]  # no TID accepted twice
                    accepted[tid] = value
                    model["tids"].add(tid)
            elif op[0] == "use":
                m.consume(op[1])
            elif op[0] == "cut":
                store.fail_after = op[1]
            elif op[0] == "reload":
                m = f.new_meter(store=store, clock=clock, config=cfg)
                model["trip_until"] = None
            elif op[0] == "cmd":
                fn = {rp.REMOTE_DISCONNECT: m.remote_disconnect, rp.REMOTE_RECONNECT: m.remote_reconnect,
                      rp.MANUAL_RECONNECT: m.manual_reconnect}[op[1]]
                fn()
                model_cs = _model_command(model_cs, mode, op[1])
            elif op[0] == "tick":
                clock.t += op[1]
                m.tick()
            elif op[0] == "tamper":
                m.set_tamper(True)
                model["tamper"] = True
            elif op[0] == "cleartamper":
                if m.enter_token(f.make(2, 5, op[1], 0), vocab.REMOTE)[0] == vocab.ACCEPT:
                    assert op[1] not in model["tids"]
                    model["tids"].add(op[1])
                    model["tamper"] = False
            elif op[0] == "mpl":
                if m.enter_token(f.make(2, 0, op[1], op[2]), vocab.REMOTE)[0] == vocab.ACCEPT:
                    assert op[1] not in model["tids"]
                    model["tids"].add(op[1])
                    model["mpl"], model["trip_until"] = op[2], None
            elif op[0] == "power":
                m.set_power(op[1])
                t = clock.t
                if model["trip_until"] is not None and t >= model["trip_until"]:
                    model["trip_until"] = None
                if model["mpl"] > 0 and op[1] > model["mpl"] and model["trip_until"] is None:
                    model["trip_until"] = t + 60
        except f.PowerCut:
            # power is gone: the meter object dies, a new one loads the store;
            # a power limit trip is not kept over a power cycle
            m = f.new_meter(store=store, clock=clock, config=cfg)
            model["trip_until"] = None
        _check(m, accepted, model_cs, model)


cts_ops = st.lists(st.one_of(
    st.tuples(st.just("run"), st.integers(1, 40), st.integers(1, 5)),  # n ticks of 1..5 s
    st.tuples(st.just("cycle")),  # power cycle
    st.tuples(st.just("cut"), st.integers(1, 2)),  # the next commit(s) fail: power lost
    st.tuples(st.just("uut"), st.integers(0, 6)),  # register write (0 = exit)
), max_size=60)


@settings(max_examples=150, deadline=None)
@given(cts_ops)
def test_cts_timer_never_stretched_reset_or_reentered(seq):
    from meter import cts
    limit, persist = 600, 30
    cfg = {"cts_limit_s": limit, "cts_persist_s": persist}
    store = f.Store()
    clock = f.Clock(1000)
    m = f.new_meter(store=store, clock=clock, config=cfg)
    assert m.cts_register_write(1) == cts.ENTERED
    powered = 0  # seconds between ticks of one power-up: what the timer may count
    cycles = 0
    fresh = False  # entry sets the baseline; after a power-up the first tick does
    ended_by_register = False
    for op in seq + [("run", 10000, 5), ("run", 10000, 5)]:
        try:
            if op[0] == "run":
                gap = 7  # time since the last tick (or since power-up)
                for _ in range(op[1]):
                    if m.cts.ended():
                        break
                    clock.t += gap
                    counted = not fresh
                    fresh = False
                    m.tick()
                    if counted:
                        powered += gap
                    gap = op[2]
            elif op[0] == "cycle":
                cycles += 1
                fresh = True
                m = f.new_meter(store=store, clock=clock, config=cfg)
            elif op[0] == "cut":
                store.fail_after = op[1]
            elif op[0] == "uut":
                was_active = m.cts.active()
                r = m.cts_register_write(op[1])
                if op[1] == 0 and was_active:
                    ended_by_register = True
                if not was_active:
                    assert r != cts.ENTERED  # never entered again
        except f.PowerCut:
            cycles += 1
            fresh = True
            m = f.new_meter(store=store, clock=clock, config=cfg)
        if m.cts.ended():
            assert not m.relay.closed
    assert m.cts.ended()
    if not ended_by_register:
        # exit at limit, shortened by at most one reservation per power-up
        assert limit - cycles * persist <= powered <= limit + 7, (powered, cycles)
