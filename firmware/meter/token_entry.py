# What a token does to the meter (split from meter.py to keep each module
# small): a pure function of the STS decision and the current account. The
# Meter commits what it returns (Meter.enter_token, Meter._transact).
import vocab
from meter import account as ac


def outcome(d, account, E, source, payment=None):
    """d: the sts.processor Decision; account: the meter's Account (not
    changed); E: the sts.effect module; source: the token's carrier
    (vocab.KEYPAD, vocab.REMOTE); payment: the meter's meter.payment.Payment
    (not changed) or None (its payment charges take their share of a
    currency credit). Returns (result code, info, change, events): change is
    None when nothing is kept (a rejected token, a class 1 test token), else
    the Meter attributes to commit; events are (code, a, b), a token's own
    (code, result, TID, source, units added)."""
    code = d.result
    tid = -1
    if d.token is not None:
        t = getattr(d.token, "tid", None)
        tid = t if isinstance(t, int) else -1
    info = {"tid": tid}
    if not vocab.accepted(code):
        return code, info, None, ((vocab.EV_TOKEN_REJECTED, code, tid, source, 0),)
    a = account.copy()
    p = payment.copy() if payment is not None else None
    events = []
    r = _apply(a, d.effect, d.state, info, events, E, p)
    if r != vocab.ACCEPT:  # overflow / unsupported / range
        return r, info, None, ((vocab.EV_TOKEN_REJECTED, r, tid, source, 0),)
    if d.state is None and not info.get("changed"):  # class 1 test token: nothing to keep
        return code, info, None, ((vocab.EV_TOKEN_ACCEPTED, code, tid, source, 0),)
    change = {"account": a, "last_result": code, "last_tid": tid}
    if p is not None:
        change["payment"] = p
    if d.state is not None:
        change["sts"] = d.state
    if source == vocab.KEYPAD:
        change["keypad_lock"] = [0, 0]  # an accepted keypad token ends a reject series
    events.append((vocab.EV_TOKEN_ACCEPTED, code, tid, source, info.get("units", 0)))
    return code, info, change, events


def _apply(a, e, new_state, info, events, E, p):
    """Applies an effect to the account copy `a` (and payment copy `p`).
    Returns ACCEPT, OVERFLOW, FUNCTION or RANGE (then the copies are dropped)."""
    if e is None:
        return vocab.ACCEPT
    k = e.kind
    info["effect"] = k
    info["changed"] = k != E.TEST
    if k == E.CREDIT:
        # a currency payment: the payment charges take their share first (docs/payment.md)
        units = e.value - (p.on_credit(a, e.register, e.value, events) if p else 0)
        r = a.add_credit(e.register, units)
        if r == ac.OVERFLOW:
            return vocab.OVERFLOW
        if r == ac.UNSUPPORTED:
            return vocab.FUNCTION
        info["units"] = e.value
        a.token_wh = a.consumed_wh  # "consumption since the last token" starts again
    elif k == E.SET_MPL:
        a.mpl_w, a.trip_until = e.value, -1  # a new limit ends a trip under the old one
        events.append((vocab.EV_MPL_SET, e.value, 0))
    elif k == E.CLEAR_CREDIT:
        clear_credit(a, e.register)
        events.append((vocab.EV_CREDIT_CLEARED, e.register, 0))
    elif k == E.CLEAR_TAMPER:
        a.tamper = False
        events.append((vocab.EV_TAMPER_CLEARED, 1, 0))
    elif k == E.SET_MPPUL:
        a.mppul_w = e.value
    elif k == E.SET_TARIFF:
        a.tariff_rate = e.value
    elif k == E.SET_WATER_FACTOR:
        a.water_factor = e.value
    elif k == E.SET_FLAG:
        if not set_flag(a, e.register, e.value):
            return vocab.RANGE
    elif k == E.KEY_CHANGED:
        krn = getattr(new_state, "krn", 0) if new_state is not None else 0
        events.append((vocab.EV_KEY_CHANGED, krn, e.value))
    elif k == E.TEST:
        info["control"] = e.value
    return vocab.ACCEPT


def clear_credit(a, register):
    """ClearCredit on account a: one register or ac.ALL (its EC and the
    fraction end with the metered one). False for an unknown register."""
    if register == ac.ALL:
        for i in range(len(a.credit)):
            a.credit[i] = 0
    elif 0 <= register < len(a.credit):
        a.credit[register] = 0
    else:
        return False
    if register == ac.ALL or register == a.metered:
        a.ec_active = False
        a.remainder = 0
    return True


def set_flag(a, index, value):
    """Flag `index` (0..31) of account a's flags; False out of range."""
    if index < 0 or index > 31:
        return False
    if value:
        a.flags |= 1 << index
    else:
        a.flags &= ~(1 << index)
    return True
