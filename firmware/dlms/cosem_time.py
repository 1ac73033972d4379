# Seconds since 2000-01-01 00:00 UTC <-> COSEM date-time (dlms.md 5.3, 7.1 Clock).
# Integer civil-calendar arithmetic (no time module in the pure layers).
from dlms import axdr

_DAYS_2000 = 730425  # days from 0000-03-01 to 2000-01-01 in the civil algorithm


def civil(days):
    """Days since 2000-01-01 -> (year, month, day)."""
    z = days + _DAYS_2000
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    y = yoe + era * 400 + (1 if m <= 2 else 0)
    return y, m, d


def days(year, month, day):
    """(year, month, day) -> days since 2000-01-01."""
    y = year - (1 if month <= 2 else 0)
    era = y // 400
    yoe = y - era * 400
    mp = month - 3 if month > 2 else month + 9
    doy = (153 * mp + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - _DAYS_2000


def to_octets(seconds):
    """Seconds since 2000 (UTC) -> the 12 octets of a COSEM date-time, deviation 0."""
    d, s = divmod(seconds, 86400)
    y, m, day = civil(d)
    dow = (d + 5) % 7 + 1  # 2000-01-01 was a Saturday; COSEM Monday = 1
    return axdr.date_time(y, m, day, s // 3600, (s // 60) % 60, s % 60, 0, 0, 0, dow)


def from_octets(b):
    """COSEM date-time -> seconds since 2000 (UTC). Raises DecodeError when a
    field is unspecified or out of range."""
    y, m, d, _, hh, mm, ss, _, dev, _ = axdr.parse_date_time(b)
    if not (2000 <= y < 2136 and 1 <= m <= 12 and 1 <= d <= 31 and hh < 24 and mm < 60
            and ss < 60):
        raise axdr.DecodeError("date-time field not specified or out of range")
    t = days(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss
    if dev != axdr.DEVIATION_UNSPECIFIED:
        t += dev * 60  # deviation = local time - UTC in minutes, negated (Blue Book)
    return t
