# CTS test mode operations on a Meter (cts-mode.md A.4, A.6; docs/cts.md);
# Meter.cts_enter / cts_exit / cts_register_write delegate here.
from meter import account as ac
from meter import cts as ctsmod
from meter import events as ev
from meter import relay_policy as rp


def enter(m, uut, by_short_code=False):
    """Enter CTS test mode with UUT profile `uut`, or switch profile while
    active. Returns a meter.cts code (ENTERED, CHANGED, REFUSED_*)."""
    now = m.clock()
    drn = m.sts.drn
    r = m.cts.check_enter(uut, drn)
    by = ctsmod.BY_SHORT_CODE if by_short_code else ctsmod.BY_REGISTER
    if r != ctsmod.ENTERED and r != ctsmod.CHANGED:
        m._log_now(now, ev.CTS_REFUSED, uut, r)
        return r
    p = ctsmod.profile(uut, drn)
    s = m.sts.copy()
    s.ea, s.key, s.kt, s.krn, s.ti = p["ea"], p["key"], p["kt"], p["krn"], p["ti"]
    s.sgc, s.ken, s.base_date = p["sgc"], p["ken"], p["base_date"]
    s.tids = []
    s.kct = None
    old = (m.sts, m.account, m.control_state, m.cts.to_record(), m.last_result)
    m.sts = s
    m.account = ac.Account(m.config.get("account"))
    m.control_state = rp.CONNECTED
    m.last_result, m.last_tid = 0, -1
    m.cts.enter(uut, drn, now)
    m._event(now, ev.CTS_ENTERED if r == ctsmod.ENTERED else ev.CTS_PROFILE, uut, by)
    try:
        m._commit(now)
    except Exception:
        m.sts, m.account, m.control_state, rec, m.last_result = old
        m.cts.load_record(rec)
        m._evq = []
        raise
    m._update_relay(now, False)
    return r

def leave(m, by_short_code=False):
    now = m.clock()
    reason = ctsmod.EXIT_SHORT_CODE if by_short_code else ctsmod.EXIT_REGISTER
    if not m.cts.exit(reason):
        return False
    m._event(now, ev.CTS_EXITED, reason, m.cts.elapsed_s)
    m._commit(now)
    m._update_relay(now, False)
    return True

def register_write(m, value):
    """The CTS register (cts-mode.md CTS-9; the DLMS layer maps it): 1..99 =
    enter/switch to that UUT, 0 = leave CTS test mode (CTS-17). Returns a
    meter.cts code; exit gives ENTERED-like 0 on success."""
    if value == 0:
        if m.cts.active():
            leave(m, False)
            return ctsmod.ENTERED
        return ctsmod.REFUSED_ENDED if m.cts.ended() else ctsmod.REFUSED_UUT
    if value < 0 or value > 99:
        return ctsmod.REFUSED_UUT
    return enter(m, value, False)
