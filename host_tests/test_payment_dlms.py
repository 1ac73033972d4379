"""Interop (issue 14 item 6, issue 13 item 4): gurux-dlms, unmodified, reads and
configures the payment objects of a currency meter with a time-of-use + block
tariff, a standing charge and debt recovery (docs/payment.md): the account
(111), credits (112), charges (113), the activity calendar (20) and special
days table (11); the management client switches prepayment <-> post-payment."""
import datetime

import pytest
from gurux_dlms import GXDate, GXDateTime, GXTime
from gurux_dlms.GXDLMSExceptionResponse import GXDLMSExceptionResponse
from gurux_dlms.enums import DataType, DateTimeSkips, ObjectType
from gurux_dlms.objects import (GXDLMSAccount, GXDLMSActivityCalendar, GXDLMSCharge,
                                GXDLMSAssociationLogicalName, GXDLMSCredit, GXDLMSData,
                                GXDLMSDayProfile, GXDLMSDayProfileAction, GXDLMSProfileGeneric,
                                GXDLMSRegister, GXDLMSSeasonProfile, GXDLMSSpecialDay,
                                GXDLMSSpecialDaysTable, GXDLMSWeekProfile)
from gurux_dlms.objects.GXChargeTable import GXChargeTable

from binding import payment as bp
from civil import days_from_civil
from dlms import obis
from meter.account_status import EV_ACCOUNT_STATUS
from meter_tcp import MeterTcp, pack, vend  # noqa: F401
from pctools.meterclient import MANAGEMENT, PUBLIC, READER, DlmsError, MeterClient
import vocab

T = obis.to_text
PROFILE = {  # docs/payment.md, worked examples
    "account": {"registers": [0, 4], "credit_register": 4, "currency": "ZAR", "low_credit": 0},
    "payment": {
        "calendar": ["TOU", [["all year", 1, 1, "week"]], [["week", 1, 1, 1, 1, 1, 2, 2]],
                     [[1, [[0, 1], [420, 2], [1200, 1]]], [2, [[0, 1]]]]],
        "blocks": [100000],
        "charges": [
            {"type": 0, "unit": [1, -3, 1, [[257, 12345], [258, 18532], [513, 24690],
                                            [514, 30001]]]},
            {"type": 1, "period": 0, "priority": 2, "unit": [0, 0, 3, [[0, 8500]]]},
            {"type": 2, "config": 1, "proportion": 2000, "remaining": 15000000,
             "unit": [0, 0, 0, []]},
        ],
        "free_wh": 50000,
        "friendly": [1080, 360, 0x60, True],
    },
}
UTC = datetime.timezone.utc
MONDAY_8 = days_from_civil(2026, 3, 2) * 86400 + 8 * 3600  # Mon 2 Mar 2026 08:00 (peak)


@pytest.fixture
def pay(tmp_path):
    t = [MONDAY_8]
    m = MeterTcp(str(tmp_path), {"meter": PROFILE}, wallclock=lambda: t[0])
    m.t = t
    m.call(m.host.tick)
    yield m
    m.stop()


def test_object_list_and_reading_everything(pay):
    with MeterClient(pay.url, client=READER) as c:
        a = GXDLMSAssociationLogicalName()
        c.read(a, 2)
        objs = {(int(o.objectType), o.logicalName) for o in a.objectList}
        for key in ((113, "0.0.19.20.0.255"), (113, "0.0.19.20.2.255"), (20, "0.0.13.0.0.255"),
                    (11, "0.0.11.0.0.255"), (1, "0.0.96.14.0.255"), (3, "1.0.2.8.0.255"),
                    (1, "0.128.19.60.0.255"), (1, "0.128.19.61.1.255")):
            assert key in objs
        acct = GXDLMSAccount(T(obis.ACCOUNT))
        for i in range(2, 20):
            c.read(acct, i)
        assert int(acct.paymentMode) == 2 and int(acct.accountStatus) == 2
        assert acct.currency.name == "ZAR" and acct.currency.scale == -5
        assert int(acct.currency.unit) == 2  # monetary
        assert acct.aggregatedDebt == 15000000  # the debt the payment charge recovers
        assert acct.chargeReferences == ["0.0.19.20.0.255", "0.0.19.20.1.255", "0.0.19.20.2.255"]
        ch = GXDLMSCharge("0.0.19.20.0.255")
        for i in range(2, 14):
            c.read(ch, i)
        assert int(ch.chargeType) == 0
        u = ch.unitChargeActive
        assert (u.chargePerUnitScaling.commodityScale, u.chargePerUnitScaling.priceScale) == (-3, 1)
        assert u.commodity.index == 2  # 1.0.1.8.0.255 attribute 2
        assert [(bytes(t.index), t.chargePerUnit) for t in u.chargeTables] == [
            (b"\x01\x01", 12345), (b"\x01\x02", 18532), (b"\x02\x01", 24690), (b"\x02\x02", 30001)]
        debt = GXDLMSCharge("0.0.19.20.2.255")
        for i in (2, 3, 9, 12, 13):
            c.read(debt, i)
        assert int(debt.chargeType) == 2 and debt.totalAmountRemaining == 15000000
        assert int(debt.chargeConfiguration) == 1  # b0: percentage based collection
        assert debt.proportion == 2000
        cal = GXDLMSActivityCalendar(T(bp.ACTIVITY_CALENDAR))
        for i in range(2, 11):
            c.read(cal, i)
        assert cal.calendarNameActive == "TOU"
        assert [bytes(s.weekName) for s in cal.seasonProfileActive] == [b"week"]
        w = cal.weekProfileTableActive[0]
        assert (w.monday, w.friday, w.saturday, w.sunday) == (1, 1, 2, 2)
        days = {d.dayId: [(a.startTime.value.hour, a.startTime.value.minute, a.scriptSelector)
                          for a in d.daySchedules] for d in cal.dayProfileTableActive}
        assert days == {1: [(0, 0, 1), (7, 0, 2), (20, 0, 1)], 2: [(0, 0, 1)]}
        assert int(c.read(GXDLMSData(T(bp.CURRENT_TARIFF)), 2)) == 2  # Monday 08:00: peak
        assert int(c.read(GXDLMSData(T(bp.FREE_LEFT)), 2)) == 50000
        status = c.read(GXDLMSData(T(bp.BLOCK_STATUS)), 2)
        assert [int(x) for x in status] == [1, 0]
        sd = GXDLMSSpecialDaysTable(T(bp.SPECIAL_DAYS))
        c.read(sd, 2)
        assert sd.entries == [] or sd.entries is None
        # the reader may read, not write (its association has no SET: exception-response)
        with pytest.raises(GXDLMSExceptionResponse):
            c.write(GXDLMSData(T(bp.FREE_ALLOCATION)), 2)
    with MeterClient(pay.url, client=PUBLIC) as c:  # the public client sees the account only
        with pytest.raises(DlmsError):
            c.read(GXDLMSCharge("0.0.19.20.0.255"), 2)


def test_management_configures_charges_calendar_special_days_and_settings(pay):
    m = pay.meter
    with MeterClient(pay.url, client=MANAGEMENT) as c:
        # a new passive unit charge for the energy charge, active from 1 Apr 2026 00:00
        ch = GXDLMSCharge("0.0.19.20.0.255")
        c.read(ch, 5)
        p = ch.unitChargePassive
        p.chargePerUnitScaling.commodityScale, p.chargePerUnitScaling.priceScale = -3, 1
        p.commodity.target = GXDLMSRegister(T(obis.ACTIVE_ENERGY_IMPORT))
        p.commodity.index = 2
        p.chargeTables = []
        for idx, price in ((b"\x01", 13000), (b"\x02", 26000)):
            row = GXChargeTable()
            row.index, row.chargePerUnit = idx, price
            p.chargeTables.append(row)
        c.write(ch, 6)
        ch.unitChargeActivationTime = GXDateTime(datetime.datetime(2026, 4, 1, tzinfo=UTC))
        c.write(ch, 7)
        charge = pay.call(lambda: m.payment.charges[0])
        assert charge.passive == [1, -3, 1, [[256, 13000], [512, 26000]]]
        assert charge.activation == days_from_civil(2026, 4, 1) * 86400
        # the debt: set to 200.00, then 50.00 more (methods 5 and 4)
        debt = GXDLMSCharge("0.0.19.20.2.255")
        c.read(debt, 9)
        debt.chargeConfiguration = 0  # a fixed amount per payment instead of a percentage
        c.write(debt, 9)
        assert pay.call(lambda: m.payment.charges[2].config) == 0
        debt.chargeConfiguration = 1
        c.write(debt, 9)
        assert pay.call(lambda: m.payment.charges[2].config) == 1
        c.method(debt, 5, 20000000, DataType.INT32)
        c.method(debt, 4, 5000000, DataType.INT32)
        c.read(debt, 12)
        assert debt.totalAmountRemaining == 25000000
        # not a payment charge: no debt to set
        with pytest.raises(DlmsError):
            c.method(ch, 5, 1, DataType.INT32)
        # a passive calendar: one profile all week, rate 3 from 22:00; activated now
        cal = GXDLMSActivityCalendar(T(bp.ACTIVITY_CALENDAR))
        cal.calendarNamePassive = "NIGHT"
        s = GXDLMSSeasonProfile()
        s.name, s.start, s.weekName = b"year", GXDateTime(datetime.datetime(2026, 1, 1, tzinfo=UTC)), b"w"
        cal.seasonProfilePassive = [s]
        w = GXDLMSWeekProfile()
        w.name = b"w"
        w.monday = w.tuesday = w.wednesday = w.thursday = w.friday = w.saturday = w.sunday = 5
        cal.weekProfileTablePassive = [w]
        d = GXDLMSDayProfile()
        d.dayId = 5
        d.daySchedules = []
        for hh, sel in ((0, 1), (22, 3)):
            a = GXDLMSDayProfileAction()
            a.startTime, a.scriptLogicalName, a.scriptSelector = GXTime("%02d:00:00" % hh), \
                "0.0.10.0.100.255", sel
            d.daySchedules.append(a)
        cal.dayProfileTablePassive = [d]
        for i in (6, 7, 8, 9):
            c.write(cal, i)
        c.method(cal, 1, 0, DataType.INT8)
        c.read(cal, 2)
        c.read(cal, 5)
        assert cal.calendarNameActive == "NIGHT"
        assert [a.scriptSelector for a in cal.dayProfileTableActive[0].daySchedules] == [1, 3]
        assert pay.call(lambda: m.payment.rate(MONDAY_8 + 14 * 3600)) == 3  # Monday 22:00
        # a special day (16 Jun every year) inserted, then deleted
        sd = GXDLMSSpecialDaysTable(T(bp.SPECIAL_DAYS))
        e = GXDLMSSpecialDay()
        e.index, e.date, e.dayId = 7, GXDateTime(datetime.datetime(2026, 6, 16, tzinfo=UTC)), 5
        c.request(sd.insert(c.client, e))
        c.read(sd, 2)
        assert [(x.index, x.dayId) for x in sd.entries] == [(7, 5)]
        assert pay.call(lambda: m.payment.special) == [[7, 2026, 6, 16, 5]]
        c.request(sd.delete(c.client, e))
        c.read(sd, 2)
        assert not sd.entries
        e.date = GXDate(datetime.datetime(2026, 12, 25))  # a date (5 octets), as the class has it
        c.request(sd.insert(c.client, e))
        assert pay.call(lambda: m.payment.special) == [[7, 2026, 12, 25, 5]]
        # a special day naming a day profile that does not exist: refused, nothing changed
        e.dayId = 9
        with pytest.raises(DlmsError):
            c.request(sd.insert(c.client, e))
        # blocks, free allocation, friendly credit (manufacturer Data objects)
        blocks = GXDLMSData(T(bp.BLOCKS))
        blocks.value = [50000, 150000]
        c.write(blocks, 2)  # gurux sends it as an array of the element types it guessed
        free = GXDLMSData(T(bp.FREE_ALLOCATION))
        free.setDataType(2, DataType.UINT32)
        free.value = 100000
        c.write(free, 2)
        assert pay.call(lambda: (m.payment.blocks, m.payment.free_wh)) == ([50000, 150000], 100000)
        # rising thresholds only
        blocks.value = [150000, 50000]
        with pytest.raises(DlmsError):
            c.write(blocks, 2)
        assert pay.call(lambda: m.payment.blocks) == [50000, 150000]
    # everything above was committed: a power cycle keeps it
    pay.restart()
    p = pay.meter.payment
    assert p.blocks == [50000, 150000] and p.free_wh == 100000 and p.calendar[0] == b"NIGHT"
    assert p.charges[2].remaining == 25000000


def test_management_collects_a_charge_now_and_reads_what_collects_from_which_credit(pay):
    # Charge method 3 collect (docs/payment.md "Charges", worked example 10), as gurux
    # sends a method with integer 0: the standing charge of 85.00 a month takes the elapsed
    # part of March now. Mon 2 Mar 08:00 is 115200 s into March's 2678400 s:
    # 8500000 x 115200 / 2678400 = 365591.40 -> 365591; an hour later 8500000 x 118800 /
    # 2678400 = 377016.13 -> 377016, so 11425 more.
    m = pay.meter
    standing = GXDLMSCharge("0.0.19.20.1.255")
    with MeterClient(pay.url, client=READER) as c:  # the reader may not collect
        with pytest.raises(GXDLMSExceptionResponse):
            c.method(standing, 3, 0, DataType.INT8)
    with MeterClient(pay.url, client=MANAGEMENT) as c:
        c.method(standing, 3, 0, DataType.INT8)
        for i in (2, 10, 11):
            c.read(standing, i)
        assert (standing.totalAmountPaid, standing.lastCollectionAmount) == (365591, 365591)
        assert standing.lastCollectionTime.value.replace(tzinfo=None) == datetime.datetime(
            2026, 3, 2, 8)
        pay.t[0] += 3600
        c.method(standing, 3, 0, DataType.INT8)
        c.read(standing, 2)
        assert standing.totalAmountPaid == 377016
        with pytest.raises(DlmsError):  # the data is integer 0
            c.method(standing, 3, 0, DataType.INT32)
        # method 2 activates the passive unit charge, with event 39 as at its time
        c.method(GXDLMSCharge("0.0.19.20.0.255"), 2, 0, DataType.INT8)
        # Account attribute 11: every charge collects from the token credit, also while
        # disconnected, in load limiting and in friendly credit periods (b0..b2)
        acct = GXDLMSAccount(T(obis.ACCOUNT))
        c.read(acct, 11)
        c.read(acct, 12)
        assert [(x.creditReference, x.chargeReference, int(x.collectionConfiguration))
                for x in acct.creditChargeConfigurations] == [
            ("0.0.19.10.0.255", "0.0.19.20.%d.255" % i, 7) for i in range(3)]
        assert [(x.creditReference, x.tokenProportion)
                for x in acct.tokenGatewayConfigurations] == [("0.0.19.10.0.255", 100)]
    ev = pay.call(lambda: [(e[2], e[3], e[4]) for e in m.eventlog.entries()])
    assert (vocab.EV_CHARGE_COLLECTED, 2, 365591) in ev and (
        vocab.EV_CHARGE_COLLECTED, 2, 11425) in ev and (vocab.EV_TARIFF_ACTIVATED, 1, 0) in ev
    assert pay.call(lambda: m.account.credit[4]) == -377016  # no token yet: a debt
    pay.restart()  # committed
    assert pay.meter.payment.charges[1].paid == 377016


def test_management_switches_prepayment_and_post_payment(pay):
    m = pay.meter
    with MeterClient(pay.url, client=MANAGEMENT) as c:
        acct = GXDLMSAccount(T(obis.ACCOUNT))
        c.read(acct, 2)
        assert int(acct.paymentMode) == 2 and pay.relay.closed is False  # prepayment, no credit
        acct.paymentMode = 1  # credit (post-payment)
        c.write(acct, 2)
        c.read(acct, 2)
        assert int(acct.paymentMode) == 1 and int(acct.accountStatus) == 2
        assert pay.relay.closed is True
        assert pay.call(lambda: m.credit_text()).startswith("Bal ")
        ev = pay.call(lambda: m.eventlog.entries()[-2:])
        assert (vocab.EV_PAYMENT_MODE, 1, 2) in [(e[2], e[3], e[4]) for e in ev]
        acct.accountStatus = 3  # the status changes by the methods only
        with pytest.raises(DlmsError):
            c.write(acct, 2)
        acct.accountStatus, acct.paymentMode = 2, 2
        c.write(acct, 2)
        assert pay.relay.closed is False and pay.call(lambda: m.credit_text()).startswith("Cr ")
    with MeterClient(pay.url, client=READER) as c:  # the reader may not switch it
        acct = GXDLMSAccount(T(obis.ACCOUNT))
        c.read(acct, 2)
        acct.paymentMode = 1
        with pytest.raises(GXDLMSExceptionResponse):
            c.write(acct, 2)
    assert pay.call(lambda: m.account.payment_mode) == 2


def test_management_closes_resets_and_activates_the_account(pay):
    # Account methods 1-3 as gurux's own helpers make them (data integer 0); docs/payment.md
    # "Account status". A currency token: the debt recovery takes 20 %, the rest is credited.
    m = pay.meter
    code, info = pay.call(lambda: m.enter_token(vend("100.00", subclass=4), vocab.REMOTE))
    credit = info["units"] - info["units"] // 5
    assert code == vocab.ACCEPT and pay.call(lambda: m.account.credit[4]) == credit
    assert pay.relay.closed
    acct = GXDLMSAccount(T(obis.ACCOUNT))
    with MeterClient(pay.url, client=READER) as c:  # the reader may not call them
        with pytest.raises(GXDLMSExceptionResponse):
            c.request(acct.close(c.client))
    with MeterClient(pay.url, client=MANAGEMENT) as c:
        for refused in (acct.activate, acct.reset):  # not from active
            with pytest.raises(DlmsError):
                c.request(refused(c.client))
        pay.t[0] += 3600  # 09:00
        c.request(acct.close(c.client))
        c.read(acct, 2)
        c.read(acct, 14)
        assert int(acct.accountStatus) == 3
        assert acct.accountClosureTime.value.replace(tzinfo=None) == datetime.datetime(
            2026, 3, 2, 9)
        # closed: the balance stays for the final bill (energy is registered, not drawn), a
        # prepayment supply opens
        assert pay.relay.closed is False
        pay.call(lambda: m.consume(2000))
        assert pay.call(lambda: (m.account.credit[4], m.account.consumed_wh)) == (credit, 2000)
        c.request(acct.reset(c.client))  # the next customer: registers and charges cleared
        c.read(acct, 2)
        c.read(acct, 5)
        c.read(acct, 8)
        assert (int(acct.accountStatus), acct.availableCredit, acct.aggregatedDebt) == (1, 0, 0)
        pay.t[0] += 3600  # 10:00
        c.request(acct.activate(c.client))
        for i in (2, 13, 14):
            c.read(acct, i)
        assert int(acct.accountStatus) == 2
        assert acct.accountActivationTime.value.replace(tzinfo=None) == datetime.datetime(
            2026, 3, 2, 10)
        assert acct.accountClosureTime.skip & DateTimeSkips.YEAR  # not specified since the reset
    codes = pay.call(lambda: [(e[2], e[3], e[4]) for e in m.eventlog.entries()])
    assert [e for e in codes if e[0] == EV_ACCOUNT_STATUS] == [
        (EV_ACCOUNT_STATUS, 3, 2), (EV_ACCOUNT_STATUS, 1, 3), (EV_ACCOUNT_STATUS, 2, 1)]
    # filed in the standard event log (0.0.99.98.0.255) as 200 + 40 (no IDIS code)
    std = pay.call(lambda: [r[2] for _, r in pay.app.recorder().rows(0)])
    assert std.count(200 + EV_ACCOUNT_STATUS) == 3
    pay.restart()  # committed
    a = pay.meter.account
    assert (a.status, a.credit[4], pay.meter.payment.charges[2].remaining) == (2, 0, 0)


def test_the_billing_profile_records_the_charges(pay):
    # docs/payment.md "Billing profile": a payment meter's billing rows add each charge's
    # total_amount_paid (Charge attribute 2). A 100.00 token pays 20 % to the debt; then
    # 60 kWh on Monday 08:00, peak, block 1: 50 kWh free, 10 kWh x 2.4690 = 2469000 units
    m = pay.meter
    code, info = pay.call(lambda: m.enter_token(vend("100.00", subclass=4), vocab.REMOTE))
    debt = info["units"] // 5
    pay.call(lambda: m.consume(60000))
    p = GXDLMSProfileGeneric(T(obis.PROFILES[7]))
    with MeterClient(pay.url, client=MANAGEMENT) as c:
        c.request(p.capture(c.client))  # a row now (the daily one comes at midnight)
    with MeterClient(pay.url, client=READER) as c:
        c.read(p, 3)
        assert [(int(o.objectType), o.logicalName, a.attributeIndex)
                for o, a in p.captureObjects][-3:] == [
            (113, "0.0.19.20.0.255", 2), (113, "0.0.19.20.1.255", 2), (113, "0.0.19.20.2.255", 2)]
        c.read(p, 2)
    row = p.buffer[-1]
    assert row[1:] == [info["units"] - debt - 2469000, 60000, 60000, 2469000, 0, debt]
    # read_meter names the charge columns and prints the same row
    import contextlib
    import io
    import json
    from pctools import read_meter
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert read_meter.main(["--port", pay.url, "--profile", "billing", "--json"]) == 0
    last = json.loads(out.getvalue())["tables"][0]["rows"][-1]
    assert [last[k] for k in ("charge0_paid", "charge1_paid", "charge2_paid")] == [2469000, 0, debt]


def test_read_meter_prints_credit_tariff_block_debt_and_free_allocation(pay):
    import contextlib
    import io
    import json
    from pctools import read_meter
    m = pay.meter
    # 60 kWh on Monday 08:00: 50 kWh free, 10 kWh at the peak rate in block 1:
    # 10000 Wh x 24690 / 100 = 2469000 units (24.69 ZAR)
    pay.call(lambda: m.consume(60000))

    def run(*argv):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            rc = read_meter.main(["--port", pay.url, "--events", "0"] + list(argv))
        return rc, out.getvalue()
    rc, out = run("--json")
    assert rc == 0
    p = json.loads(out)["payment"]
    assert p["unit"] == "ZAR" and p["scale"] == -5
    assert p["available"] == -2469000 and p["debt"] == 2469000 + 15000000
    t = p["tariff"]
    assert (t["rate"], t["block"], t["period_wh"], t["free_left_wh"]) == (2, 1, 60000, 0)
    assert [(c["type_text"], c["paid"], c["remaining"]) for c in t["charges"]] == [
        ("consumption", 2469000, 0), ("time-based", 0, 0), ("payment", 0, 15000000)]
    rc, out = run()
    assert rc == 0
    assert "available -24.69000 ZAR, debt 174.69000 ZAR" in out
    assert "rate 2, block 1 (60000 Wh this billing period), free allocation left 0 of 50000 Wh" \
        in out
    assert "remaining 150.00000 ZAR" in out
