# The meter's real-time clock (the COSEM clock, dlms.md 7.1 class 8): UTC
# seconds since 2000-01-01 from the board's RTC plus an offset kept in a
# small record, with a clock status, a time zone and a DST rule.
#
# The RTC is only read, never set: the meter's time is rtc() + offset. A
# board whose RTC has a battery (board.RTC_BATTERY) keeps counting through a
# power cut; without one (or when its RTC reads earlier than the time last
# saved) the clock resumes from the last saved time, never earlier than the
# newest logged event (`floor`), so events keep their order across power
# cuts, and its status says "doubtful" until the clock is set. The running
# time is saved every SAVE_S and at every setting (a small StateStore record,
# atomic). Setting the clock logs two events (old and new time, IDIS
# "clock adjusted"); an RTC that steps against the powered clock is a jump
# (an event too); a resume logs "clock invalid".
from compat import const, retry_on_memory
import vocab

# clock status bits (dlms.md 5.3, the date-time's last octet)
INVALID = const(0x01)  # never set
DOUBTFUL = const(0x02)  # resumed after a power cut without a running RTC
DST_ACTIVE = const(0x80)
SAVE_S = const(300)  # a board without battery resumes from a time at most this old
JUMP_S = const(5)  # the RTC stepping this far from the powered clock is a jump
_I32 = const(0x7FFFFFFF)  # an event's argument is 32 bits


class RealTime:
    """rtc: callable -> seconds since 2000 UTC (hal.rtc.Clock.now); uptime:
    callable -> powered seconds (monotonic), or None (no jump detection);
    store: a StateStore for the clock record, or None (RAM only); battery:
    the RTC keeps running without power; floor: no resumed time is earlier
    (the newest event's time). on_event(code, a, b) logs (set by app.App).

    tz: minutes, deviation of local standard time as COSEM writes it (UTC -
    local: -60 for UTC+1, dlms.md 5.3); dst: None or [begin rule, end rule,
    deviation minutes, enabled] with rules (month, day, weekday, hour,
    minute) as in meter.dst."""

    def __init__(self, rtc, uptime=None, store=None, battery=True, floor=0):
        self.rtc = rtc
        self.uptime = uptime
        self.store = store
        self.on_event = None
        self.last = None  # (rtc, uptime) of the previous tick
        from meter import clock_adjust  # app.App unloads it after the build
        clock_adjust.resume(self, battery, floor)  # tz, dst, offset, status, outage_s, resumed

    def now(self):
        """UTC seconds since 2000-01-01."""
        t = self.rtc() + self.offset
        return t if t > 0 else 0

    def record(self, t, offset):
        """The clock's store record at time t with that offset."""
        return {"t": t, "o": offset, "tz": self.tz, "dst": self.dst, "st": self.status & INVALID}

    def save(self):
        """Save the running time (best effort: the next save tries again)."""
        t = self.now()
        try:
            if self.store is not None:
                retry_on_memory(self.store.commit, self.record(t, self.offset))
            self.saved = t
        except Exception:
            pass

    def tick(self):
        """Each meter second (app.App.tick): jump detection, periodic save."""
        raw = self.rtc()
        up = self.uptime() if self.uptime is not None else None
        if self.last is not None and up is not None:
            step = (raw - self.last[0]) - (up - self.last[1])
            if (step > JUMP_S or step < -JUMP_S) and self.on_event is not None:
                self.on_event(vocab.EV_CLOCK_JUMP, max(-_I32, min(_I32, step)), 0)
        self.last = (raw, up)
        t = raw + self.offset
        if t - self.saved >= SAVE_S or t < self.saved:
            self.save()

    def __getattr__(self, name):
        # local(), deviation(t), set(t, how=0), configure(tz=None, dst=None):
        # meter.clock_adjust's, loaded on first use (only the time is resident)
        from meter import clock_adjust
        f = getattr(clock_adjust, name)
        return lambda *a, **k: f(self, *a, **k)
