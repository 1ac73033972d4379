# Seconds since 2000-01-01 00:00 UTC <-> COSEM date-time (dlms.md 5.3, 7.1 Clock).
# Integer civil-calendar arithmetic (no time module in the pure layers). The
# deviation is UTC - local time in minutes (-60 for UTC+1), as Gurux and
# dlms-cosem read it (dlms.md 5.3).
from civil import civil_from_days, days_from_civil, weekday
from dlms import axdr

# a date-time with no field specified, deviation unspecified (dlms.md 5.3)
UNSPECIFIED = bytes((0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x80, 0x00, 0xFF))


def to_octets(seconds, deviation=0, status=0):
    """Seconds since 2000 (UTC) -> the 12 octets of a COSEM date-time in
    local time (UTC - deviation minutes), with that deviation and status."""
    d, s = divmod(seconds - deviation * 60, 86400)
    y, m, day = civil_from_days(d)
    return axdr.date_time(y, m, day, s // 3600, (s // 60) % 60, s % 60, 0, deviation, status,
                          weekday(d))


def from_octets(b, deviation=0):
    """COSEM date-time -> seconds since 2000 (UTC); `deviation` is used when
    the value leaves it unspecified (the meter's own). Raises DecodeError
    when a field is unspecified or out of range."""
    y, m, d, _, hh, mm, ss, _, dev, _ = axdr.parse_date_time(b)
    if not (2000 <= y < 2136 and 1 <= m <= 12 and 1 <= d <= 31 and hh < 24 and mm < 60
            and ss < 60):
        raise axdr.DecodeError("date-time field not specified or out of range")
    if dev == axdr.DEVIATION_UNSPECIFIED:
        dev = deviation
    elif not -720 <= dev <= 720:
        raise axdr.DecodeError("deviation out of range")
    return days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss + dev * 60


def stamp(clock, t, status=None):
    """The date-time of UTC time t on `clock` (meter.realtime.RealTime:
    deviation(t), status): local time with the deviation that applies at t,
    `status` (default the clock's own) and the DST bit."""
    dev, dst = clock.deviation(t)
    return to_octets(t, dev, (clock.status if status is None else status) | (0x80 if dst else 0))
