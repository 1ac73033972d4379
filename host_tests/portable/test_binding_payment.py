# mp-heap: 160k
# Portable: the payment objects (binding.payment; docs/payment.md) on a meter
# with contract fakes: every object made from its entry as the object model
# makes it, read, and configured by writes and methods with the A-XDR values a
# client sends; bad values are refused and change nothing. The meter, the
# payment modules and dlms.obj_data (the Data and Register classes) need more
# than the 128k cap on the 64-bit unix port (measured: one test fails at 144k,
# both pass from 160k).
import sys

from civil import days_from_civil
from dlms import axdr
from dlms.cosem import AccessError, OTHER_REASON, TYPE_UNMATCHED
from binding import payment as bp
import meter_fakes as f

PAY = {"account": {"registers": (4,), "credit_register": 4, "currency": "ZAR"},
       "payment": {"charges": [
           {"type": 0, "unit": [1, -3, 1, [[257, 12345], [513, 24690]]]},
           {"type": 2, "config": 1, "proportion": 2000, "remaining": 15000000,
            "unit": [0, 0, 0, []]}], "blocks": [100000]}}
MON = days_from_civil(2026, 3, 2) * 86400 + 8 * 3600  # Mon 2 Mar 2026 08:00 local


def made(m):
    """ln -> object, made from the entries as dlms.cosem.ObjectModel does."""
    out = {}
    for cid, ln, mod, name, args in bp.objects(m):
        __import__(mod)
        o = getattr(sys.modules[mod], name)(ln, *args)
        assert o.class_id == cid
        out[ln] = o
    return out


def meter():
    m = f.new_meter(config=PAY)
    m.payment.clock = lambda: MON
    m.tick()
    return m


def refused(fn, code):
    try:
        fn()
    except AccessError as e:
        assert e.code == code, e.code
        return
    raise AssertionError("accepted")


def test_charges_read_and_configured():
    m = meter()
    o = made(m)
    c0 = o[bp.charge_ln(0)]
    assert c0.read(3, None) == (axdr.ENUM, 0)
    u = c0.read(5, None)
    assert u[1][1][1] == [(axdr.LONG_UNSIGNED, 3), (axdr.OCTET_STRING, bytes((1, 0, 1, 8, 0, 255))),
                          (axdr.INTEGER, 2)]
    assert [e[1][0][1] for e in u[1][2][1]] == [b"\x01\x01", b"\x02\x01"]
    # the unit charge read back is accepted as written (passive), then activated
    c0.write(6, u, None)
    assert m.payment.charges[0].passive == m.payment.charges[0].unit
    new = (axdr.STRUCTURE, [u[1][0], u[1][1], (axdr.ARRAY, [(axdr.STRUCTURE, [
        (axdr.OCTET_STRING, b""), (axdr.LONG, 15000)])])])
    c0.invoke(1, new, None)
    assert m.payment.charges[0].passive == [1, -3, 1, [[0, 15000]]]
    c0.invoke(2, (axdr.INTEGER, 0), None)
    assert m.payment.charges[0].unit == [1, -3, 1, [[0, 15000]]]
    assert m.store.data["pay"]["ch"][0][2] == [1, -3, 1, [[0, 15000]]]  # committed
    # activation time, local: 1 Apr 2026 00:00
    c0.write(7, (axdr.OCTET_STRING, axdr.date_time(2026, 4, 1, 0, 0, 0)), None)
    assert m.payment.charges[0].activation == days_from_civil(2026, 4, 1) * 86400
    assert c0.read(7, None)[1][:4] == bytes((0x07, 0xEA, 4, 1))
    c0.write(7, (axdr.OCTET_STRING, axdr.date_time(0xFFFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF)), None)
    assert m.payment.charges[0].activation == -1
    # refused, nothing changed: a commodity the meter does not count, a price that is no
    # long, a type that needs a commodity this charge lacks, a debt on an energy charge
    bad = (axdr.STRUCTURE, [u[1][0], (axdr.STRUCTURE, [(axdr.LONG_UNSIGNED, 3), (
        axdr.OCTET_STRING, bytes((1, 0, 3, 8, 0, 255))), (axdr.INTEGER, 2)]), u[1][2]])
    refused(lambda: c0.write(6, bad, None), OTHER_REASON)
    refused(lambda: c0.write(6, (axdr.STRUCTURE, [u[1][0]]), None), TYPE_UNMATCHED)
    refused(lambda: c0.write(3, (axdr.ENUM, 9), None), OTHER_REASON)
    refused(lambda: c0.invoke(5, (axdr.DOUBLE_LONG, 5), None), OTHER_REASON)
    assert m.payment.charges[0].unit == [1, -3, 1, [[0, 15000]]]
    # the debt charge: configuration bits, methods 5 and 4
    c1 = o[bp.charge_ln(1)]
    assert c1.read(9, None) == axdr.bit_string(2, b"\x80")
    c1.write(9, axdr.bit_string(2, b"\x00"), None)
    assert m.payment.charges[1].config == 0
    c1.invoke(5, (axdr.DOUBLE_LONG, 20000000), None)
    c1.invoke(4, (axdr.DOUBLE_LONG, 5000000), None)
    assert c1.read(12, None) == (axdr.DOUBLE_LONG, 25000000)


def test_charge_methods_2_and_3_and_the_accounts_credit_charge_configuration():
    # docs/payment.md "Objects": activate_passive_unit_charge logs event 39 as its time
    # does; collect (worked example 10) on a daily 2.50 standing charge at 08:00 of a day
    # it counted from 00:00 (commissioned the day before): 250000 x 8/24 = 83333.33 ->
    # 83333, committed with event 37; methods 2 and 3 take integer 0
    from binding.account_objects import Account
    from dlms import obis
    import vocab
    cfg = {"account": PAY["account"], "payment": {"charges": PAY["payment"]["charges"] + [
        {"type": 1, "period": 86400, "unit": [0, 0, 2, [[0, 2500]]]}]}}
    m = f.new_meter(config=cfg)
    t = [MON - 9 * 3600]  # Sun 1 Mar 23:00: counting starts
    m.payment.clock = lambda: t[0]
    m.tick()
    t[0] = MON  # Mon 2 Mar 08:00: one midnight, 250000 collected by the tick
    m.tick()
    o = made(m)
    c0, c2 = o[bp.charge_ln(0)], o[bp.charge_ln(2)]
    refused(lambda: c0.invoke(2, (axdr.DOUBLE_LONG, 0), None), TYPE_UNMATCHED)
    refused(lambda: c2.invoke(3, None, None), TYPE_UNMATCHED)
    c0.invoke(2, (axdr.INTEGER, 0), None)
    assert tuple(m.eventlog.entries()[-1][2:5]) == (vocab.EV_TARIFF_ACTIVATED, 1, 0)
    before = m.account.credit[4]
    c2.invoke(3, (axdr.INTEGER, 0), None)
    assert tuple(m.eventlog.entries()[-1][2:5]) == (vocab.EV_CHARGE_COLLECTED, 3, 83333)
    assert c2.read(2, None) == (axdr.DOUBLE_LONG, 250000 + 83333)
    assert c2.read(11, None) == (axdr.DOUBLE_LONG, 83333)
    assert m.account.credit[4] == before - 83333
    assert m.store.data["pay"]["ch"][2][13] == 8 * 3600  # committed: 8 h of the day taken
    # an account that is not active is not charged: refused, nothing changed
    m.account.status = 3
    refused(lambda: c2.invoke(3, (axdr.INTEGER, 0), None), OTHER_REASON)
    assert m.account.credit[4] == before - 83333
    # Account attribute 11: each charge collects from the token credit, also while the
    # supply is disconnected, in load limiting and friendly credit periods (b0..b2)
    acct = Account(obis.ACCOUNT, m, (obis.CREDIT_TOKEN, obis.CREDIT_EMERGENCY))
    assert acct.read(11, None) == (axdr.ARRAY, [(axdr.STRUCTURE, [
        (axdr.OCTET_STRING, obis.CREDIT_TOKEN), (axdr.OCTET_STRING, bp.charge_ln(i)),
        axdr.bit_string(3, b"\xe0")]) for i in range(3)])
    assert acct.read(12, None) == (axdr.ARRAY, [(axdr.STRUCTURE, [
        (axdr.OCTET_STRING, obis.CREDIT_TOKEN), (axdr.UNSIGNED, 100)])])


def test_credit_configuration_of_the_token_and_emergency_credits():
    # Credit attribute 7, a bit-string b0..b4 (dlms.md 7.3): the token credit receives
    # credit from tokens (b4); emergency credit is paid back (b2) and needs confirmation
    # (b1: invoked by short code or method 3) unless the meter invokes it itself (ec_auto)
    from binding.account_objects import Credit
    from dlms import obis
    m = f.new_meter()
    ec = Credit(obis.CREDIT_EMERGENCY, m, True)
    assert Credit(obis.CREDIT_TOKEN, m).read(7, None) == axdr.bit_string(5, b"\x08")
    assert ec.read(7, None) == axdr.bit_string(5, b"\x60")
    m.account.ec_auto = True
    assert ec.read(7, None) == axdr.bit_string(5, b"\x20")


def test_calendar_special_days_and_settings():
    m = meter()
    o = made(m)
    cal = o[bp.ACTIVITY_CALENDAR]
    assert cal.read(2, None) == (axdr.OCTET_STRING, b"")  # no calendar provisioned
    # the passive calendar, part by part: weeks before days is fine until activation
    cal.write(6, (axdr.OCTET_STRING, b"TOU"), None)
    cal.write(7, (axdr.ARRAY, [(axdr.STRUCTURE, [
        (axdr.OCTET_STRING, b"all"), (axdr.OCTET_STRING, axdr.date_time(0xFFFF, 1, 1, 0, 0, 0)),
        (axdr.OCTET_STRING, b"w")])]), None)
    cal.write(8, (axdr.ARRAY, [(axdr.STRUCTURE, [(axdr.OCTET_STRING, b"w")] +
                                [(axdr.UNSIGNED, 1)] * 5 + [(axdr.UNSIGNED, 2)] * 2)]), None)
    refused(lambda: cal.invoke(1, (axdr.INTEGER, 0), None), OTHER_REASON)  # no day profiles yet
    refused(lambda: cal.write(10, (axdr.OCTET_STRING, axdr.date_time(2026, 4, 1, 0, 0, 0)), None),
            OTHER_REASON)

    def action(hh, sel):
        return (axdr.STRUCTURE, [(axdr.OCTET_STRING, bytes((hh, 0, 0, 0))),
                                 (axdr.OCTET_STRING, bp.TARIFF_SCRIPTS), (axdr.LONG_UNSIGNED, sel)])
    cal.write(9, (axdr.ARRAY, [
        (axdr.STRUCTURE, [(axdr.UNSIGNED, 1), (axdr.ARRAY, [action(0, 1), action(7, 2)])]),
        (axdr.STRUCTURE, [(axdr.UNSIGNED, 2), (axdr.ARRAY, [action(0, 1)])])]), None)
    assert m.payment.rate(MON) == 1  # still no active calendar
    cal.invoke(1, (axdr.INTEGER, 0), None)
    assert m.payment.rate(MON) == 2 and cal.read(2, None) == (axdr.OCTET_STRING, b"TOU")
    assert cal.read(5, None) == cal.read(9, None)
    assert o[bp.CURRENT_TARIFF].read(2, None) == (axdr.UNSIGNED, 2)
    # special days: 2 Mar 2026 (a Monday) takes day profile 2 (rate 1)
    sd = o[bp.SPECIAL_DAYS]
    day = (axdr.STRUCTURE, [(axdr.LONG_UNSIGNED, 1), (axdr.OCTET_STRING, bytes((7, 0xEA, 3, 2, 1))),
                            (axdr.UNSIGNED, 2)])
    sd.invoke(1, day, None)
    assert m.payment.rate(MON) == 1
    assert sd.read(2, None) == (axdr.ARRAY, [(axdr.STRUCTURE, [
        (axdr.LONG_UNSIGNED, 1), (axdr.OCTET_STRING, bytes((7, 0xEA, 3, 2, 0xFF))),
        (axdr.UNSIGNED, 2)])])
    refused(lambda: sd.invoke(1, (axdr.STRUCTURE, day[1][:2] + [(axdr.UNSIGNED, 9)]), None),
            OTHER_REASON)  # no day profile 9
    sd.invoke(2, (axdr.LONG_UNSIGNED, 1), None)
    assert m.payment.special == [] and m.payment.rate(MON) == 2
    # blocks, free allocation, friendly credit
    o[bp.BLOCKS].write(2, (axdr.ARRAY, [(axdr.DOUBLE_LONG_UNSIGNED, 50000),
                                        (axdr.DOUBLE_LONG_UNSIGNED, 150000)]), None)
    refused(lambda: o[bp.BLOCKS].write(2, (axdr.ARRAY, [(axdr.DOUBLE_LONG_UNSIGNED, 9),
                                                        (axdr.DOUBLE_LONG_UNSIGNED, 1)]), None),
            OTHER_REASON)
    o[bp.FREE_ALLOCATION].write(2, (axdr.DOUBLE_LONG_UNSIGNED, 50000), None)
    fr = (axdr.STRUCTURE, [(axdr.LONG_UNSIGNED, 1080), (axdr.LONG_UNSIGNED, 360),
                           (axdr.UNSIGNED, 0x60), (axdr.BOOLEAN, True)])
    o[bp.FRIENDLY].write(2, fr, None)
    assert o[bp.FRIENDLY].read(2, None) == fr
    p = m.payment
    assert p.blocks == [50000, 150000] and p.free_wh == 50000 and p.friendly == [1080, 360, 96, True]
    assert o[bp.BLOCK_STATUS].read(2, None) == (axdr.STRUCTURE, [
        (axdr.UNSIGNED, 1), (axdr.DOUBLE_LONG_UNSIGNED, 0)])
    # the new free allocation applies from the next billing period
    assert o[bp.FREE_LEFT].read(2, None) == (axdr.DOUBLE_LONG_UNSIGNED, 0)
