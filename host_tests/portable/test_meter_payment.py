# mp-heap: 144k
# (120k before the build inlined the firmware's public const names: this test reads
# vocab's and meter.charges' through their companions, tools/ci/inline_consts.py;
# 136k passed, 128k failed in the short codes' scenario: a block of 640 bytes not found)
# Portable: NRS 049 payment functions (meter.payment, meter.charges,
# meter.calendar; docs/payment.md). Every scenario is a worked example: the
# expected amounts are computed by hand in the comments, in currency units of
# 1e-5 (the STS currency unit: 100000 units = 1.00).
from civil import days_from_civil
import vocab
from meter import account as ac
from meter import charges as ch
from meter import calendar as cal
from meter.payment import Payment
import meter_fakes as f


def at(y, m, d, hh=0, mm=0, ss=0):
    """Local seconds since 2000 of a date and time."""
    return days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss


# The tariff of the worked examples (docs/payment.md): weekdays Monday to
# Friday are day profile 1 (off-peak rate 1 from 00:00, peak rate 2 from 07:00,
# off-peak from 20:00), Saturday and Sunday day profile 2 (rate 1 all day);
# blocks: the first 100 kWh of a billing period are block 1, the rest block 2.
# Prices per kWh (charge_per_unit, commodity scale -3 (Wh -> kWh), price
# scale 1, so one Wh costs charge_per_unit / 100 units):
#   rate 1: block 1 1.2345, block 2 1.8532; rate 2: block 1 2.4690, block 2 3.0001
CALENDAR = ["TOU", [["all year", 1, 1, "week"]], [["week", 1, 1, 1, 1, 1, 2, 2]],
            [[1, [[0, 1], [420, 2], [1200, 1]]], [2, [[0, 1]]]]]
ENERGY = {"type": ch.CONSUMPTION, "unit": [ch.IMPORT, -3, 1, [
    [1 * 256 + 1, 12345], [1 * 256 + 2, 18532], [2 * 256 + 1, 24690], [2 * 256 + 2, 30001]]]}
CURRENCY = {"registers": (0, 4), "credit_register": 4, "low_credit": 0}


def key(rate, block=0):
    return rate * 256 + block


def payment(**kw):
    c = {"calendar": CALENDAR, "blocks": [100000], "charges": [ENERGY]}
    c.update(kw)
    return Payment(c, True)


def test_calendar_rates_by_season_week_day_and_special_day():
    c = cal.check(["two seasons", [["winter", 6, 1, "w"], ["summer", 9, 1, "s"]],
                   [["s", 1, 1, 1, 1, 1, 1, 1], ["w", 2, 2, 2, 2, 2, 3, 3]],
                   [[1, [[0, 1]]], [2, [[0, 1], [360, 4], [1080, 5]]], [3, [[600, 6]]]]])
    sd = cal.check_special([[1, cal.ANY_YEAR, 6, 16, 1], [2, 2026, 8, 10, 3]], c)
    # 2026-03-02 is a Monday: before June 1 it is still last year's summer
    assert cal.rate(c, sd, at(2026, 3, 2, 12)) == 1
    assert cal.rate(c, sd, at(2026, 6, 1, 5, 59)) == 1  # winter Monday before 06:00: the
    # previous day (Sunday 31 May, summer) ended on rate 1
    assert cal.rate(c, sd, at(2026, 6, 1, 6)) == 4
    assert cal.rate(c, sd, at(2026, 6, 1, 18)) == 5
    assert cal.rate(c, sd, at(2026, 6, 2, 3)) == 1  # Tuesday 03:00: rate 1 from 00:00
    assert cal.rate(c, sd, at(2026, 6, 6, 9)) == 5  # Saturday, day 3 before 10:00: Friday's 18:00
    assert cal.rate(c, sd, at(2026, 6, 6, 10)) == 6
    assert cal.rate(c, sd, at(2026, 6, 16, 12)) == 1  # Youth Day, every year: day profile 1
    assert cal.rate(c, sd, at(2027, 6, 16, 12)) == 1
    assert cal.rate(c, sd, at(2026, 8, 10, 12)) == 6  # 2026 only
    assert cal.rate(c, sd, at(2027, 8, 10, 12)) == 4  # a Tuesday in 2027
    assert cal.rate(c, sd, at(2026, 9, 1, 12)) == 1  # summer again


def test_bad_calendars_are_refused():
    good = CALENDAR
    assert cal.check(good)[0] == b"TOU"
    bad = (
        ["x", [], good[2], good[3]],  # no season
        ["x", good[1], [["week", 1, 1, 1, 1, 1, 2]], good[3]],  # six days
        ["x", good[1], [["week", 1, 1, 1, 1, 1, 2, 9]], good[3]],  # day 9 missing
        ["x", [["s", 13, 1, "week"]], good[2], good[3]],  # month 13
        ["x", [["s", 1, 1, "nope"]], good[2], good[3]],  # no such week
        ["x", good[1], good[2], [[1, [[1440, 1]]], [2, [[0, 1]]]]],  # minute 1440
        ["x", good[1], good[2], [[1, [[0, 0]]], [2, [[0, 1]]]]],  # selector 0
        "nonsense",
    )
    for c in bad:
        try:
            cal.check(c)
        except ValueError:
            continue
        raise AssertionError("accepted %r" % (c,))
    for sd in ([[1, 2026, 2, 30, 7]], [[1, 1999, 1, 1, 1]], [[1, 2026, 1, 1]]):
        try:
            cal.check_special(sd, cal.check(good))
        except ValueError:
            continue
        raise AssertionError("accepted %r" % (sd,))


def test_a_month_across_block_boundaries_and_tou_periods():
    p = payment()
    a = ac.Account(CURRENCY)
    a.add_credit(4, 50000000)  # 500.00
    p.periodic(a, at(2026, 3, 1, 0, 0, 5))  # March 2026 billing period starts
    # (a) Mon 2 Mar 03:00, 60 kWh off-peak, block 1:
    #     60000 Wh x 12345 / 100 = 7407000 (74.07)
    assert p.consume(a, 60000, at(2026, 3, 2, 3)) == 7407000
    # (b) Mon 2 Mar 08:00, 50 kWh peak: 40 kWh fill block 1, 10 kWh in block 2:
    #     (40000 x 24690 + 10000 x 30001) / 100 = 12876100 (128.761)
    assert p.block() == 1 and p.rate(at(2026, 3, 2, 8)) == 2
    assert p.consume(a, 50000, at(2026, 3, 2, 8)) == 12876100
    assert p.block() == 2
    # (c) Sat 7 Mar 12:00, 333 Wh off-peak block 2: 333 x 18532 = 6171156 -> 61711 units,
    #     0.56 of a unit carried
    assert p.consume(a, 333, at(2026, 3, 7, 12)) == 61711
    assert p.charges[0].rem == 56
    # (d) Sun 8 Mar 12:00, 7 Wh: 7 x 18532 + 56 = 129780 -> 1297 units, 0.80 carried
    assert p.consume(a, 7, at(2026, 3, 8, 12)) == 1297
    # March: 2034610880 / 100 = 20346108.80 -> 20346108 collected, 80 carried
    assert p.charges[0].paid == 20346108 and p.charges[0].rem == 80
    assert a.credit[4] == 50000000 - 20346108
    assert a.consumed_wh == 110340
    # (e) Wed 1 Apr 08:00: the April period starts, block 1 again: 1 kWh peak
    #     1000 x 24690 + 80 = 24690080 -> 246900, 80 carried
    changed, _ = p.periodic(a, at(2026, 4, 1, 0, 0, 1))
    assert changed and p.block_wh == 0 and p.block() == 1
    assert p.consume(a, 1000, at(2026, 4, 1, 8)) == 246900 and p.charges[0].rem == 80


def test_many_small_pulses_cost_what_one_large_reading_costs():
    # the same 1234 Wh off-peak in block 1 as 1234 pulses of 1 Wh:
    # 1234 x 12345 = 15233730 -> 152337 units either way, 30 carried
    p1, p2 = payment(), payment()
    a1, a2 = ac.Account(CURRENCY), ac.Account(CURRENCY)
    t = at(2026, 3, 2, 3)
    p1.consume(a1, 1234, t)
    for _ in range(1234):
        p2.consume(a2, 1, t)
    assert a1.credit[4] == a2.credit[4] == -152337
    assert p1.charges[0].rem == p2.charges[0].rem == 30


def test_free_allocation():
    # 50 kWh free each billing period, currency meter, flat 1.2345 a kWh in block 1
    p = payment(free_wh=50000, calendar=None,
                charges=[{"type": ch.CONSUMPTION, "unit": [ch.IMPORT, -3, 1, [[0, 12345]]]}])
    a = ac.Account(CURRENCY)
    _, ev = p.periodic(a, at(2026, 3, 1, 0, 0, 5))
    assert p.free_left == 50000 and ev == [(vocab.EV_FREE_ALLOCATION, 50000, 0)]
    # 30 kWh: all free
    assert p.consume(a, 30000, at(2026, 3, 5)) == 0 and p.free_left == 20000
    # 30 kWh: 20 free, 10 priced: 10000 x 12345 / 100 = 1234500
    assert p.consume(a, 30000, at(2026, 3, 9)) == 1234500 and p.free_left == 0
    assert p.block_wh == 60000  # the blocks count the free energy too
    # next period: 50 kWh again, not accumulated
    p.periodic(a, at(2026, 4, 1, 0, 0, 5))
    assert p.free_left == 50000 and p.block_wh == 0
    # a kWh meter: the free Wh are drawn before the register's 100 Wh units
    p = Payment({"free_wh": 50000}, False)
    a = ac.Account()
    a.add_credit(0, 1000)  # 100.0 kWh
    p.periodic(a, at(2026, 3, 1, 0, 0, 5))
    p.consume(a, 60050, at(2026, 3, 9))  # 50000 free, 10050 Wh = 100 units, 50 Wh carried
    assert a.credit[0] == 900 and a.remainder == 50 and a.consumed_wh == 60050


STANDING = {"type": ch.TIME, "period": ch.MONTHLY, "unit": [ch.NONE, 0, 3, [[0, 8500]]]}


def test_standing_charge_monthly_and_daily():
    # monthly 85.00: charge_per_unit 8500 x 10^3 = 8500000 units per billing period;
    # daily 2.50: 2500 x 10^2 = 250000 units per day (period 86400 s, from local midnight)
    daily = {"type": ch.TIME, "period": 86400, "unit": [ch.NONE, 0, 2, [[0, 2500]]]}
    p = Payment({"charges": [STANDING, daily]}, True)
    a = ac.Account(CURRENCY)
    a.add_credit(4, 100000000)
    changed, ev = p.periodic(a, at(2026, 3, 10, 12))  # commissioned: counting starts
    assert changed and ev == [] and a.credit[4] == 100000000
    assert p.next_due == at(2026, 3, 11)  # the next local midnight
    # 13 Mar 09:00: three midnights passed (11th, 12th, 13th): 3 x 250000 in one collection
    _, ev = p.periodic(a, at(2026, 3, 13, 9))
    assert ev == [(vocab.EV_CHARGE_COLLECTED, 2, 750000)] and a.credit[4] == 99250000
    assert p.charges[1].last == at(2026, 3, 13, 9) and p.charges[1].last_amount == 750000
    # nothing more that day
    assert p.periodic(a, at(2026, 3, 13, 23, 59)) == (False, [])
    # 1 Apr: a new billing period: 85.00, and the day's 2.50 (18 midnights: 14th..31st, 1st)
    _, ev = p.periodic(a, at(2026, 4, 1, 0, 0, 5))
    assert (vocab.EV_CHARGE_COLLECTED, 1, 8500000) in ev
    assert (vocab.EV_CHARGE_COLLECTED, 2, 19 * 250000) in ev
    assert a.credit[4] == 99250000 - 8500000 - 4750000
    # 15 Apr 00:00: 14 more days (2nd .. 15th); then the meter is off until 2 Jun
    _, ev = p.periodic(a, at(2026, 4, 15))
    assert ev == [(vocab.EV_CHARGE_COLLECTED, 2, 14 * 250000)]
    before = a.credit[4]
    _, ev = p.periodic(a, at(2026, 6, 2, 10))
    # at power-up on 2 Jun: May and June are due (2 x 85.00), and 48 days (16 Apr .. 2 Jun)
    assert (vocab.EV_CHARGE_COLLECTED, 1, 17000000) in ev
    assert (vocab.EV_CHARGE_COLLECTED, 2, 48 * 250000) in ev
    assert a.credit[4] == before - 17000000 - 12000000
    assert p.charges[0].paid == 3 * 8500000 and p.charges[1].paid == (3 + 19 + 14 + 48) * 250000


def test_continuous_collection_pro_rata_as_time_passes():
    # charge_configuration b1: a time-based charge collected each hour pro rata to the
    # second. 85.00 a month (8500000 units) and 2.50 a day (250000). March 2026 has 31
    # days, 2678400 s; commissioned Tue 10 Mar 12:00, 9.5 days = 820800 s into it.
    monthly = dict(STANDING, config=ch.CONTINUOUS)
    daily = {"type": ch.TIME, "period": 86400, "config": ch.CONTINUOUS,
             "unit": [ch.NONE, 0, 2, [[0, 2500]]]}
    p = Payment({"charges": [monthly, daily]}, True)
    a = ac.Account(CURRENCY)
    a.add_credit(4, 100000000)
    changed, ev = p.periodic(a, at(2026, 3, 10, 12))  # counting starts
    assert changed and ev == [] and p.next_due == at(2026, 3, 10, 13)
    # 13:00: the month's share so far 8500000 x 824400 / 2678400 = 2616263.44, at 12:00
    # 8500000 x 820800 / 2678400 = 2604838.71: 2616263 - 2604838 = 11425 collected; the
    # day's 250000 x 13/24 = 135416.67 less 125000: 10416. No event: the charge shows it.
    changed, ev = p.periodic(a, at(2026, 3, 10, 13))
    assert changed and ev == [] and a.credit[4] == 100000000 - 11425 - 10416
    assert (p.charges[0].last, p.charges[0].last_amount) == (at(2026, 3, 10, 13), 11425)
    assert p.charges[1].last_amount == 10416 and p.next_due == at(2026, 3, 10, 14)
    # each hour to 1 Apr 00:00: the rest of March is 8500000 - 2604838 = 5895162 (21.5 of
    # 31 days, 5895161.29, the fraction at the start rounded down), 21.5 days 5375000
    t = at(2026, 3, 10, 13)
    while t < at(2026, 4, 1):
        t += 3600
        p.periodic(a, t)
    assert (p.charges[0].paid, p.charges[1].paid) == (5895162, 5375000)
    # off through April, on at 1 May 00:00: one collection, the same as hour by hour
    p.periodic(a, at(2026, 5, 1))
    assert (p.charges[0].paid, p.charges[1].paid) == (5895162 + 8500000, 5375000 + 7500000)
    assert a.credit[4] == 100000000 - p.charges[0].paid - p.charges[1].paid
    # a counting charge keeps its way of collection (a switch would collect part of a
    # period twice or not at all)
    try:
        p.charges[0].set_config(0)
        raise AssertionError("switched")
    except ValueError:
        assert p.charges[0].config == ch.CONTINUOUS


def test_collect_now_as_if_the_period_ended():
    # Charge method 3 collect (docs/payment.md "Charges", worked example 10): a charge
    # collected per period takes the elapsed part of the period in progress now, the rest
    # at its end. 85.00 a month, 2.50 a day, 2.50 a day continuously, a debt recovery.
    # Commissioned Tue 10 Mar 2026 12:00.
    daily = {"type": ch.TIME, "period": 86400, "unit": [ch.NONE, 0, 2, [[0, 2500]]]}
    cont = dict(daily, config=ch.CONTINUOUS)
    p = Payment({"charges": [STANDING, daily, cont, DEBT]}, True)
    a = ac.Account(CURRENCY)
    a.add_credit(4, 100000000)
    p.periodic(a, at(2026, 3, 10, 12))  # counting starts
    # 18:00, the day charge: 250000 x 64800 / 86400 = 187500 (the continuous one's
    # 6 hours, 62500, come with it as due, without an event)
    assert p.collect(a, 1, at(2026, 3, 10, 18)) == [(vocab.EV_CHARGE_COLLECTED, 2, 187500)]
    assert (p.charges[1].last, p.charges[1].last_amount) == (at(2026, 3, 10, 18), 187500)
    # 21:00 again: 250000 x 75600 / 86400 = 218750, less the 187500 taken: 31250
    assert p.collect(a, 1, at(2026, 3, 10, 21)) == [(vocab.EV_CHARGE_COLLECTED, 2, 31250)]
    # the record keeps the 75600 s taken; one stored before collect existed (13 fields)
    # loads with nothing taken
    r = p.charges[1].to_record()
    assert ch.Charge.from_record(r).part == 75600 and ch.Charge.from_record(r[:13]).part == 0
    # midnight: the rest of the day, 250000 - 218750 = 31250: 10 Mar cost 2.50 exactly
    assert p.periodic(a, at(2026, 3, 11))[1] == [(vocab.EV_CHARGE_COLLECTED, 2, 31250)]
    assert p.charges[1].paid == 250000 and p.charges[1].part == 0
    # 06:00 the continuous charge: what it accrued since midnight, 250000 x 6/24 = 62500
    assert p.collect(a, 2, at(2026, 3, 11, 6)) == [(vocab.EV_CHARGE_COLLECTED, 3, 62500)]
    assert p.charges[2].paid == 125000 + 62500  # 10 Mar from 12:00, and 11 Mar to 06:00
    # Fri 13 Mar 09:00 the month: first what is due (the 12th's and 13th's days, 500000),
    # then 8500000 x 1069200 s / 2678400 s (12 days 9 hours of March's 31 days) =
    # 3393145.16 -> 3393145, the fraction carried
    assert p.collect(a, 0, at(2026, 3, 13, 9)) == [
        (vocab.EV_CHARGE_COLLECTED, 2, 500000), (vocab.EV_CHARGE_COLLECTED, 1, 3393145)]
    # 1 Apr: the rest of March, 8500000 - 3393145.16 = 5106854.84, + 0.16 carried: 5106855
    _, ev = p.periodic(a, at(2026, 4, 1, 0, 0, 5))
    assert (vocab.EV_CHARGE_COLLECTED, 1, 5106855) in ev and p.charges[0].paid == 8500000
    # a payment charge is collected from payments, a consumption charge as metered:
    # nothing more is due, nothing changes
    assert p.collect(a, 3, at(2026, 4, 1, 0, 0, 5)) == []
    assert p.charges[3].paid == 0 and p.charges[3].remaining == 15000000
    assert a.credit[4] == 100000000 - sum([c.paid for c in p.charges])
    # refused: no local time, an account that is not active
    for t, status in ((None, ac.ACTIVE), (at(2026, 4, 2), ac.CLOSED)):
        a.status = status
        try:
            p.collect(a, 1, t)
            raise AssertionError("collected")
        except ValueError:
            assert p.charges[1].paid == (250000 * (1 + 2 + 19))


DEBT = {"type": ch.PAYMENT, "config": ch.PERCENTAGE, "proportion": 2000, "remaining": 15000000,
        "unit": [ch.NONE, 0, 0, []]}


def test_debt_recovery_at_20_percent_of_each_purchase():
    # a debt of 150.00, recovered at 20 % of each currency token
    p = Payment({"charges": [DEBT]}, True)
    a = ac.Account(CURRENCY)
    ev = []
    # 200.00: 40.00 to the debt, 160.00 credited
    assert p.on_credit(a, 4, 20000000, ev, 5) == 4000000
    assert ev == [(vocab.EV_CHARGE_COLLECTED, 1, 4000000)] and p.charges[0].remaining == 11000000
    # 123.45: 20 % = 24.69
    assert p.on_credit(a, 4, 12345000, ev, 6) == 2469000
    # 0.00007: 20 % of 7 units = 1.4 -> 1 unit (the debt share is rounded down)
    assert p.on_credit(a, 4, 7, ev, 7) == 1
    # a kWh credit (register 0) is not a payment: nothing taken
    assert p.on_credit(a, 0, 1000, ev, 7) == 0
    # 500.00 would give 100.00 but only 85.30999 remain: that much, then nothing
    assert p.on_credit(a, 4, 50000000, ev, 8) == 8530999
    assert p.charges[0].remaining == 0 and p.debt() == 0
    assert p.on_credit(a, 4, 10000000, ev, 9) == 0 and len(ev) == 4
    assert p.charges[0].paid == 15000000


def test_emergency_credit_repaid_and_debt_recovered_by_one_token():
    # currency meter with emergency credit 20.00 and the 20 % debt recovery.
    m = f.new_meter(config={"account": dict(CURRENCY, ec_amount=2000000, low_credit=500000),
                            "payment": {"charges": [DEBT]}})
    m.payment.clock = lambda: at(2026, 3, 2, 12)
    assert m.enter_token(f.make(0, 4, 1, 300000), vocab.REMOTE)[0] == vocab.ACCEPT
    # 3.00 paid: 0.60 to the debt, 2.40 credited
    assert m.account.credit[4] == 240000 and m.payment.charges[0].remaining == 14940000
    assert m.invoke_emergency_credit()
    m.consume(1)  # the flat tariff is 0: no consumption charge configured ...
    m.account.deduct(1740000)  # ... so the test spends 17.40: -15.00, on emergency credit
    assert m.account.credit[4] == -1500000 and m.account.ec_active and m.relay.closed
    # a 100.00 token: 20.00 to the debt, 80.00 to the register, which repays the
    # -15.00 first: 65.00 left, emergency credit ends
    assert m.enter_token(f.make(0, 4, 2, 10000000), vocab.REMOTE)[0] == vocab.ACCEPT
    assert m.account.credit[4] == 6500000 and not m.account.ec_active
    assert m.payment.charges[0].remaining == 12940000
    assert m.store.data["pay"]["ch"][0][11] == 12940000  # committed with the token
    codes = m.eventlog.codes()
    assert codes.count(vocab.EV_CHARGE_COLLECTED) == 2
    # a kWh token (register 0, which this meter also keeps): no debt share is taken
    assert m.enter_token(f.make(0, 0, 3, 10), vocab.REMOTE)[0] == vocab.ACCEPT
    assert m.account.credit[0] == 10 and m.payment.charges[0].remaining == 12940000


EXPORT = {"type": ch.CONSUMPTION, "unit": [ch.EXPORT, -3, 1, [[0, -7777]]]}


def test_export_credited_or_only_registered():
    # export paid at 0.7777 a kWh (a negative price): 12345 Wh x -7777 = -96007065 ->
    # 960070 units credited, -0.65 of a unit carried; 5 Wh more: -38885 - 65 = -38950 ->
    # 389 credited, -0.50 carried
    p = Payment({"charges": [EXPORT]}, True)
    a = ac.Account(CURRENCY)
    assert p.export(a, 12345, 0) == -960070 and a.credit[4] == 960070
    assert p.charges[0].rem == -65
    assert p.export(a, 5, 0) == -389 and a.credit[4] == 960459 and p.charges[0].rem == -50
    assert a.exported_wh == 12350 and p.charges[0].paid == -960459
    # import is not priced by the export charge (and this meter has no import charge:
    # the account's flat tariff, 0 here)
    assert p.consume(a, 1000, 0) == 0 and a.credit[4] == 960459
    # without an export charge: registered only
    m = f.new_meter()
    m.consume(-500)  # a bidirectional source reports export as negative energy
    assert m.account.exported_wh == 500 and m.account.credit[0] == 0 and m.account.consumed_wh == 0
    # through the meter: a currency meter with the export charge
    m = f.new_meter(config={"account": CURRENCY, "payment": {"charges": [EXPORT]}})
    m.consume(-12345)
    assert m.account.credit[4] == 960070 and m.account.exported_wh == 12345
    m.consume(1000)  # import: the flat tariff (0)
    assert m.account.credit[4] == 960070 and m.account.consumed_wh == 1000


def test_friendly_credit_keeps_the_relay_closed():
    # friendly 18:00-06:00, Saturdays and Sundays, and the special days as holidays
    sd = [[1, cal.ANY_YEAR, 3, 21, 2]]  # Human Rights Day, 21 March (a Saturday in 2026)
    sd2 = [[1, cal.ANY_YEAR, 3, 20, 2]]  # a Friday made a holiday
    t = [at(2026, 3, 20, 17, 30)]  # Friday 17:30
    m = f.new_meter(config={"account": CURRENCY, "payment": {
        "calendar": CALENDAR, "special_days": sd, "friendly": [1080, 360, 0x60, True]}})
    m.payment.clock = lambda: t[0]
    assert m.account.credit[4] == 0 and not m.relay.closed  # out of credit, not friendly
    t[0] = at(2026, 3, 20, 18)
    m.tick()
    assert m.relay.closed  # friendly from 18:00
    m.consume(2000)  # runs into debt (flat 0 here: the register stays 0, still out of credit)
    t[0] = at(2026, 3, 23, 5, 59)  # Monday 05:59: still the night
    m.tick()
    assert m.relay.closed
    t[0] = at(2026, 3, 23, 6)
    m.tick()
    assert not m.relay.closed and m.relay_reason == vocab.REASON_NO_CREDIT
    p = m.payment
    assert p.friendly_now(at(2026, 3, 21, 12)) and not p.friendly_now(at(2026, 3, 24, 12))
    p.set_special(sd2)
    assert p.friendly_now(at(2026, 3, 20, 12))


def test_a_charge_never_disconnects_in_a_friendly_period():
    # the monthly standing charge falls due at 00:00 on 1 Apr, a Wednesday night:
    # the credit goes negative, the relay stays closed until 06:00
    t = [at(2026, 3, 31, 23)]
    m = f.new_meter(config={"account": CURRENCY, "payment": {
        "charges": [STANDING], "friendly": [1080, 360, 0, False]}})
    m.payment.clock = lambda: t[0]
    m.enter_token(f.make(0, 4, 1, 5000000), vocab.REMOTE)  # 50.00
    m.tick()
    assert m.relay.closed
    t[0] = at(2026, 4, 1, 0, 0, 2)
    m.tick()
    assert m.account.credit[4] == 5000000 - 8500000 and m.relay.closed
    assert m.store.data["acct"]["c"][4] == -3500000  # collected and committed
    t[0] = at(2026, 4, 1, 6)
    m.tick()
    assert not m.relay.closed


def test_tariff_activation_at_its_time():
    # the passive unit charge (1.50 flat) takes over at 1 May 00:00
    p = payment(calendar=None, charges=[{"type": ch.CONSUMPTION,
                                         "unit": [ch.IMPORT, -3, 1, [[0, 12345]]],
                                         "passive": [ch.IMPORT, -3, 1, [[0, 15000]]],
                                         "activation": at(2026, 5, 1)}])
    a = ac.Account(CURRENCY)
    p.periodic(a, at(2026, 4, 30, 12))
    assert p.next_due == at(2026, 5, 1)
    assert p.consume(a, 100, at(2026, 4, 30, 23)) == 12345
    _, ev = p.periodic(a, at(2026, 5, 1, 0, 0, 1))
    assert (vocab.EV_TARIFF_ACTIVATED, 1, 0) in ev and p.charges[0].activation == -1
    assert p.consume(a, 100, at(2026, 5, 1, 1)) == 15000


def test_bad_configuration_is_refused():
    bad = (
        {"charges": [{"type": 7}]},
        {"charges": [{"type": ch.CONSUMPTION, "unit": [ch.NONE, 0, 0, []]}]},
        {"charges": [{"type": ch.CONSUMPTION, "config": ch.CONTINUOUS}]},  # time-based only
        {"charges": [{"unit": [ch.IMPORT, 0, 0, [[0, 40000]]]}]},  # not a long
        {"blocks": [200, 100]},
        {"bill_day": 29},
        {"friendly": [1440, 0, 0, False]},
        {"friendly": 5}, {"charges": [7]}, {"free_wh": None}, {"calendar": ["x"]},
    )
    for c in bad:
        try:
            Payment(c, True)
        except ValueError:
            continue
        raise AssertionError("accepted %r" % (c,))
    try:
        Payment({"charges": [ENERGY]}, False)  # charges on a kWh account
        raise AssertionError("accepted")
    except ValueError:
        pass


def test_meter_commits_collections_once():
    # a power cut in the commit of a collection: nothing was collected (the old state
    # stays) and the next tick collects it once
    t = [at(2026, 3, 31, 23)]
    store = f.Store()
    m = f.new_meter(store=store, config={"account": CURRENCY, "payment": {"charges": [STANDING]}})
    m.payment.clock = lambda: t[0]
    m.enter_token(f.make(0, 4, 1, 10000000), vocab.REMOTE)
    m.tick()
    t[0] = at(2026, 4, 1, 0, 0, 1)
    store.fail_after = 1
    try:
        m.tick()
    except f.PowerCut:
        pass
    m = f.new_meter(store=store, config={"account": CURRENCY, "payment": {"charges": [STANDING]}})
    m.payment.clock = lambda: t[0]
    assert m.account.credit[4] == 10000000  # not collected
    m.tick()
    m.tick()
    assert m.account.credit[4] == 1500000 and m.payment.charges[0].paid == 8500000
    assert f.new_meter(store=store, config={"account": CURRENCY, "payment": {
        "charges": [STANDING]}}).account.credit[4] == 1500000


def test_payment_mode_switch_event_display_and_relay():
    m = f.new_meter(config={"account": {"low_credit": 0}})
    assert not m.relay.closed and m.credit_text() == "Cr 0.0"
    assert m.set_payment_mode(ac.POSTPAYMENT)
    assert m.relay.closed and m.credit_text() == "Bal 0.0"
    m.consume(1000)
    assert m.account.credit[0] == -10 and m.relay.closed and m.credit_text() == "Bal -1.0"
    assert m.eventlog.codes().count(vocab.EV_PAYMENT_MODE) == 1
    # a token in post-payment pays the balance off
    assert m.enter_token(f.make(0, 0, 1, 25), vocab.REMOTE)[0] == vocab.ACCEPT
    assert m.account.credit[0] == 15 and m.credit_text() == "Bal 1.5"
    assert not m.invoke_emergency_credit()  # no emergency credit in post-payment
    assert m.set_payment_mode(ac.PREPAYMENT) and m.relay.closed and m.credit_text() == "Cr 1.5"
    m.consume(1500)
    assert m.account.credit[0] == 0 and not m.relay.closed


def test_short_codes_show_tariff_block_debt_and_free_allocation():
    import meter.keypad as kp
    d = f.Display()
    m = f.new_meter(config={"account": CURRENCY, "payment": {
        "calendar": CALENDAR, "blocks": [100000], "charges": [ENERGY, DEBT], "free_wh": 50000}})
    m.payment.clock = lambda: at(2026, 3, 2, 8)
    m.tick()
    pad = kp.Keypad(m, d)

    def code(c):
        for k in c + "#":
            pad.key(k, 0)
        return d.text
    assert code("07") == "Tariff 2 Blk 1"
    assert code("08") == "Debt 150.00"
    assert code("09") == "Free 50.0 kWh"
    m.consume(120000)  # 50 kWh free, then block 1 to 100 kWh, 20 kWh in block 2
    assert code("07") == "Tariff 2 Blk 2" and code("09") == "Free 0.0 kWh"
    plain = f.new_meter()
    pad = kp.Keypad(plain, d)
    assert code("07") == "Tariff flat" and code("09") == "Free 0.0 kWh"


def test_published_registers_never_above_what_a_power_cut_leaves():
    # import and export pending in RAM: each register shows its committed value,
    # never more, and never less than it showed before (issue 12 item 7)
    store = f.Store()
    m = f.new_meter(store=store, clock=f.Clock(0), config={"commit_wh": 5000})
    m.consume(800)
    m.consume(-300)  # export
    assert m.published_energy_wh() == 0 and m.published_energy_wh(True) == 0
    m.clock.t = 60  # READ_COMMIT_S later a read commits what is pending
    assert m.published_energy_wh() == 800 and m.published_energy_wh(True) == 300
    m.consume(-500)
    m.consume(100)
    assert m.published_energy_wh() == 800 and m.published_energy_wh(True) == 300
    again = f.new_meter(store=store)  # a power cut now: what the registers showed
    assert again.account.consumed_wh == 800 and again.account.exported_wh == 300


def test_a_bad_tariff_configuration_is_a_provisioning_fault():
    # the meter starts (no crash loop), in the safe state: relay open, tokens refused,
    # the fault on the display and in the log; its stored state is not touched
    store = f.Store()
    m = f.new_meter(store=store, config={"account": CURRENCY})
    m.enter_token(f.make(0, 4, 1, 500000), vocab.REMOTE)
    before = store.commits
    m = f.new_meter(store=store, config={"account": CURRENCY, "payment": {"blocks": [5, 1]}})
    assert m.fault == vocab.FAULT_STATE and not m.relay.closed
    assert m.display.text == vocab.fault_display(vocab.FAULT_STATE)
    assert m.enter_token(f.make(0, 4, 2, 500000), vocab.REMOTE)[0] == vocab.LOCKOUT
    assert (vocab.EV_FAULT, vocab.FAULT_STATE, vocab.AT_PROVISION) in [
        (e[2], e[3], e[4]) for e in m.eventlog.entries()]
    assert store.commits == before and store.data["acct"]["c"][4] == 500000


def test_a_new_unit_charge_takes_the_carried_fraction_over():
    # 1 Wh at 1.2345 a kWh (scales -3, 1: denominator 100): 123 collected, 45 carried;
    # the new unit charge 1.234 a kWh has scales -3, 2 (denominator 10): 45/100
    # becomes 4/10 (truncated: 0.05 of a unit is dropped, less than one unit); then
    # 1 Wh costs 1234 / 10 = 123.4, + 0.4 carried = 123.8 -> 123, 8/10 carried
    p = Payment({"charges": [{"unit": [ch.IMPORT, -3, 1, [[0, 12345]]]}]}, True)
    a = ac.Account(CURRENCY)
    assert p.consume(a, 1, 0) == 123 and p.charges[0].rem == 45
    p.charges[0].set_unit(ch.check_unit([ch.IMPORT, -3, 2, [[0, 1234]]]))
    assert p.charges[0].rem == 4
    assert p.consume(a, 1, 0) == 123 and p.charges[0].rem == 8  # 1234 + 4 = 1238 / 10

