# The meter's profiles and event logs (docs/dlms.md "Profiles and event
# logs"): the 15-minute load profile, the daily billing profile and six event
# logs, each a ring of fixed-size rows in flash (store.ring.Ring(fs, folder +
# name, fmt, capacity, per_segment), opened on first use; only a ring's newest
# row stays in RAM). A row is (UTC seconds, clock status, values...). app.App
# loads this module to file logged events, for a capture due or a profile
# read, and unloads it after filing or capturing (heap): what outlives it is
# the small `state` list App keeps. Which meter event (vocab EV_*) goes to
# which log, with which IDIS/DSMR event code, is the table ROUTE; events
# without such a code show as 200 + their vocab code.
from compat import const
import vocab

STANDARD = const(0)  # 0.0.99.98.0.255 standard event log
FRAUD = const(1)  # 0.0.99.98.1.255 fraud detection log
DISCONNECTOR = const(2)  # 0.0.99.98.2.255 disconnector control log
POWER = const(3)  # 1.0.99.97.0.255 power failure event log
TOKEN = const(4)  # token and credit log
SECURITY = const(5)  # security log
LOAD = const(6)  # 1.0.99.1.0.255 load profile, 15 minutes
BILLING = const(7)  # 0.0.98.1.0.255 daily billing profile
# per ring: folder, row format after (time u32, clock status u8), capacity, rows per
# segment (a segment of at most 128 bytes stays inline in littlefs, docs/storage.md)
_LOGS = (
    ("std", "B", 100, 10),  # event code
    ("fraud", "B", 100, 10),
    ("disc", "B", 100, 10),
    ("power", "BI", 50, 8),  # event code, seconds the power was off
    ("token", "BBBiI", 100, 5),  # event code, source, STS result, amount, TID
    ("sec", "B", 100, 10),
    ("load", "BI", 960, 8),  # AMR profile status, active energy import Wh
    ("bill", "iII", 62, 5),  # credit, active energy import Wh, consumption since the last token Wh
)
CAPTURE_S = const(900)  # load profile capture period
BILL_CHARGES = const(4)  # a payment meter's billing rows add its first 4 charges' total paid

# vocab event code -> (log, IDIS/DSMR event code, 0: 200 + the vocab code), codes 1..40
ROUTE = bytes((
    TOKEN, 0, TOKEN, 0, POWER, 2, POWER, 1,  # token accepted, rejected; power up, down
    DISCONNECTOR, 64, DISCONNECTOR, 0, FRAUD, 0, FRAUD, 0,  # relay opened (local disconnection), closed; tamper, cleared
    STANDARD, 0, STANDARD, 0, SECURITY, 0, TOKEN, 0,  # CTS entered, exited; STS key changed; credit cleared
    TOKEN, 0, TOKEN, 0, DISCONNECTOR, 65, DISCONNECTOR, 62,  # low credit, emergency credit; limiter exceeded; remote disconnection
    DISCONNECTOR, 63, DISCONNECTOR, 67, STANDARD, 0, DISCONNECTOR, 61,  # remote connection; limiter changed; CTS profile; manual connection
    STANDARD, 0, SECURITY, 0, SECURITY, 46, SECURITY, 0,  # CTS refused; counter near end; n authentication failures; keys renewed
    STANDARD, 0, STANDARD, 18, STANDARD, 0, STANDARD, 0,  # firmware refused, activated, confirmed, rolled back
    STANDARD, 0, STANDARD, 0, SECURITY, 0, SECURITY, 4,  # fault, fault cleared; authentication failed; clock adjusted (old time)
    SECURITY, 5, SECURITY, 0, STANDARD, 6,  # clock adjusted (new time); clock jump; clock invalid
    STANDARD, 0, STANDARD, 0, TOKEN, 0, STANDARD, 0,  # payment mode, charge collected; free allocation; tariff activated
    STANDARD, 0,  # account status (meter.account_status)
))

# AMR profile status bits of a load profile row (IDIS/DSMR 0.0.96.10.1.255)
CLOCK_INVALID = const(0x02)
DATA_NOT_VALID = const(0x04)
DST = const(0x08)
CLOCK_ADJUSTED = const(0x20)
POWER_DOWN = const(0x80)
_NO_TOKEN = const(0xFF)  # source of a credit event's row in the token log


def capacity(i):
    return _LOGS[i][2]


def new_state(t):
    """[the running interval's AMR status, the last quarter hour begun (UTC
    s, its end is captured)]: it began with a power-up."""
    return [POWER_DOWN, t - t % CAPTURE_S]


class Recorder:
    """rings: (Ring, fs, folder): store.ring.Ring and where the rings are;
    clock: meter.realtime.RealTime; meter: the meter.meter.Meter captures
    read (may be set later); state: the list new_state() made, kept by the
    owner while this recorder is unloaded between jobs (None: a new one)."""

    def __init__(self, rings, clock, meter=None, state=None):
        self._where = rings
        self.clock = clock
        self.meter = meter
        self._rings = [None] * len(_LOGS)
        self.state = state or new_state(clock.now())

    def ring(self, i):
        r = self._rings[i]
        if r is None:
            name, fmt, cap, per = _LOGS[i]
            n = self.charges() if i == BILLING else 0
            if n:  # its own ring (another row size), segments inline (128 bytes)
                name, fmt, per = name + "p%d" % n, fmt + "i" * n, 128 // (23 + 4 * n)
            ring, fs, folder = self._where
            r = self._rings[i] = ring(fs, folder + name, "<IB" + fmt, cap, per)
        return r

    def charges(self):
        """How many charges (meter.payment) the billing rows record."""
        p = getattr(self.meter, "payment", None)
        return min(len(p.charges), BILL_CHARGES) if p is not None else 0

    def rows(self, i):
        """(seq, row) oldest first; a row is (UTC s, clock status, values...)."""
        return self.ring(i).records()

    def newest(self, i):
        return self.ring(i).newest

    def _add(self, i, t, *values):
        st = self.clock.status & 3  # invalid, doubtful
        try:
            self.ring(i).append(t, st, *values)
        except Exception:  # best effort: the journal (store.eventlog) has the event
            pass

    def event(self, e):
        """A meter event [time, code, a, b] (tokens: + source, units) from
        meter.Meter, after it reached the journal."""
        c = e[1]
        if not 0 < c <= len(ROUTE) // 2:
            return
        log, std = ROUTE[2 * c - 2], ROUTE[2 * c - 1] or 200 + c
        if c == vocab.EV_RELAY_OPENED and e[2] == vocab.REASON_COMMANDED:
            return  # the command's own event (remote disconnection) says it
        if c == vocab.EV_CLOCK_NEW or c == vocab.EV_CLOCK_JUMP:
            self.state[0] |= CLOCK_ADJUSTED
        if log == POWER:
            self._add(POWER, e[0], std, e[2] if e[2] > 0 else 0)
        elif log == TOKEN:
            if len(e) > 5:  # a token: result, TID, source, units
                self._add(TOKEN, e[0], std, e[4], e[2], e[5], e[3] & 0xFFFFFFFF)
            else:  # a credit event: its argument as the amount
                self._add(TOKEN, e[0], std, _NO_TOKEN, 0, e[2], 0xFFFFFFFF)
        else:
            self._add(log, e[0], std)

    def file(self, events):
        """event() for each of `events`."""
        for e in events:
            self.event(e)

    def status(self, t):
        """The AMR profile status of the running interval at UTC time t."""
        s = self.state[0]
        if self.clock.status & 3:
            s |= CLOCK_INVALID
        if self.clock.deviation(t)[1]:
            s |= DST
        if self.meter is not None and self.meter.fault:
            s |= DATA_NOT_VALID
        return s

    def tick(self, t):
        """Each meter second with the clock's UTC time: at each quarter hour
        the load profile row, and the billing row at the first quarter hour
        of each local day."""
        q = t - t % CAPTURE_S
        last, self.state[1] = self.state[1], q
        if q <= last:  # no quarter passed (or the clock went back)
            return
        self.capture(LOAD, q)
        b = self.newest(BILLING)
        if b is None or self._day(b[0]) < self._day(q):
            self.capture(BILLING, q)

    def _day(self, t):
        return (t - self.clock.deviation(t)[0] * 60) // 86400

    def capture(self, i, t):
        """A load (LOAD) or billing (BILLING) row at UTC time t, unless the
        profile already holds a row as new (the clock was set back)."""
        n = self.newest(i)
        if n is not None and n[0] >= t:
            return False
        m = self.meter
        wh = m.published_energy_wh()
        if i == LOAD:
            self._add(LOAD, t, self.status(t), wh & 0xFFFFFFFF)
            self.state[0] = 0
        else:
            a = m.account
            since = wh - a.token_wh
            n = self.charges()
            paid = [c.paid for c in m.payment.charges[:n]] if n else ()
            self._add(BILLING, t, a.credit[a.metered], wh & 0xFFFFFFFF,
                      since & 0xFFFFFFFF if since > 0 else 0, *paid)
        return True

    def reset(self, i):
        """Empty log or profile i (class 7 reset); an event log then holds
        one row, IDIS event 255 "event log cleared"."""
        self.ring(i).clear()
        if i <= SECURITY:
            self._add(i, self.clock.now(), 255, *((0, 0, 0, 0xFFFFFFFF) if i == TOKEN else
                                                 (0,) if i == POWER else ()))
