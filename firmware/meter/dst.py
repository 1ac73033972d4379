# Daylight saving time from the COSEM clock's rule (dlms.md 7.1 class 8,
# attributes 5-8), loaded only while DST is enabled. A rule is (month, day,
# weekday, hour, minute): day 1..31, 0xFE the last or 0xFD the second last
# day of the month; weekday 1 (Monday) .. 7, or 0xFF for none. With a
# weekday the switch is on that weekday on or after `day`, or, counted from
# the (second) last day, on or before it ("last Sunday of March": 3, 0xFE, 7).
# The begin is local standard time, the end local daylight time (Blue Book
# practice: 02:00 -> 03:00 in spring, 03:00 -> 02:00 in autumn); the year
# of the rule is ignored (every year). Northern and southern rules both work.
from civil import days_from_civil, civil_from_days, weekday


def _switch(y, rule):
    """Local seconds since 2000 of `rule` in year y."""
    m, day, wd, hh, mi = rule
    if day >= 0xFD:
        base = (days_from_civil(y + 1, 1, 1) if m == 12 else days_from_civil(y, m + 1, 1)) - 1
        if day == 0xFD:
            base -= 1
        if 1 <= wd <= 7:
            base -= (weekday(base) - wd) % 7  # on or before
    else:
        base = days_from_civil(y, m, day)
        if 1 <= wd <= 7:
            base += (wd - weekday(base)) % 7  # on or after
    return base * 86400 + (hh if hh < 24 else 0) * 3600 + (mi if mi < 60 else 0) * 60


def deviation(t, tz, d):
    """(deviation in minutes, DST on) at UTC time t; tz and d as
    meter.realtime.RealTime (d enabled, both rules set)."""
    ls = t - tz * 60  # local standard time
    y = civil_from_days(ls // 86400)[0]
    b = _switch(y, d[0])
    e = _switch(y, d[1]) - d[2] * 60
    on = b <= ls < e if b <= e else ls >= b or ls < e
    return (tz - d[2], True) if on else (tz, False)
