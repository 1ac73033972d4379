# Portable: the Meter facade with contract-following fakes (meter_fakes.py).
import vocab
from meter import relay_policy as rp
from meter import account as ac
import meter_fakes as f


def test_fresh_meter_commits_factory_state_and_opens_relay():
    store = f.Store()
    m = f.new_meter(store=store)
    assert store.commits == 1 and store.data["sts"]["drn"] == "00000000000"
    assert m.relay.closed is False and m.relay_reason == vocab.REASON_NO_CREDIT


def test_token_commits_credit_and_tid_together():
    store = f.Store()
    m = f.new_meter(store=store)
    code, info = m.enter_token(f.make(0, 0, 100, 250), vocab.REMOTE)
    assert code == vocab.ACCEPT and info["credit"] == 250
    assert store.data["acct"]["c"][0] == 250 and 100 in store.data["sts"]["tids"]
    assert m.relay.closed
    assert m.display.text == "Accept 01"
    assert m.enter_token(f.make(0, 0, 100, 250), vocab.REMOTE)[0] == vocab.USED
    assert m.account.credit[0] == 250 and store.commits == 2


def test_rejects_do_not_commit():
    store = f.Store()
    m = f.new_meter(store=store)
    for text in ("123", "x" * 20, "1" * 20):
        assert not vocab.accepted(m.enter_token(text, vocab.REMOTE)[0])
    assert store.commits == 1
    assert m.eventlog.codes().count(vocab.EV_TOKEN_REJECTED) == 3


def test_overflow_rejected_and_nothing_recorded():
    store = f.Store()
    m = f.new_meter(store=store)
    m.enter_token(f.make(0, 0, 1, 99999999), vocab.REMOTE)
    for i in range(20):
        m.account.credit[0] = ac.REGISTER_MAX - 10
    store_commits = store.commits
    code, _ = m.enter_token(f.make(0, 0, 2, 11), vocab.REMOTE)
    assert code == vocab.OVERFLOW
    assert 2 not in m.sts.tids and store.commits == store_commits
    assert m.account.credit[0] == ac.REGISTER_MAX - 10
    assert m.enter_token(f.make(0, 0, 2, 10), vocab.REMOTE)[0] == vocab.ACCEPT


def test_unsupported_register_is_function_error():
    m = f.new_meter()
    assert m.enter_token(f.make(0, 1, 5, 10), vocab.REMOTE)[0] == vocab.FUNCTION
    assert 5 not in m.sts.tids


def test_consumption_commits_at_a_bounded_rate():
    store = f.Store()
    clock = f.Clock(0)
    m = f.new_meter(store=store, clock=clock)
    m.enter_token(f.make(0, 0, 1, 100000), vocab.REMOTE)
    c0 = store.commits
    for s in range(3600):  # one hour at 3.6 kW: 1 Wh per second
        clock.t = s
        m.consume(1)
        m.tick()
    assert m.account.credit[0] == 100000 - 36
    assert store.commits - c0 == 3  # every 1000 Wh, not per pulse
    clock.t = 3600 + 3600
    m.tick()
    assert store.commits - c0 == 4  # the remaining 600 Wh after the interval
    assert store.data["acct"]["c"][0] == m.account.credit[0]


def test_credit_exhaustion_opens_and_token_recloses():
    m = f.new_meter()
    m.enter_token(f.make(0, 0, 1, 3), vocab.REMOTE)
    assert m.relay.closed
    m.consume(299)
    assert m.relay.closed
    m.consume(1)
    assert not m.relay.closed and m.relay_reason == vocab.REASON_NO_CREDIT
    assert m.store.data["acct"]["c"][0] == 0  # committed at exhaustion
    m.enter_token(f.make(0, 0, 2, 1), vocab.KEYPAD)
    assert m.relay.closed
    assert vocab.EV_RELAY_OPENED in m.eventlog.codes() and vocab.EV_RELAY_CLOSED in m.eventlog.codes()


def test_remote_disconnect_reconnect_modes():
    m = f.new_meter(config={"control_mode": 1})
    m.enter_token(f.make(0, 0, 1, 100), vocab.REMOTE)
    assert m.remote_disconnect() and not m.relay.closed
    assert m.store.data["cs"] == rp.DISCONNECTED
    m.enter_token(f.make(0, 0, 2, 100), vocab.REMOTE)  # credit does not override a remote disconnect
    assert not m.relay.closed
    assert m.remote_reconnect() and not m.relay.closed  # mode 1: ready_for_reconnection
    assert m.control_state_view() == rp.READY
    assert m.manual_reconnect() and m.relay.closed
    m2 = f.new_meter(config={"control_mode": 2})
    m2.enter_token(f.make(0, 0, 1, 100), vocab.REMOTE)
    m2.remote_disconnect()
    assert m2.remote_reconnect() and m2.relay.closed
    m0 = f.new_meter(config={"control_mode": 0})
    assert not m0.remote_disconnect() and m0.relay.closed


def test_remote_switch_commands_show_on_the_display():
    """A head-end's disconnect is not a mystery at the meter: the display
    says so, and the idle text keeps saying OFF until the relay may close."""
    m = f.new_meter(config={"control_mode": 1})
    m.enter_token(f.make(0, 0, 1, 100), vocab.REMOTE)
    assert m.remote_disconnect() and m.display.text == "Disconnected"
    assert m.credit_text() == "Cr 10.0 OFF"
    assert m.remote_reconnect() and m.display.text == "Reconnect: 05#"  # mode 1: the customer
    assert m.credit_text() == "Cr 10.0 OFF"
    assert m.manual_reconnect() and m.credit_text() == "Cr 10.0"
    m4 = f.new_meter(config={"control_mode": 4})
    m4.enter_token(f.make(0, 0, 1, 100), vocab.REMOTE)
    m4.remote_disconnect()
    assert m4.remote_reconnect() and m4.display.text == "Connected" and m4.relay.closed
    m0 = f.new_meter(config={"control_mode": 0})  # refused: nothing shown
    m0.display.text = "Cr 0.0"
    assert not m0.remote_disconnect() and m0.display.text == "Cr 0.0"


def test_commanded_state_survives_power_cycle():
    store = f.Store()
    m = f.new_meter(store=store)
    m.enter_token(f.make(0, 0, 1, 100), vocab.REMOTE)
    m.remote_disconnect()
    m2 = f.new_meter(store=store)
    assert not m2.relay.closed and m2.relay_reason == vocab.REASON_COMMANDED


def test_power_limit_trip_and_reconnect():
    clock = f.Clock(0)
    m = f.new_meter(clock=clock, config={"account": {"mpl_reconnect_s": 60}})
    m.enter_token(f.make(0, 0, 1, 1000), vocab.REMOTE)
    assert m.enter_token(f.make(2, 0, 2, 2000), vocab.REMOTE)[0] == vocab.ACCEPT
    assert m.account.mpl_w == 2000
    m.set_power(1500)
    assert m.relay.closed
    clock.t = 10
    m.set_power(2500)
    assert not m.relay.closed and m.relay_reason == vocab.REASON_POWER_LIMIT
    clock.t = 69
    m.tick()
    assert not m.relay.closed
    clock.t = 70
    m.tick()
    assert m.relay.closed
    assert vocab.EV_POWER_LIMIT_TRIP in m.eventlog.codes()


def test_tamper_and_clear_tamper_token():
    m = f.new_meter()
    m.enter_token(f.make(0, 0, 1, 1000), vocab.REMOTE)
    m.set_tamper(True)
    assert not m.relay.closed and m.relay_reason == vocab.REASON_TAMPER
    m.set_tamper(False)  # only a token clears it
    assert not m.relay.closed
    assert m.enter_token(f.make(2, 5, 2, 0), vocab.REMOTE)[0] == vocab.ACCEPT
    assert m.relay.closed


def test_clear_credit_token():
    m = f.new_meter()
    m.enter_token(f.make(0, 0, 1, 1000), vocab.REMOTE)
    m.enter_token(f.make(2, 1, 2, 99999999), vocab.REMOTE)
    assert m.account.credit[0] == 0 and not m.relay.closed


def test_key_change_and_test_token():
    store = f.Store()
    m = f.new_meter(store=store)
    c = store.commits
    code, info = m.enter_token(f.make(1, 0, 0, 3), vocab.REMOTE)
    assert code == vocab.ACCEPT and info["control"] == 3 and store.commits == c
    code, _ = m.enter_token(f.make(2, 3, 1, 4), vocab.REMOTE)
    assert code == vocab.KCT2_ACCEPTED and m.sts.krn == 4 and store.commits == c + 1
    e = [x for x in m.eventlog.entries() if x[2] == vocab.EV_KEY_CHANGED][-1]
    assert e[3] == 4 and e[4] == 1


def test_power_cut_during_token_commit_loses_nothing_reported():
    store = f.Store()
    m = f.new_meter(store=store)
    m.enter_token(f.make(0, 0, 1, 10), vocab.REMOTE)
    store.fail_after = 1
    try:
        m.enter_token(f.make(0, 0, 2, 20), vocab.REMOTE)
        assert False
    except f.PowerCut:
        pass
    m2 = f.new_meter(store=store)
    assert m2.account.credit[0] == 10 and 2 not in m2.sts.tids
    assert m2.enter_token(f.make(0, 0, 2, 20), vocab.REMOTE)[0] == vocab.ACCEPT
    assert m2.account.credit[0] == 30


def test_events_of_a_commit_reach_the_log_after_a_cut():
    store = f.Store()
    log = f.EventLog()
    m = f.new_meter(store=store, log=log)

    class CutLog(f.EventLog):
        def append(self, *a):
            raise f.PowerCut()
    m.eventlog = CutLog()  # the state commit succeeds, the ring append is lost
    m.enter_token(f.make(0, 0, 7, 10), vocab.REMOTE)
    m2 = f.new_meter(store=store, log=log)
    accepted = [e for e in log.entries() if e[2] == vocab.EV_TOKEN_ACCEPTED]
    assert len(accepted) == 1 and accepted[0][4] == 7
    m3 = f.new_meter(store=store, log=log)  # and not twice
    assert len([e for e in log.entries() if e[2] == vocab.EV_TOKEN_ACCEPTED]) == 1


def test_unreadable_state_gives_safe_state():
    store = f.Store()
    store.data = {"v": 1, "sts": {}, "acct": {}}
    m = f.new_meter(store=store)
    assert m.fault and not m.relay.closed and m.relay_reason == vocab.REASON_FAULT
    assert m.enter_token(f.make(0, 0, 1, 10), vocab.REMOTE)[0] == vocab.LOCKOUT


def test_corrupt_store_is_never_overwritten():
    class Corrupt(f.Store):
        def load(self):
            raise ValueError("no valid copy")
    store = Corrupt()
    m = f.new_meter(store=store)
    assert m.fault and not m.relay.closed
    assert not m.remote_disconnect() and not m.invoke_emergency_credit()
    assert m.cts_register_write(1) != 0 and not m.cts_exit()
    m.consume(5000)
    m.power_down()
    m.tick(10000)
    assert store.commits == 0 and store.data is None


def test_postpayment_relay_stays_closed():
    m = f.new_meter(config={"account": {"payment_mode": ac.POSTPAYMENT}})
    assert m.relay.closed
    m.consume(5000)
    assert m.relay.closed and m.account.credit[0] == -50


def test_emergency_credit_through_meter():
    m = f.new_meter(config={"account": {"ec_amount": 20, "low_credit": 5}})
    assert m.invoke_emergency_credit() and m.relay.closed
    m.consume(2000)
    assert not m.relay.closed
    m.enter_token(f.make(0, 0, 1, 30), vocab.REMOTE)
    assert m.account.credit[0] == 10 and not m.account.ec_active and m.relay.closed


def test_payment_mode_switch_is_committed():
    store = f.Store()
    m = f.new_meter(store=store)
    assert not m.relay.closed
    assert m.set_payment_mode(ac.POSTPAYMENT) and m.relay.closed
    assert f.new_meter(store=store).account.payment_mode == ac.POSTPAYMENT
    assert not m.set_payment_mode(7)
    assert m.set_payment_mode(ac.PREPAYMENT) and not m.relay.closed


def test_energy_register_source():
    m = f.new_meter()
    m.enter_token(f.make(0, 0, 1, 1000), vocab.REMOTE)
    m.energy_register(4294967000)  # baseline only
    assert m.account.consumed_wh == 0
    m.energy_register(4294967196)
    m.energy_register(104)  # wrapped at 2^32: 100 + 104 Wh
    assert m.account.consumed_wh == 400 and m.account.credit[0] == 996


def test_low_credit_shown_and_logged_once():
    m = f.new_meter(config={"account": {"low_credit": 10}})
    m.enter_token(f.make(0, 0, 1, 20), vocab.REMOTE)
    assert m.credit_text() == "Cr 2.0"
    m.consume(1000)
    assert m.credit_text() == "Cr 1.0 LOW"
    m.consume(100)
    assert m.eventlog.codes().count(vocab.EV_LOW_CREDIT) == 1


def test_failed_command_commit_changes_nothing():
    m = f.new_meter(config={"account": {"ec_amount": 20}})
    m.enter_token(f.make(0, 0, 1, 100), vocab.REMOTE)
    for call in (m.remote_disconnect, lambda: m.set_tamper(True),
                 lambda: m.set_payment_mode(ac.POSTPAYMENT)):
        m.store.fail_after = 1
        try:
            call()
            assert False, "storage error expected"
        except f.PowerCut:
            pass
        assert m.control_state == rp.CONNECTED and not m.account.tamper
        assert m.account.payment_mode == ac.PREPAYMENT
    m.consume(9500)
    m.store.fail_after = 1
    try:
        m.invoke_emergency_credit()
        assert False
    except f.PowerCut:
        pass
    assert not m.account.ec_active
