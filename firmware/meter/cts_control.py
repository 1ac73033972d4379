# CTS test mode entry and exit (cts-mode.md A.4, A.6; docs/cts.md): pure
# functions of the meter's CTS record and STS state that return what to
# change; Meter.cts_enter / cts_exit commit it (Meter._transact). The CTS
# register maps onto those two (register_write). The UUT profiles and the
# entry on the CTS record (Entry: meter.cts.Cts.check_enter / enter) are
# here too: a meter that never enters CTS test mode never loads them.
import vocab
from meter import account as ac
from meter import cts as ctsmod
from meter import relay_policy as rp


def reserved(drn):
    return drn in ctsmod.RESERVED_DRNS


def _unhex(s):
    b = bytearray(len(s) // 2)
    for i in range(len(b)):
        b[i] = int(s[2 * i:2 * i + 2], 16)
    return bytes(b)


def profile(uut, drn):
    """The initial values of UUT `uut` for a meter with DRN `drn`, or None."""
    from meter import cts_profiles  # imported on use: only reserved-DRN meters need it

    p = cts_profiles.PROFILES.get(uut)
    if p is None or drn not in p["keys"]:
        return None
    return {"ea": p["ea"], "key": _unhex(p["keys"][drn]), "kt": p["kt"], "krn": p["krn"],
            "ti": p["ti"], "sgc": p["sgc"], "ken": p["ken"], "base_date": p["base_date"]}


class Entry:
    """meter.cts.Cts's entry methods: Cts.x(...) runs Entry.x(cts, ...)."""

    def check_enter(self, uut, drn):
        if self.state == ctsmod.ENDED:
            return ctsmod.REFUSED_ENDED
        if not reserved(drn):
            return ctsmod.REFUSED_DRN
        if profile(uut, drn) is None:
            return ctsmod.REFUSED_UUT
        return ctsmod.CHANGED if self.state == ctsmod.ACTIVE else ctsmod.ENTERED

    def enter(self, uut, drn, now_s=None):
        """Enters (or changes profile). The caller applies profile(uut, drn)
        and commits to_record() in the same commit."""
        r = Entry.check_enter(self, uut, drn)
        if r == ctsmod.ENTERED:
            self.state = ctsmod.ACTIVE
            self.elapsed_s = 0
            self.reserved_s = 0
            self._last = now_s
        if r == ctsmod.ENTERED or r == ctsmod.CHANGED:
            self.uut = uut  # timer untouched on CHANGED (CTS-15)
        return r


def enter(cts, sts, uut, by_short_code, fault, account_config, now):
    """Enter CTS test mode with UUT profile `uut`, or switch profile while
    active. Returns (meter.cts code, change, events): change is None when
    refused (the event is then only logged)."""
    drn = sts.drn
    r = ctsmod.REFUSED_ENDED if fault else Entry.check_enter(cts, uut, drn)
    if r != ctsmod.ENTERED and r != ctsmod.CHANGED:
        return r, None, ((vocab.EV_CTS_REFUSED, uut, r),)
    p = profile(uut, drn)
    s = sts.copy()
    s.ea, s.key, s.kt, s.krn, s.ti = p["ea"], p["key"], p["kt"], p["krn"], p["ti"]
    s.sgc, s.ken, s.base_date = p["sgc"], p["ken"], p["base_date"]
    s.tids = []
    s.kct = None
    c = cts.copy()
    Entry.enter(c, uut, drn, now)
    by = ctsmod.BY_SHORT_CODE if by_short_code else ctsmod.BY_REGISTER
    change = {"sts": s, "account": ac.Account(account_config), "cts": c,
              "control_state": rp.CONNECTED, "last_result": 0, "last_tid": -1}
    code = vocab.EV_CTS_ENTERED if r == ctsmod.ENTERED else vocab.EV_CTS_PROFILE
    return r, change, ((code, uut, by),)


def leave(cts, by_short_code):
    """Leave CTS test mode (CTS-17). Returns (change, events), change None
    when CTS test mode is not active."""
    reason = ctsmod.EXIT_SHORT_CODE if by_short_code else ctsmod.EXIT_REGISTER
    c = cts.copy()
    if not c.exit(reason):
        return None, ()
    return {"cts": c}, ((vocab.EV_CTS_EXITED, reason, c.elapsed_s),)


def register_write(m, value):
    """The CTS register (cts-mode.md CTS-9; the DLMS binding maps it) on Meter
    `m`: 1..99 enter or switch to that UUT, 0 leave CTS test mode (CTS-17).
    Returns a meter.cts code: ENTERED also for a done exit, REFUSED_RANGE for
    a value outside 0..99."""
    if value == 0:
        if m.cts.active():
            m.cts_exit(False)
            return ctsmod.ENTERED
        return ctsmod.REFUSED_ENDED if m.cts.ended() else ctsmod.REFUSED_UUT
    if value < 0 or value > ctsmod.UUT_MAX:
        return ctsmod.REFUSED_RANGE
    return m.cts_enter(value, False)
