# machine.RTC <-> seconds since 2000-01-01 00:00:00 (the MicroPython epoch
# on the boards), in integers. RTC.datetime() tuples are
# (year, month, day, weekday, hours, minutes, seconds, subseconds) with
# weekday 0 = Monday. The meter keeps UTC; local time is the display's job.
#
# Days from a civil date: civil.py (day 0 is 2000-01-01, a Saturday).
from compat import const
from civil import days_from_civil, civil_from_days

_MIN_YEAR = const(2000)
_MAX_YEAR = const(2135)  # 2**32 seconds after 2000 is in 2136


def to_seconds(y, mo, d, h=0, mi=0, s=0):
    if not (_MIN_YEAR <= y <= _MAX_YEAR and 1 <= mo <= 12 and 1 <= d <= 31
            and 0 <= h < 24 and 0 <= mi < 60 and 0 <= s < 60):
        raise ValueError("date/time out of range")
    return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s


def from_seconds(t):
    """(year, month, day, hours, minutes, seconds, weekday) of t >= 0."""
    if t < 0:
        raise ValueError("before 2000")
    days, rem = divmod(t, 86400)
    y, m, d = civil_from_days(days)
    return y, m, d, rem // 3600, rem // 60 % 60, rem % 60, (days + 5) % 7


class Clock:
    """Wall-clock seconds since 2000 from a machine.RTC instance."""

    def __init__(self, rtc):
        self.rtc = rtc

    def now(self):
        dt = self.rtc.datetime()
        try:
            return to_seconds(dt[0], dt[1], dt[2], dt[4], dt[5], dt[6])
        except ValueError:
            return 0  # RTC never set (or garbage): the meter reads 2000-01-01

    def set(self, t):
        y, m, d, h, mi, s, wd = from_seconds(t)
        self.rtc.datetime((y, m, d, wd, h, mi, s, 0))
