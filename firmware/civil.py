# Civil (proleptic Gregorian) calendar in integers, shared by the layers that
# turn counts into dates: STS TIDs (sts.tid), COSEM date-time (dlms.cosem_time)
# and the board RTC (hal.rtc). Day 0 is 2000-01-01, a Saturday.
# Era-based algorithm of H. Hinnant, "chrono-Compatible Low-Level Date
# Algorithms" (public domain); `//` floors, so dates before 2000 work too.

_SHIFT = 730425  # days from 0000-03-01 to 2000-01-01 in the algorithm's count


def days_from_civil(y, m, d):
    """Days since 2000-01-01 of a date."""
    if m <= 2:
        y -= 1
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m - 3 if m > 2 else m + 9) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - _SHIFT


def civil_from_days(z):
    """(year, month, day) of a day number since 2000-01-01."""
    z += _SHIFT
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (1 if m <= 2 else 0), m, d


def weekday(days):
    """ISO weekday of a day number since 2000-01-01: Monday 1 .. Sunday 7."""
    return (days + 5) % 7 + 1
