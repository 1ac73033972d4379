# The prepayment account objects (dlms.md 7.3): account (class 111) and the
# token and emergency credits (112), each given the meter.meter.Meter it
# shows and calls; none keeps state of its own. binding.object_list.objects
# makes them on first access; a remote token session reads the credit, so
# they are a module of their own, apart from binding.meter_objects.
from dlms import axdr, cosem_time
from meter import account as ac
from dlms.cosem import (CosemObject, AccessError, expect, R0, R1, MANAGEMENT, NOBODY,
                        READ_WRITE_DENIED, TYPE_UNMATCHED, OTHER_REASON)


class Bound(CosemObject):
    """A COSEM object that shows and calls `meter` (meter.meter.Meter)."""

    def __init__(self, ln, meter, methods=None):
        CosemObject.__init__(self, ln, None, methods)
        self.meter = meter


def _credit_status_bits(acct):
    """Account attribute 4 current_credit_status: b0 in credit, b1 low credit,
    b6 out of credit (bit 0 = most significant bit of the octet)."""
    v = 0
    if acct.available() > 0:
        v |= 0x80
    if acct.low_credit():
        v |= 0x40
    if acct.out_of_credit():
        v |= 0x02
    return axdr.bit_string(8, bytes((v,)))


_UNIT_NAMES = ("kWh", "m3 water", "m3 gas", "time", "currency", "currency", "currency", "currency")


class Account(Bound):
    """Class 111 version 0 at 0.0.19.0.0.255. Amounts are in the metered credit
    register's token units; attribute 15 says which (scale -1: 0.1 kWh, -5:
    currency). The management client writes attribute 2 to switch between
    prepayment and post-payment (Meter.set_payment_mode) and calls methods 1
    activate_account, 2 close_account, 3 reset_account
    (meter.account_status; docs/payment.md "Account status")."""
    class_id = 111
    ATTRS = (R0, (R1[0], MANAGEMENT)) + (R1,) * 17
    METHODS = (MANAGEMENT, MANAGEMENT, MANAGEMENT)

    def __init__(self, ln, meter, credit_lns):
        Bound.__init__(self, ln, meter)
        self.credit_lns = credit_lns

    def read(self, attr, ctx):
        a = self.meter.account
        p = self.meter.payment
        if attr == 2:  # {payment_mode, account_status} (Blue Book 4.6.2, as Gurux)
            return (axdr.STRUCTURE, [(axdr.ENUM, a.payment_mode), (axdr.ENUM, a.status)])
        if attr == 3:
            return (axdr.UNSIGNED, 1 if a.ec_active else 0)
        if attr == 4:
            return _credit_status_bits(a)
        if attr == 5:
            return (axdr.DOUBLE_LONG, a.available())
        if attr in (6, 7, 17):
            return (axdr.DOUBLE_LONG, 0)
        if attr == 8:  # the negative balance and what payment charges still recover
            debt = -a.credit[a.metered] if a.credit[a.metered] < 0 else 0
            return (axdr.DOUBLE_LONG, debt + (p.debt() if p else 0))
        if attr == 9:
            return (axdr.ARRAY, [(axdr.OCTET_STRING, ln) for ln in self.credit_lns])
        if attr in (10, 11) and p:  # the charges, and which credit each collects from
            from binding.payment import charge_references
            return charge_references(p, attr, self.credit_lns[0])
        if attr in (10, 11):
            return (axdr.ARRAY, [])
        if attr == 12:
            return (axdr.ARRAY, [(axdr.STRUCTURE, [(axdr.OCTET_STRING, self.credit_lns[0]),
                                                   (axdr.UNSIGNED, 100)])])
        if attr in (13, 14):  # activation, closure: local time as the COSEM clock shows it
            t = a.activated if attr == 13 else a.closed
            return (axdr.OCTET_STRING,
                    cosem_time.to_octets(t) if t >= 0 else cosem_time.UNSPECIFIED)
        if attr == 15:  # the currency's name from the account configuration ("currency")
            currency = a.metered >= 4
            name = (a.config or {}).get("currency") if currency else None
            return (axdr.STRUCTURE, [
                (axdr.VISIBLE_STRING, (name or _UNIT_NAMES[a.metered]).encode()),
                (axdr.INTEGER, -5 if currency else -1), (axdr.ENUM, 2 if currency else 1)])
        if attr == 16:
            return (axdr.DOUBLE_LONG, a.low_threshold)
        if attr == 18:
            return (axdr.LONG_UNSIGNED, 0)
        return (axdr.DOUBLE_LONG_UNSIGNED, 0)

    def write(self, attr, value, ctx):
        """Attribute 2 {payment_mode, account_status}: payment_mode 1 (credit:
        post-payment) or 2 (prepayment); the status is the present one (the
        methods change it)."""
        s = expect(value, axdr.STRUCTURE)
        if len(s) != 2 or s[0][0] != axdr.ENUM or s[1][0] != axdr.ENUM:
            raise AccessError(TYPE_UNMATCHED)
        if s[1][1] != self.meter.account.status or not self.meter.set_payment_mode(s[0][1]):
            raise AccessError(OTHER_REASON)

    def invoke(self, method, param, ctx):
        """activate_account, close_account, reset_account (data: integer 0)."""
        if param is None or param[0] != axdr.INTEGER:
            raise AccessError(TYPE_UNMATCHED)
        from meter.account_status import set_status
        if not set_status(self.meter, (ac.ACTIVE, ac.CLOSED, ac.NEW)[method - 1]):
            raise AccessError(OTHER_REASON)  # not from the present status, or a fault
        return None


class Credit(Bound):
    """Class 112 version 0: the token credit (0.0.19.10.0.255) or the emergency
    credit (0.0.19.10.1.255). Emergency credit can be invoked (method 3) by the
    management client; the keypad offers the same through a short code."""
    class_id = 112
    ATTRS = (R0,) + (R1,) * 10
    METHODS = (NOBODY, NOBODY, MANAGEMENT)

    def __init__(self, ln, meter, emergency=False):
        # only the emergency credit offers invoke_credit (the object list says so)
        Bound.__init__(self, ln, meter, None if emergency else (NOBODY,) * 3)
        self.emergency = emergency

    def read(self, attr, ctx):
        a = self.meter.account
        if attr == 2:
            if self.emergency:
                return (axdr.DOUBLE_LONG, a.ec_amount)
            return (axdr.DOUBLE_LONG, a.credit[a.metered])
        if attr == 3:
            return (axdr.ENUM, 2 if self.emergency else 0)
        if attr == 4:
            return (axdr.UNSIGNED, 2 if self.emergency else 1)
        if attr == 5:
            return (axdr.DOUBLE_LONG, a.low_threshold)
        if attr in (6, 9, 10):
            return (axdr.DOUBLE_LONG, 0)
        if attr == 7:  # credit_configuration, b0 first (dlms.md 7.3): b4 receives credit
            # from tokens; emergency credit b2 paid back, b1 needs confirmation unless
            # the meter invokes it itself (ec_auto)
            return axdr.bit_string(5, bytes(((0x20 if a.ec_auto else 0x60) if self.emergency
                                             else 0x08,)))
        if attr == 8:
            if self.emergency:
                return (axdr.ENUM, 3 if a.ec_active else (1 if a.ec_invokable() else 0))
            return (axdr.ENUM, 4 if a.credit[a.metered] <= 0 else 3)
        return (axdr.OCTET_STRING, cosem_time.UNSPECIFIED)

    def invoke(self, method, param, ctx):
        if not self.emergency or method != 3:
            raise AccessError(READ_WRITE_DENIED)
        if not self.meter.invoke_emergency_credit():
            raise AccessError(OTHER_REASON)
        return None
