# CTS test mode, STS 203-1 (cts-mode.md part A; decisions of part B in docs/cts.md).
#
# States: NOT_ENTERED -> ACTIVE(uut) -> ENDED. ENDED is final (CTS-18): only a
# factory re-initialisation (erasing the whole state store) leaves it.
#
# Powered-up timer (CTS-10..15): `tick(now_s)` takes a monotonic seconds value
# from an injected clock that only runs while powered (the board's ticks; a
# fake in tests). The meter calls it at least every 5 s (CTS-14). Persistence
# by reservation: the stored value is always AHEAD of the true elapsed time by
# up to `persist_s`; after a power cut the meter resumes from the stored value,
# so a power cycle can shorten the 24 h by at most persist_s and never stretch
# or reset it (CTS-15). A missing or unreadable CTS record in an existing state
# means ENDED (fail safe: it never grants a fresh 24 h).
from compat import const

NOT_ENTERED = const(0)
ACTIVE = const(1)
ENDED = const(2)

# entry methods (event argument)
BY_SHORT_CODE = const(1)
BY_REGISTER = const(2)

# exit reasons
_EXIT_NONE = const(0)
EXIT_TIMER = const(1)
EXIT_SHORT_CODE = const(2)
EXIT_REGISTER = const(3)
_EXIT_CORRUPT = const(4)  # record missing or invalid

# enter() results
ENTERED = const(0)
CHANGED = const(1)  # another UUT applied while active; timer keeps running (B.6)
REFUSED_DRN = const(2)  # CTS-4
REFUSED_ENDED = const(3)  # CTS-18
REFUSED_UUT = const(4)  # not a defined UUT number (0, 5..99)
REFUSED_RANGE = const(5)  # not a CTS register value at all (CTS-9: 0..UUT_MAX)

UUT_MAX = const(99)  # the CTS register takes 0 (leave) .. 99 (cts-mode.md CTS-9)

LIMIT_S = const(86400)  # CTS-12: 24 h of powered-up time
PERSIST_S = const(30)  # reservation step (docs/cts.md)

RESERVED_DRNS = ("00000000000", "0100000000008")  # CTS-2 (= cts_profiles.DRN_*)


class Cts:
    def __init__(self, limit_s=LIMIT_S, persist_s=PERSIST_S):
        self.limit_s = limit_s
        self.persist_s = persist_s
        self.state = NOT_ENTERED
        self.uut = 0
        self.elapsed_s = 0  # powered-up seconds counted so far
        self.reserved_s = 0  # value in the last commit (>= elapsed_s when active)
        self.exit_reason = _EXIT_NONE
        self._last = None  # last clock value seen since power-up (RAM only)

    def copy(self):
        """An independent copy (a change is worked out on a copy)."""
        c = Cts(self.limit_s, self.persist_s)
        c.state, c.uut, c.exit_reason = self.state, self.uut, self.exit_reason
        c.elapsed_s, c.reserved_s, c._last = self.elapsed_s, self.reserved_s, self._last
        return c

    def active(self):
        return self.state == ACTIVE

    def ended(self):
        return self.state == ENDED

    def __getattr__(self, name):
        # entering CTS test mode (check_enter, enter) is meter.cts_control's
        # code, loaded on use: Cts.x(...) runs cts_control.Entry.x(self, ...)
        from meter import cts_control
        f = getattr(cts_control.Entry, name)
        return lambda *a: f(self, *a)

    def exit(self, reason):
        if self.state != ACTIVE:
            return False
        self.state = ENDED
        self.exit_reason = reason
        return True

    def tick(self, now_s):
        """Counts powered time. Returns True when the state must be committed
        now: a new reservation is due, or the timer expired (state ENDED)."""
        if self.state != ACTIVE:
            return False
        if self._last is None or now_s < self._last:
            self._last = now_s  # first tick after power-up: baseline only
        else:
            self.elapsed_s += now_s - self._last
            self._last = now_s
        if self.elapsed_s >= self.limit_s:
            self.elapsed_s = self.limit_s
            self.exit(EXIT_TIMER)
            return True
        return self.elapsed_s >= self.reserved_s

    def remaining_s(self):
        if self.state != ACTIVE:
            return 0
        return self.limit_s - self.elapsed_s

    def to_record(self):
        """Called when committing: reserves the next step ahead of the clock."""
        if self.state == ACTIVE:
            r = self.elapsed_s + self.persist_s
            self.reserved_s = r if r < self.limit_s else self.limit_s
            t = self.reserved_s
        else:
            t = self.elapsed_s
        return {"st": self.state, "uut": self.uut, "t": t, "x": self.exit_reason}

    def load_record(self, d):
        """From a stored record; None or anything invalid gives ENDED."""
        self._last = None
        try:
            st = int(d["st"])
            t = int(d["t"])
            uut = int(d["uut"])
            x = int(d["x"])
            if st not in (NOT_ENTERED, ACTIVE, ENDED) or t < 0:
                raise ValueError("cts record")
        except Exception:
            self.state, self.exit_reason, self.elapsed_s = ENDED, _EXIT_CORRUPT, self.limit_s
            return
        self.state, self.uut, self.exit_reason = st, uut, x
        self.elapsed_s = self.reserved_s = t if t < self.limit_s else self.limit_s
        if st == ACTIVE and t >= self.limit_s:
            self.exit(EXIT_TIMER)
