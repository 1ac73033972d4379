# The COSEM clock's settings (class 8, dlms.md 7.1), loaded on first use by
# obj_common.Clock: time zone (3), DST begin/end/deviation/enabled (5-8),
# clock base (9), setting the time (2) and the methods 1-6. `clock` is the
# meter's real-time clock (meter.realtime.RealTime); a setting is durable
# when the answer goes out (else hardware-fault) and logs the old and new
# time (vocab EV_CLOCK_OLD/NEW, b = 2 for attribute 2, -m for method m).
from dlms import axdr, cosem_time
from dlms.cosem import (AccessError, expect, expect_int, TYPE_UNMATCHED, OTHER_REASON,
                        READ_WRITE_DENIED)

MEASURING_PERIOD = 900  # s, the load profile's capture period (method 2)


def _rule_octets(rule):
    # year not specified: every year (meter.dst); seconds 0, deviation unspecified
    if rule is None:
        return cosem_time.UNSPECIFIED
    m, d, wd, hh, mi = rule
    return bytes((0xFF, 0xFF, m, d, wd, hh, mi, 0, 0xFF, 0x80, 0x00, 0xFF))


def _rule(value):
    b = expect(value, axdr.OCTET_STRING)
    try:
        _, m, d, wd, hh, mi, _, _, _, _ = axdr.parse_date_time(bytes(b))
    except axdr.DecodeError:
        raise AccessError(TYPE_UNMATCHED)
    if not (1 <= m <= 12 and (1 <= d <= 31 or d in (0xFD, 0xFE))
            and (1 <= wd <= 7 or wd == 0xFF) and (hh < 24 or hh == 0xFF)
            and (mi < 60 or mi == 0xFF)):
        raise AccessError(OTHER_REASON)
    return [m, d, wd, hh if hh < 24 else 0, mi if mi < 60 else 0]


def _dst(clock):
    return list(clock.dst) if clock.dst else [None, None, 60, False]


def read(clock, attr):
    if attr == 3:
        return (axdr.LONG, clock.tz)
    d = _dst(clock)
    if attr in (5, 6):
        return (axdr.OCTET_STRING, _rule_octets(d[attr - 5]))
    if attr == 7:
        return (axdr.INTEGER, d[2])
    if attr == 8:
        return (axdr.BOOLEAN, bool(d[3]))
    return (axdr.ENUM, 1)  # 9 clock_base: internal crystal


def _time(clock, value):
    """A date-time value -> UTC seconds (unspecified deviation: the clock's own)."""
    b = expect(value, axdr.OCTET_STRING)
    try:
        return cosem_time.from_octets(bytes(b), clock.deviation(clock.now())[0])
    except axdr.DecodeError:
        raise AccessError(OTHER_REASON)


def _set(clock, t, how):
    try:
        clock.set(t, how)
    except ValueError:
        raise AccessError(OTHER_REASON)


def write(clock, attr, value):
    if attr == 2:
        _set(clock, _time(clock, value), 2)
    elif attr == 3:
        tz = expect_int(value)
        if not -720 <= tz <= 720:
            raise AccessError(OTHER_REASON)
        clock.configure(tz=tz)
    elif 5 <= attr <= 8:
        d = _dst(clock)
        if attr == 7:
            v = expect_int(value)
            if not -120 <= v <= 120:
                raise AccessError(OTHER_REASON)
            d[2] = v
        elif attr == 8:
            d[3] = bool(expect(value, axdr.BOOLEAN))
        else:
            d[attr - 5] = _rule(value)
        clock.configure(dst=d)
    else:
        raise AccessError(READ_WRITE_DENIED)


def invoke(obj, method, param):
    """obj: the obj_common.Clock (keeps the preset of method 5)."""
    clock = obj.clock
    t = clock.now()
    if method == 5:  # preset_adjusting_time {preset, validity start, validity end}
        v = expect(param, axdr.STRUCTURE)
        if len(v) != 3:
            raise AccessError(TYPE_UNMATCHED)
        obj.preset = [_time(clock, x) for x in v]
        return
    if method == 6:  # shift_time(long seconds, -900..900)
        s = expect_int(param)
        if not -900 <= s <= 900:
            raise AccessError(OTHER_REASON)
        _set(clock, t + s, -6)
        return
    if method == 4:  # adjust_to_preset_time, within the validity interval
        p = obj.preset
        if p is None or not p[1] <= t <= p[2]:
            raise AccessError(OTHER_REASON)
        obj.preset = None
        _set(clock, p[0], -4)
        return
    step = 60 if method == 3 else MEASURING_PERIOD  # 1 quarter, 2 measuring period, 3 minute
    _set(clock, (t + step // 2) // step * step, -method)
