# Seconds since 2000-01-01 00:00 UTC <-> COSEM date-time (dlms.md 5.3, 7.1 Clock).
# Integer civil-calendar arithmetic (no time module in the pure layers).
from civil import civil_from_days, days_from_civil, weekday
from dlms import axdr

# a date-time with no field specified, deviation unspecified (dlms.md 5.3)
UNSPECIFIED = bytes((0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x80, 0x00, 0xFF))


def to_octets(seconds):
    """Seconds since 2000 (UTC) -> the 12 octets of a COSEM date-time, deviation 0."""
    d, s = divmod(seconds, 86400)
    y, m, day = civil_from_days(d)
    return axdr.date_time(y, m, day, s // 3600, (s // 60) % 60, s % 60, 0, 0, 0, weekday(d))


def from_octets(b):
    """COSEM date-time -> seconds since 2000 (UTC). Raises DecodeError when a
    field is unspecified or out of range."""
    y, m, d, _, hh, mm, ss, _, dev, _ = axdr.parse_date_time(b)
    if not (2000 <= y < 2136 and 1 <= m <= 12 and 1 <= d <= 31 and hh < 24 and mm < 60
            and ss < 60):
        raise axdr.DecodeError("date-time field not specified or out of range")
    t = days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss
    if dev != axdr.DEVIATION_UNSPECIFIED:
        t += dev * 60  # deviation = local time - UTC in minutes, negated (Blue Book)
    return t
