# The virtual meter's options that most runs never use, loaded only when
# asked (vmeter.py): --hold-at (tests), --pty (CPython), and the stepped clock
# (--clock, --step, --until, --load-schedule). On the micropython executable
# every class of vmeter.py costs heap for the whole run.
import json
import os
import time

import runtime
from civil import weekday
from hal.aio import sleep_ms
from hal.rtc import from_seconds, to_seconds
from hostmeter import EPOCH_2000, FolderFS
from tcp_optical import ticks_diff, ticks_ms

_BATCH = 200  # steps a metering round runs at most before the other tasks have a turn


class HoldFS(FolderFS):
    """TEST ONLY (--hold-at [ARM,]PATH:N, host_tests/test_sim_e2e.py): at the N-th
    open for writing of a path containing PATH, after the open (nothing
    written yet), print 'HOLD <path>' and hang so the test
    can SIGKILL the process there: a power cut between two writes."""

    def __init__(self, root, hold, out):
        FolderFS.__init__(self, root)
        self.out = out
        self.hold_path, self.hold_n = hold
        self.arm = None  # "ARM,PATH:N": count PATH only after a write to ARM
        if "," in self.hold_path:
            self.arm, self.hold_path = self.hold_path.split(",", 1)
        self.seen = 0

    def open(self, path, mode):
        f = FolderFS.open(self, path, mode)
        if not ("w" in mode or "a" in mode):
            return f
        if self.arm is not None:
            if self.arm in path:
                self.arm = None
            return f
        if self.hold_path in path:
            self.seen += 1
            if self.seen == self.hold_n:
                self.out("HOLD " + path)
                while True:
                    time.sleep(1)
        return f


class PtyUart:
    """A machine.UART look-alike on a pseudo-terminal's master side, so the
    optical port runs through hal.uart_port as on a board (CPython only)."""

    def __init__(self):
        import pty  # noqa: F401 (CPython only)
        self.master, slave = os.openpty()
        self.name = os.ttyname(slave)
        os.set_blocking(self.master, False)
        self._slave = slave  # kept open: the pty stays up between clients
        self._pending = b""

    def init(self, **kw):
        pass

    def any(self):
        if not self._pending:
            try:
                self._pending = os.read(self.master, 512)
            except (BlockingIOError, OSError):
                self._pending = b""
        return len(self._pending)

    def readinto(self, buf):
        n = min(len(buf), len(self._pending))
        buf[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def write(self, data):
        try:
            return os.write(self.master, data)
        except OSError:
            return 0

    def flush(self):
        pass


def iso_seconds(text):
    """Seconds since 1970 of 'YYYY-MM-DD[THH:MM[:SS]]' (the RTC's time)."""
    try:
        date, _, hms = text.replace(" ", "T").partition("T")
        ymd = [int(x) for x in date.split("-")]
        t = [int(x) for x in hms.split(":")] if hms else []
        if len(ymd) != 3 or len(t) not in (0, 2, 3):
            raise ValueError
        s = to_seconds(*(ymd + t))
        if list(from_seconds(s)[:3]) != ymd:  # 30 Feb
            raise ValueError
        return s + EPOCH_2000
    except (ValueError, TypeError):
        raise ValueError("not a date-time YYYY-MM-DDTHH:MM[:SS]: %r" % text)


def iso_text(t):
    y, mo, d, h, mi, s, _ = from_seconds(t - EPOCH_2000)
    return "%04d-%02d-%02dT%02d:%02d:%02d" % (y, mo, d, h, mi, s)


def _minute(text):
    h, m = [int(x) for x in text.split(":")]
    if not (0 <= h < 24 and 0 <= m < 60 or h == 24 and m == 0):
        raise ValueError
    return h * 60 + m


class LoadSchedule:
    """--load-schedule FILE: a JSON list of {"days": [1..7], "from": "HH:MM",
    "to": "HH:MM", "w": W}; days are ISO weekdays of the RTC's date (1 Monday,
    absent: every day), the load runs from `from` up to `to` (past midnight
    when `to` is not after `from`). power(t) sums the entries on at second t
    (since 1970)."""

    def __init__(self, path):
        try:
            with open(path) as f:
                entries = json.load(f)
        except (OSError, ValueError) as e:
            raise ValueError("%s: %s" % (path, e))
        if not isinstance(entries, list):
            raise ValueError("%s: not a JSON list" % path)
        self.entries = []
        for i, e in enumerate(entries):
            try:
                days = e.get("days", [1, 2, 3, 4, 5, 6, 7])
                mask = 0
                for d in days:
                    if not (isinstance(d, int) and 1 <= d <= 7):
                        raise ValueError
                    mask |= 1 << d
                w = e["w"]
                if not isinstance(w, int) or set(e) - {"days", "from", "to", "w"}:
                    raise ValueError
                self.entries.append((mask, _minute(e["from"]), _minute(e["to"]), w))
            except (ValueError, TypeError, KeyError, AttributeError):
                raise ValueError("%s: entry %d is not {\"days\": [1..7], \"from\": \"HH:MM\", "
                                 "\"to\": \"HH:MM\", \"w\": W}: %s" % (path, i + 1, e))

    def power(self, t):
        days, s = divmod(t - EPOCH_2000, 86400)
        day = 1 << weekday(days)
        m = s // 60
        w = 0
        for mask, a, b, watts in self.entries:
            if mask & day and (a <= m < b if a < b else m >= a or m < b):
                w += watts
        return w


class StepClock:
    """--step: take_ms() for runtime.Uptime in whole steps of `step` meter
    seconds, so a run meters the same whatever the PC's speed. StepRuntime
    asks owed() how many steps real time x speed has earned and runs one
    Runtime.step() for each, as a board meters: the load of the step (--load
    plus the schedule's at the step's start) as S0 pulses, then the meter's
    tick. now() is the RTC: `start` plus the steps taken. At `until` (the
    first step at or past it) the clock stops: speed 0."""

    def __init__(self, opts, load, out):
        self.speed = opts["speed"]
        self.step_ms = opts["step"] * 1000
        self.load = load
        self.start = int(time.time()) if opts["clock"] is None else opts["clock"]
        self.until = opts["until"]
        self.out = out
        self.sched = opts["load_schedule"]  # a LoadSchedule (vmeter.parse) or None
        self.total_ms = 0
        self.last = ticks_ms()
        self.earned = 0  # real ms x speed x 1000 not yet stepped
        self.due = False  # the next take_ms() hands out a step

    def now(self):
        return self.start + self.total_ms // 1000

    def owed(self, most):
        """Steps earned since the last call, at most `most` (a slower PC
        than --speed asks for runs as fast as it can, without a backlog)."""
        t = ticks_ms()
        acc = self.earned + int(ticks_diff(t, self.last) * self.speed * 1000)
        self.last = t
        n = acc // (self.step_ms * 1000)
        if n >= most:
            n, acc = most, 0
        self.earned = acc - n * self.step_ms * 1000
        return n

    def take_ms(self):
        if not self.due:
            return 0
        self.due = False
        if self.sched is not None:
            self.load.extra = self.sched.power(self.now())
        self.load.advance(self.step_ms)
        self.total_ms += self.step_ms
        if self.until is not None and self.now() >= self.until:
            self.speed, self.until, self.earned = 0, None, 0
            self.out("CLOCK STOPPED " + iso_text(self.now()))
        return self.step_ms


class StepRuntime(runtime.Runtime):
    """runtime.Runtime for --step: a metering round runs the steps its clock
    (StepClock, `clock`) owes, at most _BATCH and then at once the next round
    after the other tasks (optical port, control) had their turn, or one
    round without meter time (front panel, App.work) when none is owed."""

    async def metering(self):
        alive = self.alive(0)
        clock = self.clock
        while self.running:
            n = clock.owed(_BATCH)
            for _ in range(n or 1):
                clock.due = n > 0
                self.step()
                if not (clock.speed and self.running):
                    break
            if alive is not None:
                alive()
            await sleep_ms(0 if n == _BATCH or self.app.busy() else self.tick_ms)
