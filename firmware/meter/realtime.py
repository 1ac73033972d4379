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
_I32 = const(0x7FFFFFFF)


def _clamp(s):
    return -_I32 if s < -_I32 else _I32 if s > _I32 else s


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
        self.tz = 0
        self.dst = None
        self.offset = 0
        self.outage_s = 0  # power off before this start (s), 0 when not known
        self.resumed = False  # the time was resumed from the saved one (doubtful)
        self._last = None  # (rtc, uptime) of the previous tick
        d = None
        if store is not None:
            try:
                d = retry_on_memory(store.load)
            except Exception:  # damaged or no memory: start as a fresh clock
                d = None
        self.status = 0 if battery else INVALID
        last = 0
        if d is not None:
            try:
                tz, dst_, offset, st, last = d["tz"], d["dst"], d["o"], d["st"], d["t"]
                self.tz, self.dst, self.offset, self.status = tz, dst_, offset, st & INVALID
            except Exception:  # not a clock record: as a fresh clock
                d, last = None, 0
        raw = rtc()
        t = raw + self.offset
        resume = last if last > floor else floor
        if not battery or t < resume:
            self.offset = resume - raw
            self.resumed = True
            self.status |= DOUBTFUL
        elif d is not None:
            self.outage_s = t - last
        self._saved = self.now()

    def now(self):
        """UTC seconds since 2000-01-01."""
        t = self.rtc() + self.offset
        return t if t > 0 else 0

    def deviation(self, t):
        """(deviation in minutes, DST active) at UTC time t: tz, minus the
        DST deviation while DST is on."""
        d = self.dst
        if not d or not d[3] or not d[0] or not d[1]:  # off, or a rule not set yet
            return self.tz, False
        from meter import dst
        if dst.active(t, self.tz, d):
            return self.tz - d[2], True
        return self.tz, False

    def clock_status(self, t):
        return self.status | (DST_ACTIVE if self.deviation(t)[1] else 0)

    def _record(self, t, offset):
        return {"t": t, "o": offset, "tz": self.tz, "dst": self.dst, "st": self.status & INVALID}

    def save(self):
        """Save the running time (best effort: the next save tries again)."""
        t = self.now()
        try:
            if self.store is not None:
                retry_on_memory(self.store.commit, self._record(t, self.offset))
            self._saved = t
        except Exception:
            pass

    def tick(self):
        """Each meter second (app.App.tick): jump detection, periodic save."""
        raw = self.rtc()
        up = self.uptime() if self.uptime is not None else None
        if self._last is not None and up is not None:
            step = (raw - self._last[0]) - (up - self._last[1])
            if step > JUMP_S or step < -JUMP_S:
                self._log(vocab.EV_CLOCK_JUMP, _clamp(step), 0)
        self._last = (raw, up)
        t = raw + self.offset
        if t - self._saved >= SAVE_S or t < self._saved:
            self.save()

    def set(self, t, how=0):
        """Set the clock to UTC time t (durable when it returns; OSError
        from the store leaves it as it was). Logs the old and the new time;
        `how` is the events' b (the COSEM attribute or method used)."""
        if not 0 <= t <= 0xFFFFFFFF:
            raise ValueError("time out of range")
        raw = self.rtc()
        shift = t - (raw + self.offset)
        offset = t - raw
        status = self.status
        self.status &= ~(INVALID | DOUBTFUL)
        try:
            if self.store is not None:
                self.store.commit(self._record(t, offset))
        except BaseException:
            self.status = status
            raise
        self._log(vocab.EV_CLOCK_OLD, _clamp(shift), how)  # stamped with the old time
        self.offset = offset
        self._saved = t
        self._last = None
        self.resumed = False
        self._log(vocab.EV_CLOCK_NEW, _clamp(shift), how)

    def configure(self, tz=None, dst=None):
        """Time zone and/or DST rule (see the class), durable when it returns."""
        old = self.tz, self.dst
        if tz is not None:
            self.tz = tz
        if dst is not None:
            self.dst = dst
        try:
            if self.store is not None:
                self.store.commit(self._record(self.now(), self.offset))
        except BaseException:
            self.tz, self.dst = old
            raise

    def _log(self, code, a, b):
        if self.on_event is not None:
            self.on_event(code, a, b)
