# The meter's event journal: a store.ring.Ring of events (time_s u32, code
# u16, a i32, b i32) in `directory`, 20 bytes each in flash (seq, the
# fields, check; store/ring.py: power-cut-safe appends, a cut loses at most
# the event being appended), in segment files "0", "1", ... of `per_segment`
# events. time_s is the meter's real-time clock (seconds since 2000-01-01
# UTC, meter.realtime) or, without one, its powered clock.
from compat import const
from store.ring import Ring

RECORD = const(20)


def EventLog(fs, directory, capacity, per_segment=6):
    """The journal: append(time_s, code, a, b) -> seq (ValueError for a
    field out of range, nothing written); entries() (seq, time_s, code, a,
    b) oldest first, at most `capacity`; newest the newest fields."""
    return Ring(fs, directory.rstrip("/") + "/", "<IHii", capacity, per_segment)
