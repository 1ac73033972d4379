# Atomic, power-cut-safe storage of the meter's state record.
#
# Two slot files, "a" and "b", hold the last two committed copies. A commit
# writes the slot that does NOT hold the newest valid copy, so the newest copy
# is never touched while the new one is written. Each copy is
#
#   "SM" | version 1 | flags 0 | seq u32 | length u32 | payload | crc32 u32
#
# (little-endian; payload = store.codec encoding of the dict; crc32 over all
# bytes before it). load() takes the valid copy with the highest sequence
# number (serial-number arithmetic, RFC 1982), so a torn or corrupt newest copy
# falls back to the previous one. On littlefs a file rewrite is itself atomic
# at close (copy-on-write), so after a power cut the slot being written holds
# its old copy or the new one; on a file system without that guarantee the CRC
# rejects a torn copy. See docs/storage.md.
from builtins import len  # module globals: a builtin is found by a linear search
import struct

from compat import const
from store import codec
from store.fs import (EISDIR, ENOSPC, StoreFullError, crc32, errno_of,
                      ensure_dir, join, read_file, write_file)

MAGIC = b"SM"
VERSION = const(1)
_HEADER = "<2sBBII"
_HEADER_SIZE = const(12)
_OVERHEAD = const(16)
SLOTS = ("a", "b")
MAX_PAYLOAD = const(4096)
# what a slot holds (_read; store.state_read has the same values)
_MISSING = const(0)
_EMPTY = const(1)
_DATA = const(2)


def newer(s, t):
    """True if sequence number s is newer than t (RFC 1982, 32 bits)."""
    return s != t and ((s - t) & 0xFFFFFFFF) < 0x80000000


def pack(seq, d):
    """The stored copy of dict `d` as one bytearray (one allocation)."""
    return seal(codec.encode(d, _HEADER_SIZE, 4), seq)


def seal(rec, seq):
    """Fill in the header and CRC of an encoding made with room for them."""
    end = len(rec) - 4
    struct.pack_into(_HEADER, rec, 0, MAGIC, VERSION, 0, seq, end - _HEADER_SIZE)
    struct.pack_into("<I", rec, end, crc32(memoryview(rec)[:end]))
    return rec


def unpack(data):
    """(seq, payload) of a stored copy, or None if it is not a valid copy."""
    if data is None or len(data) < _OVERHEAD:
        return None
    magic, ver, flags, seq, length = struct.unpack_from(_HEADER, data, 0)
    if magic != MAGIC or ver != VERSION or length != len(data) - _OVERHEAD:
        return None
    end = _HEADER_SIZE + length
    if crc32(memoryview(data)[:end]) != struct.unpack_from("<I", data, end)[0]:
        return None
    return seq, memoryview(data)[_HEADER_SIZE:end]


class StateStore:
    """load() -> dict or None (fresh meter); commit(d) atomically replaces it.

    Attributes: commits (successful commits by this object), seq (sequence
    number of the newest copy, 0 if none), recovered (True if the last load()
    skipped a damaged copy).
    """

    def __init__(self, fs, directory, max_payload=MAX_PAYLOAD):
        self.fs = fs
        self.directory = directory.rstrip("/")
        self.max_payload = max_payload
        self.commits = 0
        self.seq = 0
        self.recovered = False
        self._newest = None  # slot index of the newest valid copy
        self._scanned = False
        self._dir_ok = False
        self._size = 0  # payload size of the newest copy: the next one's likely size
        self._paths = None  # the slots' paths (_path)

    def _path(self, i):
        # made once (each new string costs a search of the interned ones)
        p = self._paths
        if p is None:
            p = self._paths = (join(self.directory, SLOTS[0]), join(self.directory, SLOTS[1]))
        return p[i]

    def _read(self, i):
        """(seq, payload) or None, and what the slot holds: _MISSING, _EMPTY or
        _DATA (anything else, also a slot that cannot be read, e.g. a folder)."""
        try:
            data = read_file(self.fs, self._path(i), self.max_payload + _OVERHEAD + 1)
        except OSError:
            return None, _DATA
        if data is None:
            return None, _MISSING
        return unpack(data), _DATA if data else _EMPTY

    def load(self):
        # reading the copies back is boot-time code (store.state_read, loaded
        # for it and unloaded after the build by app.App)
        from store.state_read import load
        return load(self)

    def commit(self, d):
        """Make dict `d` the durable state. On return it survives a power cut;
        a power cut during the call leaves the old or the new dict. Raises
        CodecError/ValueError for an unstorable value (nothing written) and
        StoreFullError if the file system is full (the old state is kept)."""
        if not isinstance(d, dict):
            raise ValueError("state must be a dict")
        record = codec.encode(d, _HEADER_SIZE, 4, self._size)
        if len(record) - _OVERHEAD > self.max_payload:
            raise ValueError("state is %d bytes, limit %d" % (len(record) - _OVERHEAD, self.max_payload))
        if not self._scanned:
            self._scan()
        target = 0 if self._newest is None else 1 - self._newest
        seq = (self.seq + 1) & 0xFFFFFFFF
        seal(record, seq)
        try:
            if not self._dir_ok:
                ensure_dir(self.fs, self.directory)
                self._dir_ok = True
            self._write(target, record)
            if self._newest is None and seq == 1:
                # the first copy goes into both slots, so that later a slot
                # alone (the other one missing) is only ever a first commit
                # cut short, never a deleted newer copy
                target = 1
                self._write(1, record)
        except OSError as exc:
            if errno_of(exc) == ENOSPC:
                raise StoreFullError("file system full: the %d-byte state record was not "
                                     "written, the previous state is kept" % len(record))
            raise
        self._newest, self.seq = target, seq
        self._size = len(record) - _OVERHEAD
        self.commits += 1
        return seq

    def _write(self, i, record):
        try:
            write_file(self.fs, self._path(i), record)
        except OSError as exc:
            if errno_of(exc) != EISDIR:
                raise
            self.fs.remove(self._path(i))  # a (damaged) folder in the slot's place
            write_file(self.fs, self._path(i), record)

    def _scan(self):
        """Find the newest valid copy without decoding it (commit before load)."""
        best = None
        for i in (0, 1):
            rec = self._read(i)[0]
            if rec is not None and (best is None or newer(rec[0], best[0])):
                best = (rec[0], i)
        self._newest = None if best is None else best[1]
        self.seq = 0 if best is None else best[0]
        self._scanned = True

    def erase(self):
        """Remove both copies (factory reset). Not power-cut atomic by design:
        a cut leaves the old state, no state, or one older copy."""
        for i in (1, 0) if self._newest == 0 else (0, 1):
            try:
                self.fs.remove(self._path(i))
            except OSError:
                pass
        self._newest, self.seq, self._scanned = None, 0, True
