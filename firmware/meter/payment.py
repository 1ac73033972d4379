# NRS 049 payment functions (issue 14; docs/payment.md): tariffs priced by
# charges (meter.charges) with time-of-use rates (meter.calendar) and
# consumption blocks, the monthly free allocation, friendly credit periods
# and export. Loaded only when the meter is configured with "payment".
#
# Pure: the Meter passes its Account; the local time (seconds since
# 2000-01-01 00:00 local) comes from the injected `clock` (None, or a clock
# that returns None: not known) or is given; the Meter commits what changed
# (Meter.change for collections and settings, the metering commits
# for consumption). A change is worked out on a copy().
#
# Order at each step (docs/payment.md "Order of deductions"):
#   consumption: the free allocation first, then every consumption charge on
#     import prices the rest by rate and block (blocks count all consumption
#     of the billing period, the free part first);
#   a credit token: the payment charges take their share (by priority), the
#     rest goes to the credit register, where it repays any negative balance
#     (emergency credit, friendly-time use, charges) first;
#   periodic: tariff activations, the billing period change (blocks reset,
#     free allocation, monthly charges), then the time-based charges.
# Only an active account (Account account_status 2) is charged: a new or
# closed one registers energy and takes tokens, and nothing is collected.
from civil import civil_from_days, days_from_civil, weekday
from compat import const
import vocab
from meter import charges as ch
from meter.account import ACTIVE

_CONTINUOUS_S = const(3600)  # a continuous charge is collected each hour (and at any step)


class Payment:
    """config: the "payment" part of the meter configuration (docs/payment.md
    "Configuration"); currency: the account meters money (credit register 4),
    which charges need; clock: callable -> local seconds since 2000 (or
    None). Bad configuration raises ValueError."""

    def __init__(self, config=None, currency=True, clock=None):
        self.currency = currency
        self.clock = clock
        self.calendar = None
        self.passive = None  # the passive calendar, active from cal_activation (local s)
        self.cal_activation = -1
        self.special = []
        try:
            self._configure(config or {})
        except (TypeError, KeyError, IndexError, AttributeError):
            raise ValueError("payment: not a configuration (docs/payment.md)")
        # state
        self.period = -1  # billing period (months since 2000-01), -1 until the time is known
        self.block_wh = 0  # consumption in this billing period (blocks)
        self.free_left = 0  # free allocation left this period, Wh
        self.next_due = 0  # RAM: local time of the next periodic step

    def _configure(self, c):
        self.charges = [ch.Charge(x) for x in c.get("charges", ())]
        if self.charges and not self.currency:
            raise ValueError("payment: charges need a currency account (credit_register 4)")
        if c.get("calendar"):
            self.set_calendar(c["calendar"])
        if c.get("special_days"):
            self.set_special(c["special_days"])
        self.bill_day = int(c.get("bill_day", 1))
        if not 1 <= self.bill_day <= 28:
            raise ValueError("payment: bill_day 1..28")
        self.set_blocks(c.get("blocks", ()))
        self.set_free(int(c.get("free_wh", 0)))
        self.set_friendly(c.get("friendly"))

    # --- settings (each checked: ValueError and nothing changed) ---------------
    def set_calendar(self, cal):
        """The active calendar (provisioning; DLMS activates the passive one)."""
        from meter import calendar
        cal = calendar.check(cal)
        if self.special:
            calendar.check_special(self.special, cal)
        self.calendar = cal

    def set_passive(self, i, v):
        """Part i (meter.calendar.part) of the passive calendar."""
        from meter import calendar
        p = list(self.passive or (b"", [], [], []))
        p[i] = calendar.part(i, v)
        self.passive = p

    def activate_calendar(self):
        """The passive calendar becomes the active one (activity calendar
        method 1, or its activation time); ValueError when it is incomplete
        or inconsistent (then nothing changes)."""
        if self.passive is None:
            raise ValueError("calendar: no passive calendar")
        self.set_calendar(self.passive)
        self.cal_activation = -1

    def set_special(self, entries):
        from meter import calendar
        self.special = calendar.check_special(entries, self.calendar)

    def set_blocks(self, thresholds):
        b = [int(x) for x in thresholds]
        if len(b) > 7 or b != sorted(b) or (b and b[0] <= 0) or len(set(b)) != len(b):
            raise ValueError("payment: up to 7 rising block thresholds (Wh)")
        self.blocks = b

    def set_free(self, wh):
        if not 0 <= wh <= 0x7FFFFFFF:
            raise ValueError("payment: free allocation 0..2^31-1 Wh")
        self.free_wh = wh

    def set_friendly(self, f):
        """None, or [from minute, to minute, weekdays (bit 0 Monday .. bit 6
        Sunday: whole days), holidays (the special days)]."""
        if f is not None:
            f = [int(f[0]), int(f[1]), int(f[2]), bool(f[3])]
            if not (0 <= f[0] < 1440 and 0 <= f[1] < 1440 and 0 <= f[2] < 128):
                raise ValueError("payment: friendly [from 0..1439, to 0..1439, weekdays, holidays]")
        self.friendly = f

    # --- record -------------------------------------------------------------------
    def to_record(self):
        return {"ch": [c.to_record() for c in self.charges], "cal": self.calendar,
                "pcal": self.passive, "cat": self.cal_activation, "sd": self.special,
                "bd": self.bill_day, "bl": self.blocks, "fw": self.free_wh, "fr": self.friendly,
                "p": self.period, "bw": self.block_wh, "fl": self.free_left}

    def load_record(self, d):
        """The stored state (settings made over DLMS included) replaces the
        provisioned one."""
        self.charges = [ch.Charge.from_record(list(r)) for r in d["ch"]]
        self.calendar, self.passive, self.cal_activation = d["cal"], d["pcal"], d["cat"]
        self.special, self.bill_day, self.blocks = d["sd"], d["bd"], d["bl"]
        self.free_wh, self.friendly = d["fw"], d["fr"]
        self.period, self.block_wh, self.free_left = d["p"], d["bw"], d["fl"]
        self.next_due = 0

    def copy(self):
        """An independent copy (settings are replaced, never changed in place,
        so the copy may share them)."""
        p = Payment(None, self.currency, self.clock)
        p.load_record(self.to_record())
        p.next_due = self.next_due
        return p

    # --- what applies now -----------------------------------------------------------
    def now(self):
        """The local time, or None when it is not known."""
        return self.clock() if self.clock is not None else None

    def rate(self, t=None):
        """The tariff rate (activity calendar script selector) at local time
        t (default now); 1 without a calendar or a time."""
        if t is None:
            t = self.now()
        if self.calendar is None or t is None:
            return 1
        from meter import calendar
        return calendar.rate(self.calendar, self.special, t)

    def block(self):
        """The consumption block (1..) the next Wh falls in."""
        b = 1
        for th in self.blocks:
            if self.block_wh >= th:
                b += 1
        return b

    def friendly_now(self, t=None):
        """True in a friendly credit period (at local time t, default now):
        the relay is not opened for lack of credit (nights, whole weekdays,
        the special days as holidays)."""
        f = self.friendly
        if f is not None and t is None:
            t = self.now()
        if f is None or t is None:
            return False
        day = t // 86400
        if (f[2] >> (weekday(day) - 1)) & 1:
            return True
        if f[3] and self.special:
            from meter import calendar
            if calendar.special_day(self.special, day) is not None:
                return True
        m = (t % 86400) // 60
        return f[0] <= m < f[1] if f[0] <= f[1] else (m >= f[0] or m < f[1])

    def debt(self):
        """What the payment charges still have to recover."""
        return sum([c.remaining for c in self.charges if c.type == ch.PAYMENT])

    # --- money movements -----------------------------------------------------------------
    def _segments(self, start, n):
        """[(block, Wh)] of n Wh from position `start` of the period."""
        out = []
        b = 1
        for th in self.blocks + [None]:
            if n <= 0:
                break
            if th is None or start < th:
                take = n if th is None else min(n, th - start)
                out.append((b, take))
                start += take
                n -= take
            b += 1
        return out

    def consume(self, account, wh, t=None):
        """wh of import at local time t (default now; negative: export): free
        allocation, then priced. Returns the units deducted."""
        if wh <= 0:
            return self.export(account, -wh, t)
        account.consumed_wh += wh
        if account.status != ACTIVE:
            return 0
        free = self.free_left if self.free_left < wh else wh
        self.free_left -= free
        start = self.block_wh + free
        self.block_wh += wh
        bill = wh - free
        if bill <= 0:
            return 0
        priced = [c for c in self.charges if c.type == ch.CONSUMPTION and c.unit[0] == ch.IMPORT]
        if not priced:  # no tariff: the account's own (100 Wh a unit, or its flat rate)
            return account.draw(bill)
        rate = self.rate(t)  # t None: now
        segs = self._segments(start, bill)
        units = 0
        for c in priced:
            num = 0
            for b, n in segs:
                num += c.cost(n, rate, b)
            units += c.settle(num)
        account.deduct(units)
        return units

    def export(self, account, wh, t=None):
        """wh of export at local time t: registered, and credited by the
        consumption charges on export (a negative price). Returns the units
        deducted (negative: credited)."""
        if wh <= 0:
            return 0
        account.exported_wh += wh
        if account.status != ACTIVE:
            return 0
        rate = self.rate(t)
        units = 0
        for c in self.charges:
            if c.type == ch.CONSUMPTION and c.unit[0] == ch.EXPORT:
                units += c.settle(c.cost(wh, rate, 1))
        account.deduct(units)
        return units

    def on_credit(self, account, register, units, events, t=None):
        """A credit token of `units` for `register` (at local time t, default
        now): when it is the account's currency register, the payment charges
        take their share, by priority (events appended). Returns the units
        taken."""
        taken = 0
        if register != account.metered or register < 4 or account.status != ACTIVE:
            return 0
        if t is None:
            t = self.now()
        for i in self._by_priority():
            take = self.charges[i].from_payment(units - taken, t)
            if take:
                taken += take
                events.append((vocab.EV_CHARGE_COLLECTED, i + 1, take))
        return taken

    def _by_priority(self):
        return sorted(range(len(self.charges)), key=lambda i: self.charges[i].priority)

    def _collect(self, account, i, n, t, events):
        """n periods of time-based charge i, less the part of the first that
        collect() took already."""
        c = self.charges[i]
        num = c.cost(n)
        if c.part:
            num -= self._share(c, c.part, self._position(c, c.last)[2])
            c.part = 0
        units = c.settle(num, t)
        account.deduct(units)
        events.append((vocab.EV_CHARGE_COLLECTED, i + 1, units))

    def collect(self, account, i, t):
        """Charge method 3 collect (Blue Book 4.6 class 113; docs/payment.md
        "Charges"): charge i collected at local time t as if its period ended
        then. First everything due (periodic(): whole periods, a continuous
        charge's share so far); then a time-based charge collected per period
        takes the elapsed part of the period in progress, its price x elapsed
        / length rounded down, less what an earlier collect took of it; the
        rest of that period comes at its end. A consumption charge is
        collected as metered and a payment charge from each payment: nothing
        more is due. ValueError for an account that is not active or an
        unknown time. Returns the events (a time-based charge's event 37
        with the amount, also 0)."""
        if t is None or account.status != ACTIVE:
            raise ValueError("collect: an active account and the local time")
        c = self.charges[i]
        before = c.paid
        events = self.periodic(account, t)[1]
        if c.type != ch.TIME or c.last < 0:
            return events
        if not c.config & ch.CONTINUOUS:  # whole periods came with their own events
            before = c.paid
            k, s, n = self._position(c, t)
            account.deduct(c.settle(self._share(c, s, n) - self._share(c, c.part, n), t))
            c.part = s
        events.append((vocab.EV_CHARGE_COLLECTED, i + 1, c.paid - before))
        return events

    def period_of(self, t):
        """The billing period of local time t: months since 2000-01 of the
        period's first day (day bill_day of a month, 00:00)."""
        y, m, d = civil_from_days(t // 86400)
        return (y - 2000) * 12 + m - 1 - (1 if d < self.bill_day else 0)

    def _period_start(self, p):
        return days_from_civil(2000 + p // 12, p % 12 + 1, self.bill_day) * 86400

    def tick(self, meter):
        """From Meter.tick: when something is due, periodic() on copies,
        committed in one Meter.change (a storage failure leaves everything
        as it was: tried again at a later tick)."""
        t = self.now()
        if t is None or t < self.next_due:
            return
        due = [0]

        def step(a, p):
            changed, events = p.periodic(a, t)
            due[0] = p.next_due
            return events if changed else None
        try:
            meter.change(step)
        except (OSError, MemoryError):
            return
        self.next_due = due[0]  # this object, if the change did not replace it

    def periodic(self, account, t):
        """Everything due at local time t: tariff activations, a new billing
        period (blocks reset, free allocation, monthly charges), time-based
        charges. Changes this object and `account` (copies: the Meter commits
        them). Returns (changed, events)."""
        events = []
        changed = False
        for i, c in enumerate(self.charges):
            if 0 <= c.activation <= t:
                c.activate()
                events.append((vocab.EV_TARIFF_ACTIVATED, i + 1, 0))
        if 0 <= self.cal_activation <= t:
            try:
                self.activate_calendar()
                events.append((vocab.EV_TARIFF_ACTIVATED, 0, 0))
            except ValueError:  # the passive calendar changed into an inconsistent one
                self.cal_activation = -1
                events.append((vocab.EV_TARIFF_ACTIVATED, 0, 1))
        active = account.status == ACTIVE
        p = self.period_of(t)
        if p > self.period:
            n = p - self.period if self.period >= 0 else 0
            self.period, self.block_wh, self.free_left = p, 0, self.free_wh
            changed = True
            if self.free_wh:
                events.append((vocab.EV_FREE_ALLOCATION, self.free_wh, 0))
            for i in self._by_priority():
                c = self.charges[i]
                if active and c.type == ch.TIME and c.period == ch.MONTHLY \
                        and not c.config & ch.CONTINUOUS:
                    if n and c.last >= 0:
                        self._collect(account, i, n, t, events)
                    else:
                        c.last = t  # counting starts now
        nxt = self._period_start(p + 1)
        for i in self._by_priority():
            c = self.charges[i]
            if active and c.type == ch.TIME and (c.period > 0 or c.config & ch.CONTINUOUS):
                if c.last < 0:
                    c.last, changed = t, True
                elif c.config & ch.CONTINUOUS:
                    if t > c.last:  # pro rata to the second: no event (the charge shows it)
                        account.deduct(c.settle(self._accrued(c, t) - self._accrued(c, c.last), t))
                        changed = True
                else:
                    n = t // c.period - c.last // c.period
                    if n > 0:
                        self._collect(account, i, n, t, events)
                step = _CONTINUOUS_S if c.config & ch.CONTINUOUS else c.period
                nxt = min(nxt, (t // step + 1) * step)
            if c.activation >= 0:
                nxt = min(nxt, c.activation)
        if self.cal_activation >= 0:
            nxt = min(nxt, self.cal_activation)
        self.next_due = nxt
        return changed or bool(events), events

    def _position(self, c, t):
        """(k, s, n) of time-based charge c at local time t: its period k
        (billing periods for period 0), s seconds into it, n seconds long."""
        if c.period:
            k = t // c.period
            return k, t - k * c.period, c.period
        k = self.period_of(t)
        s = self._period_start(k)
        return k, t - s, self._period_start(k + 1) - s

    def _share(self, c, s, n):
        """The numerator of s seconds of a period of n seconds, rounded down."""
        return c.cost(1) * (s if s < n else n) // n

    def _accrued(self, c, t):
        """The numerator a continuous time-based charge has accrued from 2000
        to local time t: its whole periods and the elapsed part of the
        current one, rounded down. Collecting the differences collects each
        period's amount exactly."""
        k, s, n = self._position(c, t)
        return c.cost(1) * k + self._share(c, s, n)
