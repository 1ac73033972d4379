# Bounded, power-cut-safe ring of meter events (seq, time_s, code, a, b).
#
# Events are 20-byte records  seq u32 | time_s u32 | code u16 | a i32 | b i32 |
# check u16 (low 16 bits of the CRC-32 of the first 18 bytes), little-endian,
# appended to small segment files "0", "1", ... NSEG-1 of `per_segment`
# records. A full segment is followed by the next one (mod NSEG), whose old
# contents, the oldest events, are replaced. NSEG = ceil(capacity /
# per_segment) + 1, so the other segments always hold at least `capacity`
# events: dropping the oldest segment never drops one of the newest
# `capacity`. An append opens the newest segment for append and closes it: on
# littlefs that is atomic (copy-on-write), and while a segment is at most the
# file system's inline size (cache size, 128 bytes with MicroPython's
# defaults) it lives inside the directory's metadata log, so an append costs a
# few small flash programs and no erase of its own. On other file systems a
# torn record fails its check and is cut off at the next open: a power cut
# loses at most the event being appended.
import struct

from compat import const
from store.fs import crc32, ensure_dir, join, read_file, write_file

RECORD = const(20)
_FMT = "<IIHii"
_BODY = const(18)


def _record(seq, time_s, code, a, b):
    body = struct.pack(_FMT, seq, time_s, code, a, b)
    return body + struct.pack("<H", crc32(body) & 0xFFFF)


def _records(data):
    """Valid events of one segment, stopping at the first torn record."""
    out = []
    if not data:
        return out
    mv = memoryview(data)
    for off in range(0, len(data) - RECORD + 1, RECORD):
        body = mv[off:off + _BODY]
        if crc32(body) & 0xFFFF != struct.unpack_from("<H", data, off + _BODY)[0]:
            break
        out.append(struct.unpack_from(_FMT, data, off))
    return out


class EventLog:
    """append(time_s, code, a=0, b=0) -> seq; entries() oldest first, newest
    last, at most `capacity`; since(seq) the entries with a greater seq."""

    def __init__(self, fs, directory, capacity, per_segment=6):
        if capacity < 1 or per_segment < 1:
            raise ValueError("capacity and per_segment must be positive")
        self.fs = fs
        self.directory = directory.rstrip("/")
        self.capacity = capacity
        self.per_segment = per_segment
        self.segments = (capacity + per_segment - 1) // per_segment + 1
        self.appends = 0
        self.damaged = False  # a file stood where the folder should be: removed
        try:
            self._open()
        except OSError:  # damaged or unwritable storage must not stop the meter
            self._repair()

    def _repair(self):
        """Remove a file standing in the log folder's place; the log then
        starts empty. Anything else: opened again at the next append."""
        self._stale = True
        try:
            if self.fs.stat(self.directory)[0] & 0x4000:
                return
            self.fs.remove(self.directory)
            self.damaged = True
            self._open()
        except OSError:
            pass

    def _path(self, i):
        return "%s/%d" % (self.directory, i) if self.directory else str(i)

    def _read(self, i):
        return _records(read_file(self.fs, self._path(i), self.per_segment * RECORD))

    def _open(self):
        """Find the newest segment; cut a torn tail off it (non-atomic file systems)."""
        ensure_dir(self.fs, self.directory)
        self._stale = False
        self._cur, self._count, self.seq = 0, 0, 0  # seq of the newest event
        for i in range(self.segments):
            recs = self._read(i)
            if recs and (self._count == 0 or recs[-1][0] > self.seq):
                self._cur, self._count, self.seq = i, len(recs), recs[-1][0]
        # segments left over from a larger ring: never reuse their numbers
        for name in self.fs.listdir(self.directory):
            if name.isdigit() and int(name) >= self.segments:
                recs = self._read(int(name))
                if recs and recs[-1][0] > self.seq:
                    self.seq = recs[-1][0]
        if self._count:
            data = read_file(self.fs, self._path(self._cur), self.per_segment * RECORD + 1)
            if len(data) != self._count * RECORD:
                write_file(self.fs, self._path(self._cur), data[:self._count * RECORD])

    def append(self, time_s, code, a=0, b=0):
        """Durably add one event; returns its sequence number. Raises
        ValueError for out-of-range fields (nothing written) and OSError from
        the file system (then the event may or may not be stored)."""
        if not (0 <= time_s <= 0xFFFFFFFF and 0 <= code <= 0xFFFF
                and -0x80000000 <= a <= 0x7FFFFFFF and -0x80000000 <= b <= 0x7FFFFFFF):
            raise ValueError("event field out of range")
        if self._stale:
            self._open()
        seq = self.seq + 1
        rec = _record(seq, time_s, code, a, b)
        self._stale = True  # until the write is known to be complete
        if self._count >= self.per_segment:
            cur = (self._cur + 1) % self.segments
            write_file(self.fs, self._path(cur), rec, "wb")  # replaces the oldest segment
            self._cur, self._count = cur, 1
        elif self._count == 0:
            write_file(self.fs, self._path(self._cur), rec, "wb")
            self._count = 1
        else:
            write_file(self.fs, self._path(self._cur), rec, "ab")
            self._count += 1
        self._stale = False
        self.seq = seq
        self.appends += 1
        return seq

    def entries(self):
        out = []
        for i in range(self.segments):
            out.extend(self._read(i))
        out.sort()
        return out[-self.capacity:]

    def clear(self):
        """Remove every event (e.g. before changing capacity); seq restarts at 1."""
        for name in self.fs.listdir(self.directory):
            if name.isdigit():
                self.fs.remove(join(self.directory, name))
        self._open()

    def since(self, seq):
        return [e for e in self.entries() if e[0] > seq]
