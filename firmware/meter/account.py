# Account and credit (issue 4 item 1; dlms.md 7.3 Account/Credit classes).
#
# Credit registers per class-0 sub-class (sts.md 3.1), integers in token units:
# 0 electricity 0.1 kWh, 1 water 0.1 m3, 2 gas 0.1 m3, 3 time 0.1, 4..7 the same
# utilities in currency, 1e-5 currency units. A meter supports a subset
# (config "registers"); the register that metering draws from is
# config "credit_register": 0 (kWh mode) or 4 (currency mode, with a tariff).
#
# Emergency credit: when invoked, the metered register may run down to
# -ec_amount. The negative part is a debt that the next credit token repays
# first, simply by being added to the same register. Post-payment mode: the
# register runs negative without limit and credit never opens the relay.
from compat import const

PREPAYMENT = const(2)  # dlms.md 7.3 Account payment_mode 2
POSTPAYMENT = const(1)  # payment_mode 1 "credit"
NEW = const(1)  # account_status 1 new (inactive): meter.account_status
ACTIVE = const(2)
CLOSED = const(3)

REGISTER_MAX = const(0x7FFFFFFF)  # double-long (DLMS Credit current_credit_amount)
_REGISTER_MIN = const(-0x7FFFFFFF)
_NO_REGISTERS = const(8)
ALL = const(0xFFFF)  # ClearCredit register "all" (sts.md 3.3)

# result of add_credit
ADDED = const(0)
OVERFLOW = const(1)
UNSUPPORTED = const(2)

DEFAULTS = {
    "registers": (0,),  # sub-classes this meter keeps
    "credit_register": 0,  # metered register: 0 kWh, 4 currency
    "tariff": 0,  # currency mode: 1e-5 currency units per kWh
    "payment_mode": PREPAYMENT,
    "low_credit": 50,  # units: 5.0 kWh
    "ec_amount": 0,  # emergency credit in units, 0 = none offered
    "ec_auto": False,  # invoke emergency credit automatically at zero
    "mpl_reconnect_s": 60,  # reconnect delay after a power limit trip
}


def config_value(config, key):
    if config is not None and key in config:
        return config[key]
    return DEFAULTS[key]


class Account:
    def __init__(self, config=None):
        self.config = config
        self.supported = tuple(config_value(config, "registers"))
        self.metered = config_value(config, "credit_register")
        self.tariff = config_value(config, "tariff")
        self.payment_mode = config_value(config, "payment_mode")
        self.low_threshold = config_value(config, "low_credit")
        self.ec_amount = config_value(config, "ec_amount")
        self.ec_auto = config_value(config, "ec_auto")
        self.mpl_reconnect_s = config_value(config, "mpl_reconnect_s")
        if self.metered not in self.supported:
            self.supported = self.supported + (self.metered,)
        self.credit = [0] * _NO_REGISTERS
        self.remainder = 0  # consumption below one register unit, numerator
        self.consumed_wh = 0  # total energy metered (Wh), for the record
        self.exported_wh = 0  # total export energy (Wh, meter.payment)
        self.token_wh = 0  # consumed_wh when the last credit token was accepted
        self.ec_active = False
        self.status = ACTIVE  # account_status: only an active account is charged
        self.activated = self.closed = -1  # account activation / closure time, local s
        self.mpl_w = 0  # maximum power limit, W; 0 = none
        self.mppul_w = 0  # max phase power unbalance limit, W (stored only)
        self.trip_until = -1  # power limit trip latched until this time (s); -1 none
        self.trips = 0
        self.tamper = False
        self.tariff_rate = 0  # class 2 sub 2 SetTariffRate value (stored only)
        self.water_factor = 0
        self.flags = 0  # class 2 sub 10 flags, bit per flag index (< 32)

    # --- credit ------------------------------------------------------------
    def supports(self, register):
        return register in self.supported

    def can_add(self, register, units):
        if register < 0 or register >= _NO_REGISTERS or not self.supports(register):
            return UNSUPPORTED
        if units < 0 or self.credit[register] + units > REGISTER_MAX:
            return OVERFLOW
        return ADDED

    def add_credit(self, register, units):
        """Adds a class-0 credit; a debt (emergency credit used, post-payment)
        is repaid first because it is the negative part of the same register."""
        r = self.can_add(register, units)
        if r != ADDED:
            return r
        self.credit[register] += units
        if self.ec_active and self.credit[register] >= 0 and register == self.metered:
            self.ec_active = False
        return ADDED

    def available(self):
        """Credit available to the customer in the metered register's units."""
        c = self.credit[self.metered]
        if self.ec_active:
            c += self.ec_amount
        return c

    def out_of_credit(self):
        if self.payment_mode != PREPAYMENT:
            return False
        if self.status != ACTIVE:  # a prepayment supply needs an active account
            return True
        if self.available() <= 0 and self.ec_auto and self.ec_amount > 0 and not self.ec_active:
            return False  # emergency credit will be invoked on the next step
        return self.available() <= 0

    def low_credit(self):
        return self.payment_mode == PREPAYMENT and self.available() <= self.low_threshold

    def ec_invokable(self):
        return (self.payment_mode == PREPAYMENT and self.ec_amount > 0 and not self.ec_active
                and self.credit[self.metered] <= self.low_threshold)

    def invoke_ec(self):
        if not self.ec_invokable():
            return False
        self.ec_active = True
        return True

    # --- metering ------------------------------------------------------------
    def consume(self, wh):
        """Meters `wh` watt-hours and draws them from the metered register
        (negative: export, only registered). Returns units deducted. (With
        tariffs: meter.payment.Payment.consume.)"""
        if wh <= 0:
            self.exported_wh -= wh
            return 0
        self.consumed_wh += wh
        return self.draw(wh) if self.status == ACTIVE else 0

    def draw(self, wh):
        """Deducts `wh` at 100 Wh a unit (kWh) or the flat `tariff`
        (currency); the part below one register unit is carried in
        `remainder`. Returns units deducted."""
        if self.metered < 4:
            self.remainder += wh  # units of 1 Wh; 100 Wh = 0.1 kWh
            den = 100
        else:
            self.remainder += wh * self.tariff  # 1e-5 currency * Wh / kWh
            den = 1000
        units = self.remainder // den
        self.remainder -= units * den
        self.deduct(units)
        return units

    def deduct(self, units):
        """Takes units from the metered register (negative: credits them),
        within the double-long range; invokes automatic emergency credit at
        zero, ends emergency credit when the register is back in credit."""
        if not units:
            return
        c = self.credit[self.metered] - units
        c = _REGISTER_MIN if c < _REGISTER_MIN else REGISTER_MAX if c > REGISTER_MAX else c
        self.credit[self.metered] = c
        if c <= 0 and self.ec_auto and not self.ec_active:
            self.invoke_ec()
        elif c >= 0 and units < 0:
            self.ec_active = False

    # --- maximum power limit (class 2 sub 0) ---------------------------------
    def check_power(self, watts, now_s):
        """Trips when the demand exceeds the MPL; the trip is latched for
        mpl_reconnect_s seconds, then the relay may close again and a still
        excessive demand trips it again. Returns True on a new trip."""
        if self.trip_until >= 0 and now_s >= self.trip_until:
            self.trip_until = -1
        if self.mpl_w > 0 and watts > self.mpl_w and self.trip_until < 0:
            self.trip_until = now_s + self.mpl_reconnect_s
            self.trips += 1
            return True
        return False

    def power_tripped(self, now_s):
        if self.trip_until >= 0 and now_s >= self.trip_until:
            self.trip_until = -1
        return self.trip_until >= 0

    # --- record ----------------------------------------------------------------
    def copy(self):
        """An independent copy: a change is worked out on a copy, which the
        Meter then commits or drops (meter.py Meter._transact)."""
        a = Account(self.config)
        a.load_record(self.to_record())
        a.trip_until = self.trip_until
        return a

    def to_record(self):
        return {
            "c": list(self.credit), "r": self.remainder, "wh": self.consumed_wh,
            "xw": self.exported_wh,
            "tw": self.token_wh,
            "ec": self.ec_active, "pm": self.payment_mode, "mpl": self.mpl_w,
            "mppul": self.mppul_w, "trips": self.trips, "tamper": self.tamper,
            "st": [self.status, self.activated, self.closed],
            "tr": self.tariff_rate, "wf": self.water_factor, "fl": self.flags,
        }

    def load_record(self, d):
        c = d["c"]
        if len(c) != _NO_REGISTERS:
            raise ValueError("credit registers")
        self.credit = [int(x) for x in c]
        self.remainder = int(d["r"])
        self.consumed_wh = int(d["wh"])
        self.exported_wh = int(d.get("xw", 0))
        self.token_wh = int(d.get("tw", 0))
        self.ec_active = bool(d["ec"])
        self.payment_mode = int(d["pm"])
        self.mpl_w = int(d["mpl"])
        self.mppul_w = int(d.get("mppul", 0))
        self.trips = int(d.get("trips", 0))
        self.tamper = bool(d["tamper"])
        self.tariff_rate = int(d.get("tr", 0))
        self.water_factor = int(d.get("wf", 0))
        self.flags = int(d.get("fl", 0))
        st = d.get("st") or (ACTIVE, -1, -1)
        self.status, self.activated, self.closed = int(st[0]), int(st[1]), int(st[2])
        self.trip_until = -1  # a trip does not survive a power cycle (RAM only)
