# TID (token identifier) <-> date, sts.md 4.2: minutes since the base date
# 00:00 (1993-01-01, 2014-01-01 or 2035-01-01). Integer arithmetic only, no
# time module; the civil calendar is civil.py's.
from civil import days_from_civil, civil_from_days

BASE_DATES = (1993, 2014, 2035)
TID_MAX = 0xFFFFFF
MINUTES_PER_DAY = 1440
STID_MINUTE = 1  # 00:01, SpecialReservedTokenIdentifier (sts.md 4.2)


def _check_base(base_date):
    if base_date not in BASE_DATES:
        raise ValueError("base date must be 1993, 2014 or 2035")


def to_date(base_date, tid):
    """TID -> (year, month, day, hour, minute)."""
    _check_base(base_date)
    if tid < 0 or tid > TID_MAX:
        raise ValueError("TID must be 0..2^24-1")
    days, minute = divmod(tid, MINUTES_PER_DAY)
    y, m, d = civil_from_days(days_from_civil(base_date, 1, 1) + days)
    return y, m, d, minute // 60, minute % 60


def from_date(base_date, y, m, d, hh=0, mm=0):
    """(date, time) -> minutes since the base date; ValueError outside 24 bits."""
    _check_base(base_date)
    if not (1 <= m <= 12 and 1 <= d <= 31 and 0 <= hh < 24 and 0 <= mm < 60):
        raise ValueError("bad date or time")
    days = days_from_civil(y, m, d)
    if civil_from_days(days) != (y, m, d):  # e.g. 02-30 would count on into March
        raise ValueError("no such date: %04d-%02d-%02d" % (y, m, d))
    days -= days_from_civil(base_date, 1, 1)
    t = days * MINUTES_PER_DAY + hh * 60 + mm
    if t < 0 or t > TID_MAX:
        raise ValueError("date outside the 24-bit TID range of base date %d" % base_date)
    return t


def is_stid(tid):
    """The SpecialReservedTokenIdentifier: minute-of-day 00:01."""
    return tid % MINUTES_PER_DAY == STID_MINUTE


def format_date(base_date, tid):
    y, m, d, hh, mm = to_date(base_date, tid)
    return "%04d-%02d-%02d %02d:%02d" % (y, m, d, hh, mm)
