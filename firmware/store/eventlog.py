# The meter's event journal: a store.ring.Ring of events (seq, time_s, code,
# a, b). Records are 20 bytes:  seq u32 | time_s u32 | code u16 | a i32 |
# b i32 | check u16, little-endian, in segment files "0", "1", ... of
# `per_segment` events in `directory` (store/ring.py: power-cut-safe appends, a cut loses at most the
# event being appended). time_s is the meter's wall clock (seconds since
# 2000-01-01 UTC, meter.realtime) or, without one, its powered clock.
import struct

from compat import const
from store.ring import Ring

RECORD = const(20)
_FMT = "<IHii"


class EventLog(Ring):
    """append(time_s, code, a=0, b=0) -> seq; entries() oldest first, newest
    last, at most `capacity`; since(seq) the entries with a greater seq."""

    def __init__(self, fs, directory, capacity, per_segment=6):
        Ring.__init__(self, fs, directory.rstrip("/") + "/", RECORD - 6, capacity, per_segment)

    def append(self, time_s, code, a=0, b=0):
        """Durably add one event; returns its sequence number. Raises
        ValueError for out-of-range fields (nothing written) and OSError from
        the file system (then the event may or may not be stored)."""
        if not (0 <= time_s <= 0xFFFFFFFF and 0 <= code <= 0xFFFF
                and -0x80000000 <= a <= 0x7FFFFFFF and -0x80000000 <= b <= 0x7FFFFFFF):
            raise ValueError("event field out of range")
        return Ring.append(self, struct.pack(_FMT, time_s, code, a, b))

    def newest_time(self):
        """time_s of the newest event, 0 when there is none."""
        return struct.unpack_from("<I", self.newest)[0] if self.newest is not None else 0

    def entries(self):
        return [(s,) + struct.unpack(_FMT, p) for s, p in self.records()]

    def since(self, seq):
        return [e for e in self.entries() if e[0] > seq]
