# What the meter's real-time clock (meter.realtime.RealTime) does beyond
# telling the time: local time and the deviation with DST, setting it, its
# time zone and DST rule. RealTime.x(...) runs x(rt, ...) here, loaded when
# the COSEM clock, a profile or the tariffs need it, not with the meter.
# Setting the time logs two events (old and new time, IDIS "clock adjusted");
# each setting is durable when it returns (one StateStore commit), and a
# store error leaves the clock as it was.
import vocab
from compat import const
from meter.realtime import INVALID, DOUBTFUL

_I32 = const(0x7FFFFFFF)


def _clamp(s):
    return -_I32 if s < -_I32 else _I32 if s > _I32 else s


def _log(rt, code, a, b):
    if rt.on_event is not None:
        rt.on_event(code, a, b)


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
