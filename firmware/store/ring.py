# A bounded, power-cut-safe ring of fixed-size records: the meter's event
# journal (store.eventlog) and its profiles and event logs (meter.recorder).
#
# A record is  seq u32 | fields (struct format `fmt`) | check u16  (low 16
# bits of the CRC-32 of seq and fields), little-endian, appended to small segment
# files NAME0, NAME1, ... of `per_segment` records (`path` is DIR/NAME;
# rings may share a folder: one folder costs littlefs two blocks). A full segment is
# followed by the next one (mod NSEG), whose old contents, the oldest
# records, are replaced. NSEG = ceil(capacity / per_segment) + 1, so the
# other segments always hold at least `capacity` records: dropping the oldest
# segment never drops one of the newest `capacity`. An append opens the
# newest segment for append and closes it: on littlefs that is atomic
# (copy-on-write), and while a segment is at most the file system's inline
# size (cache size, 128 bytes with MicroPython's defaults) it lives inside the
# directory's metadata log, so an append costs a few small flash programs and
# no erase of its own (docs/storage.md). On other file systems a torn record
# fails its check and is cut off at the next open: a power cut loses at most
# the record being appended. Only the newest record is kept in RAM; records()
# reads one segment at a time.
import struct

from store.fs import crc32, ensure_dir, read_file, write_file


def _valid(data, rec):
    """The valid records of one segment's bytes, stopping at the first torn
    one: [(seq, offset of the payload)]."""
    out = []
    if not data:
        return out
    body = rec - 2
    mv = memoryview(data)
    for off in range(0, len(data) - rec + 1, rec):
        if crc32(mv[off:off + body]) & 0xFFFF != struct.unpack_from("<H", data, off + body)[0]:
            break
        out.append((struct.unpack_from("<I", data, off)[0], off + 4))
    return out


class Ring:
    """append(*fields) -> seq (1, 2, ...); records() the newest `capacity`
    as (seq, fields) oldest first, entries() as (seq, *fields); newest the
    newest fields (or None); in_use() how many records() yields; clear()
    empties it. `fmt`: the struct format of a record's fields."""

    def __init__(self, fs, path, fmt, capacity, per_segment):
        size = struct.calcsize(fmt)
        if capacity < 1 or per_segment < 1 or size < 1:
            raise ValueError("size, capacity and per_segment must be positive")
        self.fmt = fmt
        self.fs = fs
        i = path.rfind("/")
        self.directory, self.name = path[:i] if i > 0 else path[:i + 1], path[i + 1:]
        self.size = size
        self.rec = size + 6
        self.capacity = capacity
        self.per_segment = per_segment
        self.segments = (capacity + per_segment - 1) // per_segment + 1
        self.appends = 0
        self.damaged = False  # a file stood where the folder should be: removed
        self.seq, self.newest = 0, None  # until it opens
        self._last = None  # (segment, its path) last made (_path)
        try:
            self._open()
        except OSError:  # damaged or unwritable storage must not stop the meter
            self._repair()

    def _repair(self):
        """Remove a file standing in the ring folder's place; the ring then
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
        # one formatting, one new string (store.fs.join); the last one is
        # kept: appends go to the same segment until it is full
        last = self._last
        if last is not None and last[0] == i:
            return last[1]
        d = self.directory
        p = "%s/%s%d" % (d, self.name, i) if d else "%s%d" % (self.name, i)
        self._last = (i, p)
        return p

    def _mine(self):
        """Segment numbers of this ring's files in the folder."""
        n = len(self.name)
        return [int(f[n:]) for f in self.fs.listdir(self.directory)
                if f.startswith(self.name) and f[n:].isdigit()]

    def _read(self, i):
        return read_file(self.fs, self._path(i), self.per_segment * self.rec)

    def _open(self):
        """Find the newest segment and record; cut a torn tail off it
        (non-atomic file systems)."""
        ensure_dir(self.fs, self.directory)
        self._stale = False
        self._cur, self._count, self.seq, self.newest = 0, 0, 0, None
        for i in range(self.segments):
            data = self._read(i)
            recs = _valid(data, self.rec)
            if recs:
                if self._count == 0 or recs[-1][0] > self.seq:
                    off = recs[-1][1]
                    self._cur, self._count, self.seq = i, len(recs), recs[-1][0]
                    self.newest = struct.unpack_from(self.fmt, data, off)
        # segments left over from a larger ring: never reuse their numbers
        for i in self._mine():
            if i >= self.segments:
                recs = _valid(self._read(i), self.rec)
                if recs and recs[-1][0] > self.seq:
                    self.seq = recs[-1][0]
        if self._count:
            data = read_file(self.fs, self._path(self._cur), self.per_segment * self.rec + 1)
            if len(data) != self._count * self.rec:
                write_file(self.fs, self._path(self._cur), data[:self._count * self.rec])

    def append(self, *fields):
        """Durably add one record; returns its sequence number. Raises
        ValueError for fields the format does not hold (nothing written:
        MicroPython's struct truncates, so they are read back) and OSError
        from the file system (then the record may or may not be stored)."""
        try:
            payload = struct.pack(self.fmt, *fields)
            ok = struct.unpack(self.fmt, payload) == fields
        except Exception:
            ok = False
        if not ok:
            raise ValueError("record fields")
        if self._stale:
            self._open()
        seq = self.seq + 1
        body = struct.pack("<I", seq) + payload
        rec = body + struct.pack("<H", crc32(body) & 0xFFFF)
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
        self.newest = fields
        self.appends += 1
        return seq

    def records(self):
        """The newest `capacity` records as (seq, fields), oldest
        first, one segment file read at a time. A generator: records
        appended while it is suspended are not seen, and an append that
        replaces a segment it has not read yet hides that segment's records."""
        if self._stale:
            self._open()
        cur, top, n = self._cur, self.seq, self.segments
        lo = top - self.capacity
        for k in range(1, n + 1):
            i = (cur + k) % n  # the segment after the newest is the oldest
            data = self._read(i)
            for seq, off in _valid(data, self.rec):
                if lo < seq <= top:
                    yield seq, struct.unpack_from(self.fmt, data, off)

    def entries(self):
        """The records as (seq, *fields) tuples, oldest first."""
        return [(s,) + f for s, f in self.records()]

    def in_use(self):
        """How many records records() yields (reads every segment)."""
        n = 0
        for _ in self.records():
            n += 1
        return n

    def clear(self):
        """Remove every record (e.g. before changing the geometry); seq
        restarts at 1."""
        for i in self._mine():
            self.fs.remove(self._path(i))
        self._open()
