# Token entry for the Meter (split from meter.py to keep each module small
# enough to compile in a small heap). enter() is Meter.enter_token.
from sts import result
from meter import account as ac
from meter import events as ev


def enter(m, text, source):
    """Processes one token. Returns (result code, info dict). The result is
    final: an accepted token has been committed before this returns."""
    now = m.clock()
    if m.cts.ended() or m.fault:  # CTS-19 (docs/cts.md: reported as Lockout)
        m._log_now(now, ev.TOKEN_REJECTED, result.LOCKOUT, -1)
        return _done(m, source, result.LOCKOUT, {"reason": "cts ended" if not m.fault else "fault"})
    d = m._process(m.sts, text, None, m.sts_settings)
    code = d.result
    tid = -1
    if d.token is not None:
        t = getattr(d.token, "tid", None)
        tid = t if isinstance(t, int) else -1
    info = {"tid": tid}
    if not result.accepted(code):
        m.last_result = code
        m._log_now(now, ev.TOKEN_REJECTED, code, tid)
        return _done(m, source, code, info)
    before = m.account.to_record()
    code = _apply(m, d.effect, d.state, now, info)
    if code != result.ACCEPT:  # overflow / unsupported / range
        m.account.load_record(before)
        m._evq = []
        m.last_result = code
        m._log_now(now, ev.TOKEN_REJECTED, code, tid)
        return _done(m, source, code, info)
    code = d.result
    if d.state is None and not info.get("changed"):  # class 1 test token: nothing to keep
        m.last_result = code
        m._log_now(now, ev.TOKEN_ACCEPTED, code, tid)
        return _done(m, source, code, info)
    old_sts, old_last = m.sts, (m.last_result, m.last_tid)
    if d.state is not None:
        m.sts = d.state
    m.last_result, m.last_tid = code, tid
    old_lock = m.keypad_lock
    if source == "keypad":
        m.keypad_lock = [0, 0]  # an accepted keypad token ends a reject series
    m._event(now, ev.TOKEN_ACCEPTED, code, tid)
    try:
        m._commit(now)
    except Exception:
        # not durable: nothing happened (the caller sees the exception)
        m.sts, (m.last_result, m.last_tid) = old_sts, old_last
        m.keypad_lock = old_lock
        m.account.load_record(before)
        m._evq = []
        raise
    m._update_relay(now, False)
    info["credit"] = m.account.available()
    return _done(m, source, code, info)


def _apply(m, e, new_state, now, info):
    """Applies an effect to the account (in RAM). Returns ACCEPT, OVERFLOW or
    FUNCTION; on anything but ACCEPT the caller restores the account."""
    if e is None:
        return result.ACCEPT
    E = m.effect
    k = e.kind
    info["effect"] = k
    info["changed"] = k != E.TEST
    if k == E.CREDIT:
        r = m.account.add_credit(e.register, e.value)
        if r == ac.OVERFLOW:
            return result.OVERFLOW
        if r == ac.UNSUPPORTED:
            return result.FUNCTION
        info["units"] = e.value
    elif k == E.SET_MPL:
        m.account.set_mpl(e.value)
        m._event(now, ev.MPL_SET, e.value)
    elif k == E.CLEAR_CREDIT:
        m.account.clear_credit(e.register)
        m._event(now, ev.CREDIT_CLEARED, e.register)
    elif k == E.CLEAR_TAMPER:
        m.account.tamper = False
        m._event(now, ev.TAMPER_CLEARED, 1)
    elif k == E.SET_MPPUL:
        m.account.mppul_w = e.value
    elif k == E.SET_TARIFF:
        m.account.tariff_rate = e.value
    elif k == E.SET_WATER_FACTOR:
        m.account.water_factor = e.value
    elif k == E.SET_FLAG:
        if not m.account.set_flag(e.register, e.value):
            return result.RANGE
    elif k == E.KEY_CHANGED:
        krn = getattr(new_state, "krn", 0) if new_state is not None else 0
        m._event(now, ev.KEY_CHANGED, krn, e.value)
    elif k == E.TEST:
        info["control"] = e.value
    return result.ACCEPT


def _done(m, source, code, info):
    if source != "keypad" and m.display is not None:
        m.display.show("%s %02d" % (result.name(code), code))
    return code, info
