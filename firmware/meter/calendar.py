# The time-of-use calendar (Blue Book activity calendar, class 20, and
# special days table, class 11; docs/payment.md "Calendar"): which tariff rate
# applies at a local time. Pure: local time is seconds since 2000-01-01 00:00
# local, days are civil.days_from_civil numbers.
#
# A calendar is [name, seasons, weeks, days] (plain lists, kept in the meter
# record):
#   seasons [[name, month, day, week name], ...]: a season starts on month/day
#     at 00:00 every year and runs until the next one (the last one wraps into
#     the next year); sorted by start;
#   weeks   [[name, Monday day_id, ..., Sunday day_id], ...];
#   days    [[day_id, [[minute of the day, script selector], ...]], ...]: an
#     action starts at its minute and holds until the next; the selector is the
#     tariff rate (1..n) the charges' tables are indexed with.
# Special days [[index, year (0xFFFF every year), month, day, day_id], ...]
# replace the week's day_id on their date.
from compat import const
from civil import civil_from_days, weekday

ANY_YEAR = const(0xFFFF)
# sizes a calendar may have (the meter record holds it, docs/payment.md)
_SEASONS = const(4)
_WEEKS = const(4)
_DAYS = const(8)
_ACTIONS = const(8)
_SPECIAL = const(16)


def _fail(what):
    raise ValueError("calendar: " + what)


def _b(x):
    """A name as bytes (provisioning gives str, DLMS octet-strings)."""
    return x.encode() if isinstance(x, str) else bytes(x)


def part(i, v):
    """Calendar part i (0 name, 1 seasons, 2 weeks, 3 days) in stored form,
    checked on its own (its sizes and ranges), or ValueError. The passive
    calendar is written part by part (DLMS attributes 6..9) and checked as a
    whole when it is activated."""
    try:
        if i == 0:
            return _b(v)
        if i == 1:
            v = sorted([[_b(s[0]), int(s[1]), int(s[2]), _b(s[3])] for s in v],
                       key=lambda s: s[1] * 32 + s[2])
            ok = len(v) <= _SEASONS and all([1 <= s[1] <= 12 and 1 <= s[2] <= 31 for s in v])
        elif i == 2:
            v = [[_b(w[0])] + [int(d) for d in w[1:]] for w in v]
            ok = len(v) <= _WEEKS and all([len(w) == 8 for w in v])
        else:
            v = [[int(d[0]), sorted([[int(a[0]), int(a[1])] for a in d[1]])] for d in v]
            ok = len(v) <= _DAYS and all([0 < len(d[1]) <= _ACTIONS and all(
                [0 <= a[0] < 1440 and 0 < a[1] < 256 for a in d[1]]) for d in v])
    except (TypeError, ValueError, IndexError):
        ok = False
    if not ok:
        _fail(("name", "up to %d seasons [name, month 1..12, day 1..31, week]" % _SEASONS,
               "up to %d weeks [name, 7 day_ids]" % _WEEKS,
               "up to %d day profiles [day_id, 1..%d [minute 0..1439, selector 1..255]]"
               % (_DAYS, _ACTIONS))[i])
    return v


def check(cal):
    """A valid calendar as stored (seasons and actions sorted), or ValueError."""
    try:
        if len(cal) != 4:
            raise IndexError
        cal = [part(i, cal[i]) for i in range(4)]
    except (TypeError, IndexError, KeyError):
        _fail("not [name, seasons, weeks, days]")
    _, seasons, weeks, days = cal
    if not (seasons and weeks and days):
        _fail("a season, a week profile and a day profile at least")
    ids = [d[0] for d in days]
    names = [w[0] for w in weeks]
    for d in ids:
        if ids.count(d) > 1:
            _fail("one day profile per day_id")
    for w in weeks:
        if names.count(w[0]) > 1:
            _fail("one week profile per name")
        for d in w[1:]:
            if d not in ids:
                _fail("week profile: day_id %d has no day profile" % d)
    for s in seasons:
        if s[3] not in names:
            _fail("season: no week profile named %r" % s[3])
    return cal


def check_special(entries, cal):
    """Valid special days (sorted by index) for calendar `cal` (or None)."""
    try:
        out = sorted([[int(x) for x in e] for e in entries])
    except (TypeError, ValueError):
        out = None
    if out is None or len(out) > _SPECIAL:
        _fail("special days: up to %d [index, year, month, day, day_id]" % _SPECIAL)
    ids = [d[0] for d in cal[3]] if cal else ()
    for e in out:
        if len(e) != 5 or not (e[1] == ANY_YEAR or 2000 <= e[1] < 2136) \
                or not (1 <= e[2] <= 12 and 1 <= e[3] <= 31):
            _fail("special day %r: year (0xFFFF any), month 1..12, day 1..31" % (e,))
        if cal and e[4] not in ids:
            _fail("special day %d: day_id %d has no day profile" % (e[0], e[4]))
    return out


def special_day(special, day):
    """The day_id a special day gives day number `day`, else None."""
    y, m, d = civil_from_days(day)
    for e in special:
        if e[2] == m and e[3] == d and (e[1] == y or e[1] == ANY_YEAR):
            return e[4]
    return None


def day_id(cal, special, day):
    sd = special_day(special, day)
    if sd is not None:
        return sd
    _, m, d = civil_from_days(day)
    md = m * 32 + d
    season = cal[1][-1]  # before the first start: the last season (from the year before)
    for s in cal[1]:
        if s[1] * 32 + s[2] <= md:
            season = s
    for w in cal[2]:
        if w[0] == season[3]:
            return w[weekday(day)]
    return cal[3][0][0]  # not reached for a checked calendar


def _actions(cal, did):
    for d in cal[3]:
        if d[0] == did:
            return d[1]
    return cal[3][0][1]


def rate(cal, special, t):
    """The script selector (tariff rate) at local time t."""
    day = t // 86400
    minute = (t % 86400) // 60
    sel = None
    for a in _actions(cal, day_id(cal, special, day)):
        if a[0] <= minute:
            sel = a[1]
    if sel is None:  # before the day's first action: the previous day's last one holds
        sel = _actions(cal, day_id(cal, special, day - 1))[-1][1]
    return sel
