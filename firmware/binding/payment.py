# The payment functions as COSEM objects (issue 14; docs/payment.md, dlms.md
# 7.3): one Charge (class 113) per configured charge, the activity calendar
# (class 20) and special days table (class 11) of the time-of-use tariff, the
# currently active tariff, and Data objects for the blocks, the free
# allocation and friendly credit. Listed only on a meter configured with
# "payment" (binding.objects), so a plain meter never loads this module.
#
# Date-times here are the meter's local time, which is the COSEM clock's time
# (deviation 0; docs/payment.md).
# Writes and methods go through Meter.change: checked by meter.payment
# (ValueError -> other-reason, nothing changed), then committed.
from compat import const
from dlms import axdr, cosem_time
from dlms.cosem import (CosemObject, AccessError, expect, expect_int, R0, R1, R1W2, MANAGEMENT,
                        OTHER_REASON, TYPE_UNMATCHED, TEMPORARY_FAILURE)
from dlms.obis import ln, ACTIVE_ENERGY_IMPORT
from meter import charges as ch
import vocab

# Logical names (docs/payment.md "Objects"); 0.128.x are manufacturer specific
ACTIVITY_CALENDAR = ln(0, 0, 13, 0, 0)  # class 20
SPECIAL_DAYS = ln(0, 0, 11, 0, 0)  # class 11
CURRENT_TARIFF = ln(0, 0, 96, 14, 0)  # class 1, unsigned: the active rate (script selector)
ACTIVE_ENERGY_EXPORT = ln(1, 0, 2, 8, 0)  # class 3, Wh
TARIFF_SCRIPTS = ln(0, 0, 10, 0, 100)  # the tariffication script table the calendar names
BLOCKS = ln(0, 128, 19, 60, 0)  # class 1, array of double-long-unsigned: thresholds, Wh
BLOCK_STATUS = ln(0, 128, 19, 60, 1)  # class 1, {block unsigned, period Wh double-long-unsigned}
FREE_ALLOCATION = ln(0, 128, 19, 61, 0)  # class 1, double-long-unsigned Wh per billing period
FREE_LEFT = ln(0, 128, 19, 61, 1)  # class 1, double-long-unsigned Wh left this period
FRIENDLY = ln(0, 128, 19, 62, 0)  # class 1, {from minute, to minute, weekdays, holidays}
_NO_LN = bytes(6)
# A-XDR tags that dlms.axdr keeps to itself (dlms.md 5.3)
_BIT_STRING = const(0x04)
_DATE = const(0x1A)
_TIME = const(0x1B)


def charge_ln(i):
    """Charge i (0..9) of the meter: 0.0.19.20.i.255 (Blue Book 0.b.19.20-29.e.255)."""
    return ln(0, 0, 19, 20, i)


def charge_references(p, attr, credit):
    """Account attribute 10 charge_reference_list, or 11
    credit_charge_configuration: every charge of payment p collects from the
    token credit `credit` (ln), also while the supply is disconnected, in
    load limiting and in friendly credit periods (collection_configuration
    b0, b1, b2; docs/payment.md "Credits and token allocation")."""
    return (axdr.ARRAY, [(axdr.OCTET_STRING, charge_ln(i)) if attr == 10 else (
        axdr.STRUCTURE, [(axdr.OCTET_STRING, credit), (axdr.OCTET_STRING, charge_ln(i)),
                         axdr.bit_string(3, b"\xe0")]) for i in range(len(p.charges))])


def objects(meter):
    """The payment objects of `meter` (meter.meter.Meter with a payment), as
    entries (class_id, ln, module, class, args) that dlms.cosem.ObjectModel
    makes on first access."""
    od, me = "dlms.obj_data", "binding.payment"
    p = meter.payment
    return [(113, charge_ln(i), me, "Charge", (meter, i)) for i in range(len(p.charges))] + [
        (20, ACTIVITY_CALENDAR, me, "ActivityCalendar", (meter,)),
        (11, SPECIAL_DAYS, me, "SpecialDays", (meter,)),
        (1, CURRENT_TARIFF, od, "Data",
         (lambda c: (axdr.UNSIGNED, meter.payment.rate()), R1)),
        (3, ACTIVE_ENERGY_EXPORT, od, "Register",
         (lambda c: (axdr.DOUBLE_LONG_UNSIGNED, meter.published_energy_wh(True) & 0xFFFFFFFF),
          0, 30, R1)),
        (1, BLOCKS, od, "Data",
         (lambda c: (axdr.ARRAY, [(axdr.DOUBLE_LONG_UNSIGNED, b) for b in meter.payment.blocks]),
          R1W2, lambda c, v: _change(meter, lambda p: p.set_blocks(
              [_uint(x) for x in expect(v, axdr.ARRAY)])))),
        (1, BLOCK_STATUS, od, "Data", (lambda c: (axdr.STRUCTURE, [
            (axdr.UNSIGNED, meter.payment.block()),
            (axdr.DOUBLE_LONG_UNSIGNED, meter.payment.block_wh & 0xFFFFFFFF)]), R1)),
        (1, FREE_ALLOCATION, od, "Data",
         (lambda c: (axdr.DOUBLE_LONG_UNSIGNED, meter.payment.free_wh), R1W2,
          lambda c, v: _change(meter, lambda p: p.set_free(_uint(v))))),
        (1, FREE_LEFT, od, "Data",
         (lambda c: (axdr.DOUBLE_LONG_UNSIGNED, meter.payment.free_left), R1)),
        (1, FRIENDLY, od, "Data", (lambda c: _friendly(meter.payment.friendly), R1W2,
                                   lambda c, v: _change(meter, lambda p: p.set_friendly(
                                       _friendly_in(v))))),
    ]


def _change(meter, f):
    """A setting or method: f(payment copy) changes it (returns its events or
    None), committed by the meter (_commit)."""
    _commit(meter, lambda a, p: f(p))


def _commit(meter, f):
    """f(account copy, payment copy) changes them (returns the events or
    None), committed by the meter (Meter.change); bad input -> other-reason,
    nothing changed."""
    try:
        done = meter.change(lambda a, p: f(a, p) or ())
    except ValueError:
        raise AccessError(OTHER_REASON)
    if not done:  # the meter is in a fault: nothing is changed
        raise AccessError(TEMPORARY_FAILURE)


def _uint(v):
    n = expect_int(v)
    if n < 0:
        raise AccessError(OTHER_REASON)
    return n


def _friendly(f):
    f = f or (0, 0, 0, False)
    return (axdr.STRUCTURE, [(axdr.LONG_UNSIGNED, f[0]), (axdr.LONG_UNSIGNED, f[1]),
                             (axdr.UNSIGNED, f[2]), (axdr.BOOLEAN, bool(f[3]))])


def _friendly_in(v):
    s = expect(v, axdr.STRUCTURE)
    if len(s) != 4:
        raise AccessError(TYPE_UNMATCHED)
    f = [_uint(s[0]), _uint(s[1]), _uint(s[2]), expect(s[3], axdr.BOOLEAN)]
    return None if f == [0, 0, 0, False] else f


# --- date-times -------------------------------------------------------------------------
def local_octets(t):
    """Local seconds since 2000 -> COSEM date-time (t < 0: not specified)."""
    return cosem_time.to_octets(t) if t >= 0 else cosem_time.UNSPECIFIED


def local_seconds(v):
    """A written date-time (octet-string or date-time) -> local seconds since
    2000; year not specified -> -1 (none). Other wildcards: other-reason."""
    b = _octets(v)
    if len(b) != 12:
        raise AccessError(TYPE_UNMATCHED)
    if b[0] == 0xFF and b[1] == 0xFF:
        return -1
    try:
        return cosem_time.from_octets(b)
    except axdr.DecodeError:
        raise AccessError(OTHER_REASON)


# --- charges -------------------------------------------------------------------------------
_COMMODITY = ((0, _NO_LN, 0), (3, ACTIVE_ENERGY_IMPORT, 2), (3, ACTIVE_ENERGY_EXPORT, 2))


def _index(key):
    """A charge table key (meter.charges) -> its index octet-string: empty for
    any rate, [rate] for any block, [rate, block]."""
    r, b = key >> 8, key & 0xFF
    return bytes(((r, b) if b else (r,)) if r else ())


def unit_charge(u):
    """meter.charges unit charge -> unit_charge structure (Blue Book class 113)."""
    com = _COMMODITY[u[0]]
    return (axdr.STRUCTURE, [
        (axdr.STRUCTURE, [(axdr.INTEGER, u[1]), (axdr.INTEGER, u[2])]),
        (axdr.STRUCTURE, [(axdr.LONG_UNSIGNED, com[0]), (axdr.OCTET_STRING, com[1]),
                          (axdr.INTEGER, com[2])]),
        (axdr.ARRAY, [(axdr.STRUCTURE, [(axdr.OCTET_STRING, _index(k)), (axdr.LONG, p)])
                      for k, p in u[3]])])


def unit_charge_in(v):
    """unit_charge structure -> meter.charges unit charge (not yet checked)."""
    try:
        scale, com, table = expect(v, axdr.STRUCTURE)
        cs, ps = [expect_int(x) for x in expect(scale, axdr.STRUCTURE)]
        cid, cln, attr = expect(com, axdr.STRUCTURE)
        c = (expect_int(cid), bytes(expect(cln, axdr.OCTET_STRING)), expect_int(attr))
        rows = []
        for e in expect(table, axdr.ARRAY):
            idx, price = expect(e, axdr.STRUCTURE)
            i = bytes(expect(idx, axdr.OCTET_STRING))
            if len(i) > 2:
                raise AccessError(OTHER_REASON)
            key = (i[0] << 8) + (i[1] if len(i) > 1 else 0) if i else 0
            rows.append([key, expect_int(price)])
    except ValueError:  # a structure of the wrong size
        raise AccessError(TYPE_UNMATCHED)
    commodity = 0 if c[0] == 0 else -1
    for k in (1, 2):
        if c == _COMMODITY[k]:
            commodity = k
    if commodity < 0:
        raise AccessError(OTHER_REASON)  # a commodity this meter does not count
    return [commodity, cs, ps, rows]


# the writable Charge attributes: meter.charges.Charge fields
_FIELDS = {3: "type", 4: "priority", 5: "unit", 6: "passive", 7: "activation", 8: "period",
           9: "config", 13: "proportion"}


class Charge(CosemObject):
    """Class 113 version 0: charge `i` of the meter's payment (meter.charges).
    Settings R1W2; methods (the management client's) 1 update_unit_charge
    (the passive one), 2 activate_passive_unit_charge (event 39), 3 collect
    (meter.payment.Payment.collect), 4 update_total_amount_remaining (adds),
    5 set_total_amount_remaining. Data of 2 and 3: integer 0."""
    class_id = 113
    ATTRS = (R0, R1, R1W2, R1W2, R1W2, R1W2, R1W2, R1W2, R1W2, R1, R1, R1, R1W2)
    METHODS = (MANAGEMENT,) * 5

    def __init__(self, ln_, meter, i):
        CosemObject.__init__(self, ln_)
        self.meter = meter
        self.i = i

    def read(self, attr, ctx):
        c = self.meter.payment.charges[self.i]
        if attr == 2:
            return (axdr.DOUBLE_LONG, c.paid)
        if attr == 3:
            return (axdr.ENUM, c.type)
        if attr == 4:
            return (axdr.UNSIGNED, c.priority)
        if attr in (5, 6):
            return unit_charge(c.unit if attr == 5 else c.passive)
        if attr in (7, 10):
            return (axdr.OCTET_STRING, local_octets(c.activation if attr == 7 else c.last))
        if attr == 8:
            return (axdr.DOUBLE_LONG_UNSIGNED, c.period)
        if attr == 9:  # b0 percentage based, b1 continuous (b0 = MSB)
            return axdr.bit_string(2, bytes((((c.config & 1) << 7) | ((c.config & 2) << 5),)))
        if attr == 11:
            return (axdr.DOUBLE_LONG, c.last_amount)
        if attr == 12:
            return (axdr.DOUBLE_LONG, c.remaining)
        return (axdr.LONG_UNSIGNED, c.proportion)

    def _set(self, f):
        i = self.i

        def step(p):
            c = p.charges[i]
            events = f(c)
            c.check()
            return events
        _change(self.meter, step)

    def write(self, attr, value, ctx):
        name = _FIELDS.get(attr)
        if name is None:
            raise AccessError(OTHER_REASON)
        if attr in (5, 6):
            v = unit_charge_in(value)
        elif attr == 7:
            v = local_seconds(value)
        elif attr == 9:  # b0 percentage based, b1 continuous
            b = expect(value, _BIT_STRING)[1]
            v = ((b[0] >> 7) & 1) | ((b[0] >> 5) & 2) if b else 0
        else:
            v = _uint(value)
        if attr == 5:  # the carried fraction follows the new scales
            self._set(lambda c: c.set_unit(ch.check_unit(v)))
        elif attr == 9:
            self._set(lambda c: c.set_config(v))
        else:
            self._set(lambda c: setattr(c, name, ch.check_unit(v) if attr == 6 else v))

    def invoke(self, method, param, ctx):
        if method == 1:
            u = unit_charge_in(param)
            self._set(lambda c: setattr(c, "passive", ch.check_unit(u)))
        elif method in (2, 3):
            if param is None or param[0] != axdr.INTEGER:
                raise AccessError(TYPE_UNMATCHED)
            i = self.i
            if method == 2:  # as at unit_charge_activation_time
                self._set(lambda c: c.activate() or [(vocab.EV_TARIFF_ACTIVATED, i + 1, 0)])
            else:
                _commit(self.meter, lambda a, p: p.collect(a, i, p.now()))
        elif method in (4, 5):
            n = expect_int(param)

            def f(c):
                if c.type != ch.PAYMENT:
                    raise ValueError("charge: total_amount_remaining is a payment charge's")
                c.remaining = (c.remaining if method == 4 else 0) + n
            self._set(f)
        else:
            raise AccessError(OTHER_REASON)
        return None


# --- activity calendar and special days -------------------------------------------------------
def _time_octets(minute):
    return bytes((minute // 60, minute % 60, 0, 0))


def calendar_parts(cal):
    """A meter.calendar calendar (or None) -> the four typed attribute values
    (name, season_profile, week_profile_table, day_profile_table)."""
    name, seasons, weeks, days = cal or (b"", (), (), ())
    return [
        (axdr.OCTET_STRING, name),
        (axdr.ARRAY, [(axdr.STRUCTURE, [
            (axdr.OCTET_STRING, s[0]),
            (axdr.OCTET_STRING, axdr.date_time(0xFFFF, s[1], s[2], 0, 0, 0, 0)),
            (axdr.OCTET_STRING, s[3])]) for s in seasons]),
        (axdr.ARRAY, [(axdr.STRUCTURE, [(axdr.OCTET_STRING, w[0])] +
                       [(axdr.UNSIGNED, d) for d in w[1:]]) for w in weeks]),
        (axdr.ARRAY, [(axdr.STRUCTURE, [(axdr.UNSIGNED, d[0]), (axdr.ARRAY, [
            (axdr.STRUCTURE, [(axdr.OCTET_STRING, _time_octets(a[0])),
                              (axdr.OCTET_STRING, TARIFF_SCRIPTS), (axdr.LONG_UNSIGNED, a[1])])
            for a in d[1]])]) for d in days]),
    ]


def _octets(v):
    """The bytes of an octet-string (or a date-time, date or time, as some
    clients send those)."""
    if v is None or v[0] not in (axdr.OCTET_STRING, axdr.DATE_TIME, _DATE, _TIME):
        raise AccessError(TYPE_UNMATCHED)
    return bytes(v[1])


def calendar_part_in(i, v):
    """A written attribute (6..9 as part 0..3) -> meter.calendar part values
    (checked by meter.calendar.part)."""
    try:
        if i == 0:
            return _octets(v)
        out = []
        for e in expect(v, axdr.ARRAY):
            s = expect(e, axdr.STRUCTURE)
            if i == 1:  # a season starts on its month and day, every year, at 00:00
                b = _octets(s[1])
                if len(b) != 12:
                    raise AccessError(TYPE_UNMATCHED)
                out.append([_octets(s[0]), b[2], b[3], _octets(s[2])])
            elif i == 2:
                out.append([_octets(s[0])] + [expect_int(d) for d in s[1:]])
            else:
                acts = []
                for a in expect(s[1], axdr.ARRAY):
                    st, _, sel = expect(a, axdr.STRUCTURE)
                    hm = _octets(st)
                    if len(hm) != 4 or hm[0] > 23 or hm[1] > 59:
                        raise AccessError(OTHER_REASON)
                    acts.append([hm[0] * 60 + hm[1], expect_int(sel)])
                out.append([expect_int(s[0]), acts])
        return out
    except (ValueError, IndexError, TypeError):
        raise AccessError(TYPE_UNMATCHED)


class ActivityCalendar(CosemObject):
    """Class 20 version 0 at 0.0.13.0.0.255: the time-of-use calendar
    (meter.calendar). The active calendar (2..5) is read-only; the passive
    one (6..9) is written part by part and becomes active by method 1
    activate_passive_calendar or at activate_passive_calendar_time (10),
    checked as a whole then. A day action's script_selector is the tariff
    rate; its script is TARIFF_SCRIPTS (docs/payment.md)."""
    class_id = 20
    ATTRS = (R0, R1, R1, R1, R1, R1W2, R1W2, R1W2, R1W2, R1W2)
    METHODS = (MANAGEMENT,)

    def __init__(self, ln_, meter):
        CosemObject.__init__(self, ln_)
        self.meter = meter

    def read(self, attr, ctx):
        p = self.meter.payment
        if attr == 10:
            return (axdr.OCTET_STRING, local_octets(p.cal_activation))
        return calendar_parts(p.calendar if attr < 6 else p.passive)[(attr - 2) % 4]

    def write(self, attr, value, ctx):
        if attr == 10:
            t = local_seconds(value)

            def f(p):
                if t >= 0:
                    from meter import calendar
                    calendar.check(p.passive or ())  # complete and consistent now
                p.cal_activation = t
            _change(self.meter, f)
            return
        if not 6 <= attr <= 9:
            raise AccessError(OTHER_REASON)
        v = calendar_part_in(attr - 6, value)
        _change(self.meter, lambda p: p.set_passive(attr - 6, v))

    def invoke(self, method, param, ctx):
        _change(self.meter, lambda p: p.activate_calendar() or
                [(vocab.EV_TARIFF_ACTIVATED, 0, 0)])
        return None


def _date(e):
    """A special day [index, year, month, day, day_id] -> its structure (day
    of week not specified)."""
    return (axdr.STRUCTURE, [(axdr.LONG_UNSIGNED, e[0]), (axdr.OCTET_STRING, bytes(
        (e[1] >> 8, e[1] & 0xFF, e[2], e[3], 0xFF))), (axdr.UNSIGNED, e[4])])


def _special_in(v):
    try:
        idx, date, day_id = expect(v, axdr.STRUCTURE)
        b = _octets(date)  # a date (5 octets), or a date-time (12) as some clients send it
        if len(b) != 5 and len(b) != 12:
            raise AccessError(TYPE_UNMATCHED)
        return [expect_int(idx), (b[0] << 8) | b[1], b[2], b[3], expect_int(day_id)]
    except (ValueError, TypeError):
        raise AccessError(TYPE_UNMATCHED)


class SpecialDays(CosemObject):
    """Class 11 version 0 at 0.0.11.0.0.255: dates that take another day
    profile (year 0xFFFF: every year), and the holidays of friendly credit.
    Methods 1 insert (replaces the entry of the same index), 2 delete."""
    class_id = 11
    ATTRS = (R0, R1W2)
    METHODS = (MANAGEMENT, MANAGEMENT)

    def __init__(self, ln_, meter):
        CosemObject.__init__(self, ln_)
        self.meter = meter

    def read(self, attr, ctx):
        return (axdr.ARRAY, [_date(e) for e in self.meter.payment.special])

    def write(self, attr, value, ctx):
        entries = [_special_in(e) for e in expect(value, axdr.ARRAY)]
        _change(self.meter, lambda p: p.set_special(entries))

    def invoke(self, method, param, ctx):
        if method == 1:
            e = _special_in(param)
            _change(self.meter, lambda p: p.set_special(
                [x for x in p.special if x[0] != e[0]] + [e]))
        else:
            n = expect_int(param)
            _change(self.meter, lambda p: p.set_special([x for x in p.special if x[0] != n]))
        return None
