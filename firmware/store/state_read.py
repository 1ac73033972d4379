# StateStore.load (store.state): the newest valid copy of a state record,
# read once per record at boot (and after running out of memory there), so
# its code loads for that and leaves the heap after the build (app.App;
# docs/benchmarks.md, heap).
from compat import const
from store import codec
from store.fs import StoreCorruptError
from store.state import newer

_MISSING = const(0)  # store.state's slot contents
_EMPTY = const(1)
_DATA = const(2)


def load(self):
    """StateStore.load of the store `self`."""
    copies = []
    damaged = 0
    held = []
    for i in (0, 1):
        rec, what = self._read(i)
        held.append(what)
        if rec is not None:
            copies.append((rec[0], i, rec[1]))
        elif what != _MISSING:
            damaged += 1
    if len(copies) == 2 and newer(copies[0][0], copies[1][0]):
        copies.reverse()
    # newest first; a copy whose payload does not decode is damaged too
    while copies:
        seq, i, payload = copies.pop()
        try:
            d = codec.decode(payload)
        except codec.CodecError:
            d = None
        if isinstance(d, dict):
            if _MISSING in held and (i or seq != 1):  # only the first copy is ever alone
                damaged += 1
            self.seq, self._newest, self._scanned = seq, i, True
            self._size = len(payload)
            self.recovered = damaged > 0
            return d
        damaged += 1
    self._scanned = True
    self._newest = None
    self.seq = 0
    # A fresh store holds nothing, or only the first slot created by a
    # first commit that a power cut interrupted before close (littlefs
    # creates the file at open). Anything else, two empty slots too, is
    # damage: never a fresh start (issue 12 item 2).
    if damaged and held != [_EMPTY, _MISSING]:
        raise StoreCorruptError("no valid copy of the state in %s (%d damaged)"
                                % (self.directory, damaged))
    self.recovered = False
    return None
