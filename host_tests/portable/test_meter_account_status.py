# Portable: the Account methods (Blue Book class 111 methods 1-3,
# meter.account_status; docs/payment.md "Account status" and worked example
# 9): close, reset and activate on a currency meter with a continuous standing
# charge and debt recovery, and on a kWh meter. Amounts in currency units of
# 1e-5 (100000 units = 1.00), computed by hand in the comments.
from civil import days_from_civil
import vocab
from meter import account as ac
from meter import charges as ch
from meter.account_status import EV_ACCOUNT_STATUS, set_status
import meter_fakes as f

CURRENCY = {"registers": (0, 4), "credit_register": 4, "low_credit": 0}
MONTHLY = {"type": ch.TIME, "period": ch.MONTHLY, "config": ch.CONTINUOUS,
           "unit": [ch.NONE, 0, 3, [[0, 8500]]]}  # 85.00 a month, continuously
DEBT = {"type": ch.PAYMENT, "config": ch.PERCENTAGE, "proportion": 2000, "remaining": 15000000,
        "unit": [ch.NONE, 0, 0, []]}  # 150.00 recovered at 20 % of each payment


def at(y, m, d, hh=0, mm=0):
    return days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60


def test_account_close_reset_and_activate():
    # Account methods (docs/payment.md "Account status"): 85.00 a month collected
    # continuously, 150.00 of debt recovered at 20 %; the cycle new -> active -> closed -> new
    from meter_rig import EventLog
    t = [at(2026, 3, 10, 12)]
    store, log = f.Store(), EventLog()
    cfg = {"account": CURRENCY, "payment": {"charges": [MONTHLY, DEBT]}}

    def meter():
        m = f.new_meter(store=store, config=cfg, log=log)
        m.localtime = m.payment.clock = lambda: t[0]
        return m
    m = meter()
    m.tick()  # counting starts at 12:00
    assert m.account.status == ac.ACTIVE
    assert m.enter_token(f.make(0, 4, 1, 10000000))[0] == vocab.ACCEPT
    assert m.account.credit[4] == 8000000 and m.relay.closed  # 100.00 less 20.00 of debt
    assert not set_status(m, ac.ACTIVE) and not set_status(m, ac.NEW)
    # close at 18:30 (no tick since 12:00): the 6.5 hours are collected first, so the
    # closure balance is final: 8500000 x (820800 + 23400) / 2678400 = 2679099.46 less
    # 2604838.71 at 12:00: 74261
    t[0] = at(2026, 3, 10, 18, 30)
    assert set_status(m, ac.CLOSED)
    closing = 8000000 - 74261
    assert (m.account.status, m.account.closed, m.account.credit[4]) == (
        ac.CLOSED, t[0], closing)
    # closed: energy registered, not drawn; no charge; a prepayment supply is open; a token
    # is still credited (nothing paid is lost), whole (no debt recovery)
    assert not m.relay.closed
    m.consume(2000)
    t[0] = at(2026, 4, 2)
    m.tick()
    assert (m.account.consumed_wh, m.account.credit[4]) == (2000, closing)
    assert m.enter_token(f.make(0, 4, 2, 1000000))[0] == vocab.ACCEPT
    assert m.account.credit[4] == closing + 1000000
    assert m.payment.charges[1].remaining == 13000000
    m = meter()  # committed
    assert (m.account.status, m.account.credit[4]) == (ac.CLOSED, closing + 1000000)
    assert not set_status(m, ac.ACTIVE)
    # reset for the next customer: registers and the charges' amounts cleared
    assert set_status(m, ac.NEW)
    assert (m.account.credit[4], m.account.closed, m.payment.debt()) == (0, -1, 0)
    assert [c.paid for c in m.payment.charges] == [0, 0]
    # activated Sun 5 Apr 12:00: counting starts; 13:00: April has 2592000 s, 4.5 days =
    # 388800 s: 8500000 x 392400 / 2592000 = 1286805.56 less 1275000: 11805
    t[0] = at(2026, 4, 5, 12)
    assert set_status(m, ac.ACTIVE) and m.account.activated == t[0]
    r = m.enter_token(f.make(0, 4, 3, 1000000))
    assert r[0] == vocab.ACCEPT, r  # no debt: all credited
    t[0] = at(2026, 4, 5, 13)
    m.tick()
    assert m.account.credit[4] == 1000000 - 11805 and m.relay.closed
    ev = [e[3:5] for e in m.eventlog.entries() if e[2] == EV_ACCOUNT_STATUS]
    assert ev == [(ac.CLOSED, ac.ACTIVE), (ac.NEW, ac.CLOSED), (ac.ACTIVE, ac.NEW)]


def test_account_status_on_a_kwh_meter():
    # without "payment": the same methods; closed, the register is not drawn
    m = f.new_meter(config={"account": {"low_credit": 0}})
    assert m.enter_token(f.make(0, 0, 1, 100))[0] == vocab.ACCEPT and m.relay.closed
    assert set_status(m, ac.CLOSED) and m.account.closed == -1  # no local time
    m.consume(1000)
    assert (m.account.credit[0], m.account.consumed_wh, m.relay.closed) == (100, 1000, False)
    assert set_status(m, ac.NEW) and m.account.credit[0] == 0
    assert set_status(m, ac.ACTIVE)
    assert m.enter_token(f.make(0, 0, 2, 100))[0] == vocab.ACCEPT and m.relay.closed
    m.consume(1000)
    assert m.account.credit[0] == 90
