"""Issue 14 acceptance: the virtual meter's payment profile
(boards/host/profiles/payment.json: currency, TOU + blocks, a standing charge,
debt recovery, free allocation) runs a simulated month, in-process with an
injected clock (the host meter as the virtual meter builds it, one step a
minute), and its totals, in the meter's state and in its billing profile, match
the month computed by hand below, to the smallest currency unit (1e-5 ZAR)."""
import json
import os

from civil import days_from_civil, weekday
from boards.host.hostmeter import HostMeter
from meter_tcp import vend
import vocab

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROFILE = os.path.join(ROOT, "boards", "host", "profiles", "payment.json")

# The month by hand (docs/payment.md "A month"). March 2026: 1 Mar is a Sunday;
# 22 weekdays, 9 weekend days. The load: 2000 W every night 02:00-03:00 (off-peak,
# rate 1: 2 kWh a day, 62 kWh) and 3000 W on weekdays 12:00-13:00 (peak, rate 2:
# 3 kWh a weekday, 66 kWh): 128 kWh. In date order the first 50 kWh are free
# (they run out on Thursday 12 Mar at noon, 1 kWh into that hour), block 1 ends
# at 100 kWh (Wednesday 25 Mar, 1 kWh into the night), block 2 holds the rest:
#   block 1: off-peak 25 kWh x 1.2345 =  30.86250   peak 25 kWh x 2.4690 =  61.72500
#   block 2: off-peak 13 kWh x 1.8532 =  24.09160   peak 15 kWh x 3.0001 =  45.00150
#   energy 161.68060 ZAR = 16168060 units
# The token of 500.00 ZAR on 1 Mar is vended as 50002624 units (the currency
# field's step, sts.md 3.1): 20 % of it, 10000524 units (rounded down), pays off
# debt (150.00 of it); 40002100 are credited. The standing charge of 85.00 falls
# due on 1 Apr. Left: 50002624 - 10000524 - 16168060 - 8500000 = 15334040.
ENERGY = 16168060
TOKEN = 50002624
DEBT_SHARE = 10000524
STANDING = 8500000
FINAL = TOKEN - DEBT_SHARE - ENERGY - STANDING
# The billing row of 13 Mar 00:00 (credit, energy, energy since the token, each charge's
# total paid): the free 50 kWh ran out on 12 Mar at noon, 1 kWh into the peak hour, so
# 1 kWh x 2.4690 = 246900 units; 51 kWh metered
ROW_13_MAR = (TOKEN - DEBT_SHARE - 246900, 51000, 51000, 246900, 0, DEBT_SHARE, 0)
ROW_1_APR = (FINAL, 128000, 128000, ENERGY, STANDING, DEBT_SHARE, 0)  # the month, by hand


def load_w(t):
    """The load at local time t (seconds since 2000)."""
    h = (t % 86400) // 3600
    if h == 2:
        return 2000
    if h == 12 and weekday(t // 86400) <= 5:
        return 3000
    return 0


def test_a_simulated_month_matches_the_hand_computed_totals(tmp_path):
    with open(PROFILE) as f:
        provision = json.load(f)
    start = days_from_civil(2026, 3, 1) * 86400 + 30  # Sunday 1 Mar 2026 00:00:30
    now = [start]
    host = HostMeter(str(tmp_path), provision, clock=lambda: now[0] - start,
                     wallclock=lambda: now[0])
    app = host.app
    m = app.meter
    app.tick()  # the billing period starts: free allocation, the standing charge counts
    token = vend("500.00", subclass=4)
    assert m.enter_token(token, vocab.REMOTE)[0] == vocab.ACCEPT
    assert m.account.credit[4] == TOKEN - DEBT_SHARE
    acc = 0  # W x s not yet metered
    end = days_from_civil(2026, 4, 1) * 86400 + 60
    while now[0] < end:
        w = load_w(now[0])  # the load during the coming minute
        now[0] += 60
        acc += w * 60
        wh, acc = acc // 3600, acc % 3600
        if wh:
            m.consume(wh)
        app.tick()
        if now[0] == days_from_civil(2026, 3, 31) * 86400 + 23 * 3600:
            p = m.payment  # 31 Mar 23:00: the month is metered, nothing collected yet
            assert m.account.consumed_wh == 128000 and p.block_wh == 128000
            assert p.charges[0].paid == ENERGY and p.charges[0].rem == 0
            assert p.charges[1].paid == 0 and p.free_left == 0 and p.block() == 2
            assert m.account.credit[4] == TOKEN - DEBT_SHARE - ENERGY
    p = m.payment
    assert [c.paid for c in p.charges] == [ENERGY, STANDING, DEBT_SHARE, 0]
    assert p.charges[2].remaining == 15000000 - DEBT_SHARE
    assert m.account.credit[4] == FINAL == 15334040
    assert p.period == (2026 - 2000) * 12 + 3 and p.block_wh == 0 and p.free_left == 50000
    # the collections are in the event log, and the state is durable
    ev = [(e[2], e[3], e[4]) for e in app.eventlog.entries()]
    assert (vocab.EV_CHARGE_COLLECTED, 3, DEBT_SHARE) in ev
    assert (vocab.EV_CHARGE_COLLECTED, 2, STANDING) in ev
    assert ev.count((vocab.EV_FREE_ALLOCATION, 50000, 0)) == 2  # March and April
    # the billing profile (0.0.98.1.0.255, a row each local midnight): credit, energy,
    # energy since the token, then each charge's total paid (docs/payment.md "Billing
    # profile"). Money is conserved in every row: credit + everything paid = the token.
    rows = [r[2:] for _, r in app.recorder().rows(7)]
    assert len(rows) == 32  # 1 Mar (after the start) .. 1 Apr
    for r in rows:
        assert r[0] + sum(r[3:]) == TOKEN, r
    assert rows[12] == ROW_13_MAR
    # 1 Apr: the month by hand, to the smallest unit
    assert rows[-1] == ROW_1_APR
    again = HostMeter(str(tmp_path), provision, clock=lambda: 0, wallclock=lambda: now[0])
    assert again.app.meter.account.credit[4] == FINAL
    assert [c.paid for c in again.app.meter.payment.charges] == [ENERGY, STANDING, DEBT_SHARE, 0]
