# Portable: CTS test mode (cts-mode.md part A) on the Cts record and through the Meter.
from meter import cts, cts_control
import vocab
import meter_fakes as f

DRN = "00000000000"
H = 3600


def test_only_reserved_drns_may_enter():  # CTS-4
    c = cts.Cts()
    assert c.enter(1, "12345678901") == cts.REFUSED_DRN
    assert c.enter(1, "0100000000007") == cts.REFUSED_DRN
    assert c.state == cts.NOT_ENTERED
    assert c.enter(1, "0100000000008") == cts.ENTERED


def test_undefined_uut_numbers_refused():
    c = cts.Cts()
    for uut in (0, 5, 42, 99, 100, -1):
        assert c.enter(uut, DRN) == cts.REFUSED_UUT
    assert c.state == cts.NOT_ENTERED


def test_profiles_have_keys_for_both_reserved_drns():
    for uut in (1, 2, 3, 4):
        for drn in cts.RESERVED_DRNS:
            p = cts_control.profile(uut, drn)
            assert len(p["key"]) == (8 if p["ea"] == 7 else 16)
    assert cts_control.profile(1, DRN)["key"] == b"\xe6\x53\x34\x1f\x9d\x5b\xf3\x6f"  # dk-001


def test_timer_counts_and_expires():  # CTS-10, CTS-12
    c = cts.Cts()
    c.enter(1, DRN, 0)
    c.to_record()
    t = 0
    while c.active():
        t += 5
        if c.tick(t):
            c.to_record()
    assert t == 24 * H and c.exit_reason == cts.EXIT_TIMER


def test_power_cycles_never_stretch_or_reset():  # CTS-11, CTS-13, CTS-15
    c = cts.Cts()
    c.enter(2, DRN, 0)
    rec = c.to_record()
    powered = 0
    cycles = 0
    while True:
        # power up: a new Cts from the last committed record; the clock restarts
        c = cts.Cts()
        c.load_record(rec)
        if not c.active():
            break
        t = 1000
        for _ in range(7 + cycles % 13):  # run a while, then lose power
            t += 5
            powered += 5
            if c.tick(t):
                rec = c.to_record()
        cycles += 1
    assert powered <= 24 * H  # never stretched
    assert powered >= 24 * H - cycles * cts.PERSIST_S  # shortened by at most PERSIST_S per cycle


def test_reentry_and_profile_change_keep_the_timer():  # B.6
    c = cts.Cts()
    c.enter(1, DRN, 0)
    c.to_record()
    c.tick(0)
    c.tick(5 * H)
    assert c.enter(3, DRN, 5 * H) == cts.CHANGED
    assert c.uut == 3 and c.elapsed_s == 5 * H
    c.tick(6 * H)
    assert c.elapsed_s == 6 * H


def test_ended_is_final():  # CTS-18
    c = cts.Cts()
    c.enter(1, DRN, 0)
    assert c.exit(cts.EXIT_SHORT_CODE)
    assert not c.exit(cts.EXIT_REGISTER)
    for uut in (1, 2, 3, 4):
        assert c.enter(uut, DRN) == cts.REFUSED_ENDED
    d = cts.Cts()
    d.load_record(c.to_record())
    assert d.ended() and d.enter(1, DRN) == cts.REFUSED_ENDED


def test_missing_or_corrupt_record_means_ended():  # B.5
    for bad in (None, {}, {"st": 1}, {"st": 7, "t": 0, "uut": 1, "x": 0},
                {"st": 1, "t": -5, "uut": 1, "x": 0}, {"st": "a", "t": 0, "uut": 1, "x": 0}):
        c = cts.Cts()
        c.load_record(bad)
        assert c.ended(), bad


# --- through the Meter -----------------------------------------------------------

def _meter(store=None, clock=None, drn=DRN):
    return f.new_meter(store=store, clock=clock, drn=drn)


def test_meter_enter_applies_profile_and_connects():
    clock = f.Clock(0)
    m = _meter(clock=clock)
    m.enter_token(f.make(0, 0, 5, 100), vocab.REMOTE)
    assert m.cts_register_write(2) == cts.ENTERED
    assert m.sts.ea == 11 and m.sts.key == cts_control.profile(2, DRN)["key"] and m.sts.tids == []
    assert m.account.credit[0] == 0
    assert vocab.EV_CTS_ENTERED in m.eventlog.codes()


def test_meter_refuses_other_drns():
    m = _meter(drn="12345678901")
    assert m.cts_register_write(1) == cts.REFUSED_DRN
    assert m.cts_enter(1, True) == cts.REFUSED_DRN
    assert not m.cts.active()


def test_meter_24h_expiry_with_fast_clock_then_locked_forever():
    clock = f.Clock(0)
    store = f.Store()
    m = _meter(store=store, clock=clock)
    assert m.cts_enter(1, True) == cts.ENTERED
    m.enter_token(f.make(0, 0, 10, 1000), vocab.REMOTE)
    assert m.relay.closed
    commits = store.commits
    while m.cts.active():
        clock.t += 5
        m.tick()
    assert clock.t == 24 * H
    # one commit per PERSIST_S of CTS time, no more
    assert store.commits - commits <= 24 * H // cts.PERSIST_S + 2
    assert not m.relay.closed  # CTS-19: no supply even with credit
    assert m.account.credit[0] == 1000
    assert m.enter_token(f.make(0, 0, 11, 10), vocab.REMOTE)[0] == vocab.LOCKOUT
    assert m.cts_register_write(1) == cts.REFUSED_ENDED
    assert m.cts_register_write(0) == cts.REFUSED_ENDED
    # issue 12: a remote reconnect is refused, not reported done with the relay open
    assert m.remote_reconnect() is False and not m.relay.closed
    assert m.manual_reconnect() is False and not m.relay.closed
    # still ended after a power cycle
    m2 = _meter(store=store, clock=f.Clock(0))
    assert m2.cts.ended() and not m2.relay.closed
    assert m2.enter_token(f.make(0, 0, 12, 10), vocab.KEYPAD)[0] == vocab.LOCKOUT
    assert m2.cts_enter(1, True) == cts.REFUSED_ENDED


def test_meter_power_cycles_during_cts():
    store = f.Store()
    m = _meter(store=store, clock=f.Clock(0))
    m.cts_enter(4, False)
    powered = 0
    cycles = 0
    while not m.cts.ended():
        clock = f.Clock(50)  # every power-up restarts the board's tick counter
        m = _meter(store=store, clock=clock)
        for _ in range(100):
            if m.cts.ended():
                break
            clock.t += 5
            powered += 5
            m.tick()
        cycles += 1
    assert 24 * H - cycles * cts.PERSIST_S <= powered <= 24 * H


def test_exit_by_register_and_short_code():
    m = _meter()
    m.cts_enter(1)
    assert m.cts_register_write(0) == cts.ENTERED  # exit accepted
    assert m.cts.exit_reason == cts.EXIT_REGISTER and not m.relay.closed
    m = _meter()
    m.cts_enter(1, True)
    assert m.cts_exit(True) and m.cts.exit_reason == cts.EXIT_SHORT_CODE
    assert not m.cts_exit(True)


def test_power_cut_during_entry_commit_leaves_old_state():
    store = f.Store()
    m = _meter(store=store)
    store.fail_after = 1
    try:
        m.cts_enter(1)
        assert False, "power cut expected"
    except f.PowerCut:
        pass
    m2 = _meter(store=store)
    assert m2.cts.state == cts.NOT_ENTERED
    assert m2.cts_enter(1) == cts.ENTERED


def test_meter_reentry_while_active_does_not_restart_the_timer():
    clock = f.Clock(0)
    store = f.Store()
    m = _meter(store=store, clock=clock)
    assert m.cts_register_write(1) == cts.ENTERED
    for _ in range(12 * H // 5):
        clock.t += 5
        m.tick()
    assert m.cts_register_write(1) == cts.CHANGED  # same UUT again: profile re-applied
    assert m.cts_enter(3, True) == cts.CHANGED
    assert 12 * H <= m.cts.elapsed_s <= 12 * H + cts.PERSIST_S
    while m.cts.active():
        clock.t += 5
        m.tick()
    assert clock.t == 24 * H  # 24 h from the first entry, not from the re-entries
    assert vocab.EV_CTS_PROFILE in m.eventlog.codes()
