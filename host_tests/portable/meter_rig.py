# Portable stand-ins for the meter's injected objects: an atomic in-RAM
# StateStore, an EventLog ring, a clock, a relay and a display.


def _plain(v):
    """Deep copy that also checks the store contract's value types."""
    if v is None or isinstance(v, (bool, int, str, bytes)):
        return v
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return dict((k, _plain(x)) for k, x in v.items())
    raise TypeError("not a plain value: %r" % (v,))


class PowerCut(Exception):
    pass


class Store:
    """In-RAM StateStore: commit is atomic; fail_after=n cuts power at the
    n-th commit from now (that commit does not happen)."""

    def __init__(self):
        self.data = None
        self.commits = 0
        self.fail_after = None

    def load(self):
        return _plain(self.data) if self.data is not None else None

    def commit(self, d):
        if self.fail_after is not None:
            self.fail_after -= 1
            if self.fail_after <= 0:
                self.fail_after = None
                raise PowerCut()
        self.data = _plain(d)
        self.commits += 1


class EventLog:
    def __init__(self, capacity=64):
        self.capacity = capacity
        self.items = []
        self.seq = 0

    def append(self, time_s, code, a=0, b=0):
        self.seq += 1
        self.items.append((self.seq, time_s, code, a, b))
        if len(self.items) > self.capacity:
            self.items.pop(0)
        return self.seq

    def entries(self):
        return list(self.items)

    def since(self, seq):
        return [e for e in self.items if e[0] > seq]

    def codes(self):
        return [e[2] for e in self.items]


class Clock:
    def __init__(self, t=0):
        self.t = t

    def __call__(self):
        return self.t


class Relay:
    def __init__(self):
        self.closed = None
        self.changes = 0

    def set(self, closed):
        if closed != self.closed:
            self.changes += 1
        self.closed = closed


class Display:
    def __init__(self):
        self.text = ""
        self.history = []

    def show(self, text):
        self.text = text
        self.history.append(text)

