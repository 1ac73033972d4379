# Portable: meter.realtime.RealTime, the meter's clock (RTC + saved offset,
# status, time zone, DST, setting, jumps) and meter.dst; the COSEM clock
# (class 8) over it through the object model: set by attribute and by the
# methods 1-6, time zone and DST written and read back.
import vocab
from dlms import axdr, cosem, cosem_time
from dlms import obj_common as oc
from meter import dst
from meter.realtime import RealTime, INVALID, DOUBTFUL, DST_ACTIVE, SAVE_S, JUMP_S
from meter_rig import Store, PowerCut

T0 = 848000000  # 2026-11-14 19:33:20 UTC
EU = [[3, 0xFE, 7, 2, 0], [10, 0xFE, 7, 3, 0], 60, True]  # last Sunday of March / October
CET = -60  # COSEM deviation of UTC+1


class Rtc:
    def __init__(self, t):
        self.t = t

    def __call__(self):
        return self.t


def _clock(rtc, up=None, store=None, battery=True, floor=0):
    c = RealTime(rtc, up, store, battery, floor)
    log = []
    c.on_event = lambda code, a=0, b=0: log.append((code, a, b, c.now()))
    return c, log


def test_a_battery_rtc_is_trusted_and_the_power_off_time_measured():
    rtc, store = Rtc(T0), Store()
    c, _ = _clock(rtc, store=store)
    assert c.now() == T0 and c.status == 0 and not c.resumed and c.outage_s == 0
    c.set(T0 + 100)  # the offset is saved, the RTC is never written
    rtc.t = T0 + 3600  # powered off for an hour
    c, _ = _clock(rtc, store=store)
    assert c.now() == T0 + 3700 and c.status == 0 and c.outage_s == 3600 and not c.resumed


def test_without_battery_it_resumes_from_the_saved_time_or_the_newest_event_doubtful():
    rtc, store = Rtc(5), Store()
    c, _ = _clock(rtc, store=store, battery=False)
    assert c.status == INVALID | DOUBTFUL and c.resumed  # a fresh clock was never set
    c.set(T0)
    assert c.status == 0 and c.now() == T0
    rtc.t = 5 + SAVE_S
    c.tick()  # saved every SAVE_S
    assert store.data["t"] == T0 + SAVE_S
    rtc.t = 7  # power cut: the RTC starts again near its reset value
    c, _ = _clock(rtc, store=store, battery=False, floor=T0 + SAVE_S + 40)
    assert c.now() == T0 + SAVE_S + 40  # never before the newest event
    assert c.status == DOUBTFUL and c.resumed and c.outage_s == 0
    c, _ = _clock(rtc, store=store, battery=False, floor=10)
    assert c.now() == T0 + SAVE_S  # the saved time
    rtc.t += 30
    assert c.now() == T0 + SAVE_S + 30  # and it runs on


def test_a_battery_rtc_that_went_back_is_not_believed():
    rtc, store = Rtc(T0), Store()
    c, _ = _clock(rtc, store=store)
    c.set(T0)
    rtc.t = 100  # the battery ran out
    c, _ = _clock(rtc, store=store)
    assert c.now() == T0 and c.status == DOUBTFUL and c.resumed


def test_setting_logs_old_and_new_time_and_is_durable():
    rtc, store = Rtc(T0), Store()
    c, log = _clock(rtc, store=store)
    c.set(T0 + 500, 2)
    assert log == [(vocab.EV_CLOCK_OLD, 500, 2, T0), (vocab.EV_CLOCK_NEW, 500, 2, T0 + 500)]
    assert store.data["o"] == 500
    store.fail_after = 1  # the save fails: nothing changes, nothing logged
    try:
        c.set(T0, 2)
        raise AssertionError("set without saving")
    except PowerCut:
        pass
    assert c.now() == T0 + 500 and len(log) == 2 and store.data["o"] == 500
    for bad in (-1, 1 << 32):
        try:
            c.set(bad)
            raise AssertionError("set to %d" % bad)
        except ValueError:
            pass


def test_a_step_of_the_rtc_against_the_powered_clock_is_a_jump():
    rtc, up = Rtc(T0), Rtc(0)
    c, log = _clock(rtc, up)
    c.tick()
    rtc.t += 1
    up.t += 1
    c.tick()
    rtc.t += 1 + JUMP_S  # within the limit: drift between ticks
    up.t += 1
    c.tick()
    assert log == []
    rtc.t += 1000
    up.t += 1
    c.tick()
    assert [e[:2] for e in log] == [(vocab.EV_CLOCK_JUMP, 999)]


def test_dst_rules_north_and_south():
    on = lambda t, tz, d: dst.deviation(t, tz, d)[1]  # noqa: E731
    assert not on(828061199, CET, EU) and on(828061200, CET, EU)  # 2026-03-29 01:00 UTC
    assert dst.deviation(828061200, CET, EU) == (CET - 60, True)
    assert on(846205199, CET, EU) and not on(846205200, CET, EU)  # 2026-10-25 01:00 UTC
    # Sydney (UTC+10): first Sunday of October to the first Sunday of April
    syd = [[10, 1, 7, 2, 0], [4, 1, 7, 3, 0], 60, True]
    jan, jun = 821577600, 834710400  # 2026-01-13, 2026-06-14
    assert on(jan, -600, syd) and not on(jun, -600, syd)
    # a fixed day without weekday, and the second last day of a month
    assert dst._switch(2026, [6, 15, 0xFF, 0, 0]) == cosem_time.from_octets(
        axdr.date_time(2026, 6, 15, 0, 0, 0, 0, 0))
    assert dst._switch(2026, [2, 0xFD, 0xFF, 0, 0]) == cosem_time.from_octets(
        axdr.date_time(2026, 2, 27, 0, 0, 0, 0, 0))


def test_time_zone_and_dst_shape_the_date_time_and_persist():
    rtc, store = Rtc(828061200 + 3600), Store()  # 2026-03-29 02:00 UTC: summer time
    c, _ = _clock(rtc, store=store)
    assert c.deviation(c.now()) == (0, False)
    c.configure(tz=CET, dst=EU)
    assert c.deviation(c.now()) == (CET - 60, True) and c.status == 0
    b = cosem_time.stamp(c, c.now())
    assert axdr.parse_date_time(b)[:8] == (2026, 3, 29, 7, 4, 0, 0, 0)  # 04:00 CEST, Sunday
    assert axdr.parse_date_time(b)[8:] == (-120, 0x80)
    assert cosem_time.from_octets(b) == c.now()
    c, _ = _clock(rtc, store=store)  # the settings survive a restart
    assert c.tz == CET and c.dst == EU


class _Ctx:
    level = cosem.MANAGEMENT


def _model(c):
    return cosem.ObjectModel([oc.Clock(b"\x00\x00\x01\x00\x00\xff", c)])


def _get(m, attr):
    code, v = m.get(_Ctx, 8, b"\x00\x00\x01\x00\x00\xff", attr)
    assert code == cosem.SUCCESS
    return v


def test_cosem_clock_set_by_attribute_with_its_deviation():
    rtc = Rtc(T0)
    c, log = _clock(rtc, store=Store(), battery=False)
    m = _model(c)
    assert _get(m, 4) == (axdr.UNSIGNED, INVALID | DOUBTFUL)
    local = axdr.date_time(2026, 11, 22, 11, 5, 0, 0, CET)  # 11:05 at UTC+1 = 10:05 UTC
    assert m.set(_Ctx, 8, b"\x00\x00\x01\x00\x00\xff", 2, (axdr.OCTET_STRING, local)) == 0
    t = cosem_time.from_octets(local)
    assert c.now() == t and _get(m, 4) == (axdr.UNSIGNED, 0)
    # it was 2000-01-01 00:00 (never set, no battery)
    assert log == [(vocab.EV_CLOCK_OLD, t, 2, 0), (vocab.EV_CLOCK_NEW, t, 2, t)]
    # unspecified deviation: the meter's own; a value with fields not specified is refused
    assert m.set(_Ctx, 8, b"\x00\x00\x01\x00\x00\xff", 3, (axdr.LONG, CET)) == 0
    local = axdr.date_time(2026, 11, 22, 12, 0, 0)
    assert m.set(_Ctx, 8, b"\x00\x00\x01\x00\x00\xff", 2, (axdr.OCTET_STRING, local)) == 0
    assert c.now() == cosem_time.from_octets(local) + CET * 60  # 12:00 at UTC+1
    assert axdr.parse_date_time(_get(m, 2)[1])[4:9] == (12, 0, 0, 0, CET)
    for bad in ((axdr.OCTET_STRING, cosem_time.UNSPECIFIED), (axdr.OCTET_STRING, b"\x07"),
                (axdr.UNSIGNED, 3)):
        assert m.set(_Ctx, 8, b"\x00\x00\x01\x00\x00\xff", 2, bad) != 0
    assert len(log) == 4


def test_cosem_clock_methods():
    rtc = Rtc(T0)  # 19:33:20
    c, log = _clock(rtc)
    m = _model(c)
    ln = b"\x00\x00\x01\x00\x00\xff"
    assert m.action(_Ctx, 8, ln, 3, (axdr.INTEGER, 0)) == (0, None)  # to the minute
    assert c.now() == T0 - 20
    assert m.action(_Ctx, 8, ln, 6, (axdr.LONG, 450)) == (0, None)  # shift_time
    assert c.now() == T0 + 430 and log[-1][:3] == (vocab.EV_CLOCK_NEW, 450, -6)
    assert m.action(_Ctx, 8, ln, 1, (axdr.INTEGER, 0)) == (0, None)  # to the quarter
    assert c.now() == T0 + 700  # 19:40:30 -> 19:45
    assert m.action(_Ctx, 8, ln, 6, (axdr.LONG, 901))[0] == cosem.OTHER_REASON
    # preset (5) then adjust to it (4), only inside the validity interval
    at = lambda t: (axdr.OCTET_STRING, cosem_time.to_octets(t))  # noqa: E731
    assert m.action(_Ctx, 8, ln, 4, (axdr.INTEGER, 0))[0] == cosem.OTHER_REASON  # no preset
    assert m.action(_Ctx, 8, ln, 5, (axdr.STRUCTURE, [at(T0 + 7200), at(T0 + 800), at(T0 + 900)])) \
        == (0, None)
    assert m.action(_Ctx, 8, ln, 4, (axdr.INTEGER, 0))[0] == cosem.OTHER_REASON  # not yet valid
    rtc.t += 150
    assert m.action(_Ctx, 8, ln, 4, (axdr.INTEGER, 0)) == (0, None) and c.now() == T0 + 7200
    assert m.action(_Ctx, 8, ln, 5, (axdr.STRUCTURE, [at(T0)]))[0] == cosem.TYPE_UNMATCHED


def test_cosem_clock_dst_attributes():
    c, _ = _clock(Rtc(828061200 + 3600), store=Store())
    m = _model(c)
    ln = b"\x00\x00\x01\x00\x00\xff"
    assert _get(m, 5) == (axdr.OCTET_STRING, cosem_time.UNSPECIFIED)
    assert _get(m, 8) == (axdr.BOOLEAN, False) and _get(m, 9) == (axdr.ENUM, 1)
    begin = bytes((0xFF, 0xFF, 3, 0xFE, 7, 2, 0, 0, 0xFF, 0x80, 0, 0xFF))
    end = bytes((0xFF, 0xFF, 10, 0xFE, 7, 3, 0, 0, 0xFF, 0x80, 0, 0xFF))
    for attr, v in ((3, (axdr.LONG, CET)), (5, (axdr.OCTET_STRING, begin)),
                    (6, (axdr.OCTET_STRING, end)), (7, (axdr.INTEGER, 60)),
                    (8, (axdr.BOOLEAN, True))):
        assert m.set(_Ctx, 8, ln, attr, v) == 0
    assert c.dst == EU and _get(m, 5) == (axdr.OCTET_STRING, begin) and _get(m, 6)[1] == end
    assert _get(m, 4) == (axdr.UNSIGNED, DST_ACTIVE)
    assert axdr.parse_date_time(_get(m, 2)[1])[8:] == (-120, 0x80)
    bad = bytes((0xFF, 0xFF, 13, 1, 0xFF, 0, 0, 0, 0xFF, 0x80, 0, 0xFF))
    assert m.set(_Ctx, 8, ln, 5, (axdr.OCTET_STRING, bad)) == cosem.OTHER_REASON
    assert m.set(_Ctx, 8, ln, 3, (axdr.LONG, 721)) == cosem.OTHER_REASON
    assert m.set(_Ctx, 8, ln, 7, (axdr.INTEGER, 121)) == cosem.OTHER_REASON
    assert c.dst == EU and c.tz == CET
