# Charges (Blue Book class 113, dlms.md 7.3; docs/payment.md "Charges"): what
# a charge costs and how its amounts round. Pure integers: an amount is in the
# account's currency units (1e-5, the STS currency unit).
#
# A unit charge is [commodity, commodity scale, price scale, table]: the
# commodity is what is counted (IMPORT or EXPORT energy in Wh, or NONE: time
# periods and payments), the table [[key, charge_per_unit], ...] keys a price
# by tariff rate and block (key = rate * 256 + block; block 0 = any block,
# key 0 = any rate). n counted units cost n x charge_per_unit x
# 10^(commodity scale + price scale) currency units.
#
# Rounding: a charge collects whole units; the part below one unit stays in
# `rem` (as a numerator over 10^-(scales), same sign as the amount) and is
# collected with the next amount, so over any run of collections the total
# collected is the exact total truncated toward zero: nothing is lost or
# invented. A negative price (export) credits the account the same way.
from compat import const

CONSUMPTION = const(0)  # charge_type: collected as the commodity is counted
TIME = const(1)  # collected each `period`
PAYMENT = const(2)  # collected from each payment (credit token)
NONE = const(0)  # commodity
IMPORT = const(1)  # active energy import, Wh (1.0.1.8.0.255)
EXPORT = const(2)  # active energy export, Wh (1.0.2.8.0.255)
PERCENTAGE = const(1)  # charge_configuration b0: a payment charge takes `proportion`
CONTINUOUS = const(2)  # b1: a time-based charge collected pro rata as time passes
FULL = const(10000)  # proportion of 100 %: proportion is in 0.01 %
MONTHLY = const(0)  # period 0: once per billing period (docs/payment.md)
_TABLE = const(16)


def scaling(unit):
    """(multiplier, denominator) of a unit charge's 10^(scales)."""
    e = unit[1] + unit[2]
    return (10 ** e, 1) if e >= 0 else (1, 10 ** -e)


def check_unit(unit):
    """A valid unit charge as stored, or ValueError."""
    try:
        com, cs, ps, table = int(unit[0]), int(unit[1]), int(unit[2]), unit[3]
        table = sorted([[int(k), int(p)] for k, p in table])
    except (TypeError, ValueError, IndexError):
        table = None
    if table is None or len(table) > _TABLE or not (NONE <= com <= EXPORT) \
            or not (-128 <= cs < 128 and -128 <= ps < 128 and -19 <= cs + ps <= 9):
        raise ValueError("unit charge: [commodity 0..2, scale, scale, up to %d [key, price]]"
                         % _TABLE)
    for k, p in table:
        if not (0 <= k < 0x10000 and -0x8000 <= p < 0x8000):
            raise ValueError("unit charge: key 0..65535, charge_per_unit a long")
    return [com, cs, ps, table]


def price(unit, rate, block):
    """charge_per_unit at tariff rate and block: the entry for (rate, block),
    else (rate, any block), else (any rate), else 0."""
    t = unit[3]
    for k in (rate * 256 + block, rate * 256, 0):
        for e in t:
            if e[0] == k:
                return e[1]
    return 0


class Charge:
    """One charge: its configuration (type, priority, unit = active unit
    charge, passive, activation = local time the passive one takes over or
    -1, period s, config bits, proportion) and its state (paid, last
    collection time, last amount, remaining, rem, part = the seconds of the
    period in progress that method 3 collect already took: meter.payment)."""

    def __init__(self, d=None):
        d = d or {}
        self.type = d.get("type", CONSUMPTION)
        self.priority = d.get("priority", 1)
        self.unit = check_unit(d.get("unit", (IMPORT, 0, 0, ())))
        self.passive = check_unit(d.get("passive", self.unit))
        self.activation = d.get("activation", -1)
        self.period = d.get("period", MONTHLY)
        self.config = d.get("config", 0)
        self.proportion = d.get("proportion", 0)
        self.paid = 0  # total_amount_paid (negative: credited)
        self.last = -1  # last_collection_time, local s
        self.last_amount = 0
        self.remaining = d.get("remaining", 0)  # total_amount_remaining (a debt)
        self.rem = 0
        self.part = 0
        self.check()

    def check(self):
        t, c = self.type, self.config
        if not (CONSUMPTION <= t <= PAYMENT and 0 <= self.priority < 256 and 0 <= c < 4
                and 0 <= self.proportion <= FULL and 0 <= self.period <= 0xFFFFFFFF
                and 0 <= self.remaining <= 0x7FFFFFFF):
            raise ValueError("charge: type 0..2, priority, config, proportion 0..10000, period")
        if (c & CONTINUOUS and t != TIME) or (c & PERCENTAGE and t != PAYMENT):
            raise ValueError("charge: continuous collection is for time-based charges, "
                             "percentage for payment charges")
        if t == CONSUMPTION and self.unit[0] == NONE:
            raise ValueError("charge: a consumption charge counts import or export energy")

    def to_record(self):
        return [self.type, self.priority, self.unit, self.passive, self.activation,
                self.period, self.config, self.proportion,
                self.paid, self.last, self.last_amount, self.remaining, self.rem, self.part]

    @classmethod
    def from_record(cls, r):
        c = cls()
        (c.type, c.priority, c.unit, c.passive, c.activation, c.period, c.config, c.proportion,
         c.paid, c.last, c.last_amount, c.remaining, c.rem) = r[:13]
        c.part = r[13] if len(r) > 13 else 0  # a record from before method 3 collect
        return c

    def set_unit(self, unit):
        """A new active unit charge. The carried fraction is rescaled to its
        scales (truncated toward zero: less than one unit)."""
        old = scaling(self.unit)[1]
        self.unit = unit
        new = scaling(unit)[1]
        if old != new:
            self.rem = _trunc(self.rem * new, old)

    def set_config(self, bits):
        """charge_configuration: a counting time-based charge keeps its way of
        collection (a switch would collect part of a period twice or never)."""
        if self.type == TIME and self.last >= 0 and (bits ^ self.config) & CONTINUOUS:
            raise ValueError("charge: the collection of a counting time-based charge")
        self.config = bits

    def reset(self):
        """reset_account: the amounts of the customer that leaves go; the
        configuration stays."""
        self.paid = self.last_amount = self.remaining = self.rem = self.part = 0
        self.last = -1

    def activate(self):
        """The passive unit charge becomes the active one (attribute 7 time,
        method 2)."""
        self.set_unit(self.passive)
        self.activation = -1

    def settle(self, num, t=None):
        """Collect num / denominator units (num already multiplied out),
        carrying the fraction. Returns the whole units collected."""
        total = self.rem + num
        units = _trunc(total, scaling(self.unit)[1])
        self.rem = total - units * scaling(self.unit)[1]
        self.paid += units
        if t is not None:
            self.last, self.last_amount = t, units
        return units

    def cost(self, n, rate=0, block=0):
        """The numerator of n counted units at rate and block."""
        return n * price(self.unit, rate, block) * scaling(self.unit)[0]

    def from_payment(self, units, t):
        """A payment charge's share of a payment of `units`: `proportion` of
        it (rounded down) or the unit charge's amount, never more than what
        remains of the debt or of the payment. Collected."""
        if self.type != PAYMENT or self.remaining <= 0 or units <= 0:
            return 0
        if self.config & PERCENTAGE:
            take = units * self.proportion // FULL
        else:
            m, den = scaling(self.unit)
            take = price(self.unit, 0, 0) * m // den
        take = min(take, self.remaining, units)
        if take <= 0:
            return 0
        self.remaining -= take
        self.paid += take
        self.last, self.last_amount = t, take
        return take


def _trunc(a, b):
    """a / b truncated toward zero (b > 0)."""
    return a // b if a >= 0 else -((-a) // b)
