# What the meter's real-time clock (meter.realtime.RealTime) does beyond
# telling the time: resuming at a start, local time and the deviation with
# DST, setting it, its time zone and DST rule. RealTime.x(...) runs x(rt,
# ...) here; loaded at the build (app.App unloads it after) and when the
# COSEM clock, a profile or the tariffs need it, not with the meter.
# Setting the time logs two events (old and new time, IDIS "clock adjusted");
# each setting is durable when it returns (one StateStore commit), and a
# store error leaves the clock as it was.
import vocab
from compat import const, retry_on_memory
from meter.realtime import INVALID, DOUBTFUL

_I32 = const(0x7FFFFFFF)


def _clamp(s):
    return -_I32 if s < -_I32 else _I32 if s > _I32 else s


def _log(rt, code, a, b):
    if rt.on_event is not None:
        rt.on_event(code, a, b)


def resume(rt, battery, floor):
    """The clock at a start from its saved record: a battery RTC is trusted
    (outage_s: how long the power was off); without one, or when the RTC
    reads earlier than the saved time, it resumes from the saved time but
    never before `floor` (the newest event), doubtful until set."""
    d = None
    if rt.store is not None:
        try:
            d = retry_on_memory(rt.store.load)
        except Exception:  # damaged or no memory: start as a fresh clock
            d = None
    rt.tz, rt.dst, rt.offset, rt.status = 0, None, 0, 0 if battery else INVALID
    rt.outage_s, rt.resumed = 0, False
    last = 0
    if d is not None:
        try:
            tz, dst_, offset, st, last = d["tz"], d["dst"], d["o"], d["st"], d["t"]
            rt.tz, rt.dst, rt.offset, rt.status = tz, dst_, offset, st & INVALID
        except Exception:  # not a clock record: as a fresh clock
            d, last = None, 0
    raw = rt.rtc()
    t = raw + rt.offset
    floor = last if last > floor else floor
    if not battery or t < floor:
        rt.offset = floor - raw
        rt.resumed = True
        rt.status |= DOUBTFUL
    elif d is not None:
        rt.outage_s = t - last
    rt.saved = rt.now()


def local(rt):
    """Local seconds since 2000 (time zone and DST): the tariffs' time."""
    t = rt.now()
    return t - deviation(rt, t)[0] * 60


def deviation(rt, t):
    """(deviation in minutes, DST active) at UTC time t: tz, minus the DST
    deviation while DST is on (meter.dst, loaded only then)."""
    d = rt.dst
    if not d or not d[3] or not d[0] or not d[1]:  # off, or a rule not set yet
        return rt.tz, False
    from meter import dst
    return dst.deviation(t, rt.tz, d)


def set(rt, t, how=0):
    """Set the clock to UTC time t; `how` is the events' b (the COSEM
    attribute or method used). ValueError for a time out of range."""
    if not 0 <= t <= 0xFFFFFFFF:
        raise ValueError("time out of range")
    raw = rt.rtc()
    shift = _clamp(t - (raw + rt.offset))
    offset = t - raw
    st = rt.status
    rt.status &= ~(INVALID | DOUBTFUL)
    try:
        if rt.store is not None:
            rt.store.commit(rt.record(t, offset))
    except BaseException:
        rt.status = st
        raise
    _log(rt, vocab.EV_CLOCK_OLD, shift, how)  # stamped with the old time
    rt.offset = offset
    rt.saved = t
    rt.last = None
    rt.resumed = False
    _log(rt, vocab.EV_CLOCK_NEW, shift, how)


def configure(rt, tz=None, dst=None):
    """Time zone and/or DST rule (as RealTime's tz and dst)."""
    old = rt.tz, rt.dst
    if tz is not None:
        rt.tz = tz
    if dst is not None:
        rt.dst = dst
    try:
        if rt.store is not None:
            rt.store.commit(rt.record(rt.now(), rt.offset))
    except BaseException:
        rt.tz, rt.dst = old
        raise
