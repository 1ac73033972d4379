# What a token does to the meter (split from meter.py to keep each module
# small): a pure function of the STS decision and the current account. The
# Meter commits what it returns (Meter.enter_token, Meter._transact).
import vocab
from meter import account as ac


def outcome(code, tid, effect, new_state, account, E, source, payment=None):
    """What the sts.processor Decision (result code, its token's TID or None,
    effect, state) does: account: the meter's Account (not changed); E: the
    sts.effect module; source: the token's carrier (vocab.KEYPAD,
    vocab.REMOTE); payment: the meter's meter.payment.Payment (not changed) or
    None (its payment charges take their share of a currency credit). Returns
    (result code, info, change, events): change is None when nothing is kept
    (a rejected token, a class 1 test token), else the Meter attributes to
    commit; events are (code, a, b), a token's own (code, result, TID, source,
    units added)."""
    if not isinstance(tid, int):
        tid = -1
    info = {"tid": tid}
    if not vocab.accepted(code):
        return code, info, None, ((vocab.EV_TOKEN_REJECTED, code, tid, source, 0),)
    a = account.copy()
    p = payment.copy() if payment is not None else None
    events = []
    r = _apply(a, effect, new_state, info, events, E, p)
    if r != vocab.ACCEPT:  # overflow / unsupported / range
        return r, info, None, ((vocab.EV_TOKEN_REJECTED, r, tid, source, 0),)
    if new_state is None and not info.get("changed"):  # class 1 test token: nothing to keep
        return code, info, None, ((vocab.EV_TOKEN_ACCEPTED, code, tid, source, 0),)
    change = {"account": a, "last_result": code, "last_tid": tid}
    if p is not None:
        change["payment"] = p
    if new_state is not None:
        change["sts"] = new_state
    if source == vocab.KEYPAD:
        change["keypad_lock"] = [0, 0]  # an accepted keypad token ends a reject series
    events.append((vocab.EV_TOKEN_ACCEPTED, code, tid, source, info.get("units", 0)))
    return code, info, change, events


def _apply(a, e, new_state, info, events, E, p):
    """Applies an effect to the account copy `a` (and payment copy `p`).
    Returns ACCEPT, OVERFLOW, FUNCTION or RANGE (then the copies are dropped).
    A credit or test token's effect is applied here; the class 2 management
    effects (rare) by meter.token_management, loaded for them."""
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
    elif k == E.TEST:
        info["control"] = e.value
    else:
        from meter import token_management
        return token_management.apply(a, e, new_state, events, E)
    return vocab.ACCEPT
