# Account status (Blue Book class 111 methods 1 activate_account, 2
# close_account, 3 reset_account; dlms.md 7.3; docs/payment.md "Account
# status"): the cycle new -> active -> closed -> new. Only an active account
# is charged (meter.account, meter.payment). Loaded only when the management
# client calls a method.
from compat import const
from meter.account import ACTIVE, CLOSED, NEW
from meter import charges as ch

EV_ACCOUNT_STATUS = const(40)  # event (vocab): a = new account_status, b = old


def set_status(meter, status):
    """activate (ACTIVE), close (CLOSED) or reset (NEW) the account of
    `meter` (meter.meter.Meter) at its local time, committed with event 40.
    False when not allowed from the present status, or in a fault."""
    old = meter.account.status
    if status != old % 3 + 1:
        return False
    t = meter.localtime() if meter.localtime is not None else None

    def f(a, p):
        events = _payment(p, a, status, t) if p is not None else []
        if status == ACTIVE:
            a.activated = -1 if t is None else t
        elif status == CLOSED:
            a.closed = -1 if t is None else t
        else:  # the next customer starts from nothing (as ClearCredit of every register)
            a.credit = [0] * len(a.credit)
            a.ec_active, a.remainder = False, 0
            a.activated = a.closed = -1
        a.status = status
        events.append((EV_ACCOUNT_STATUS, status, old))
        return events
    return meter.change(f)


def _payment(p, a, status, t):
    """The payment's part (meter.payment.Payment p, account a): closing
    collects what is due first, so the closure balance is final; activating
    starts the time-based charges counting; resetting clears the charges'
    amounts. Returns the collections' events."""
    events = p.periodic(a, t)[1] if status == CLOSED and t is not None else []
    for c in p.charges:
        if status == NEW:
            c.reset()
        elif status == ACTIVE and c.type == ch.TIME:
            c.last = -1 if t is None else t
    return events
