"""The conformance runner's steps, numbered as the STS compliance tests they
are modelled on (sts.md 10-11), and what a step sees (Ctx): the meter's
gateway, the options, the runner's view of the meter's STS state and the TID
timeline. A step vends its tokens itself and records checks."""
import os

from meter import cts_profiles
from meter.account import REGISTER_MAX
from sts import amount, carrier, vend
from sts import tid as tidmod
from vocab import (ACCEPT, KCT1_ACCEPTED as KCT1, KCT2_ACCEPTED as KCT2, OVERFLOW, FORMAT,
                   RANGE, FUNCTION, OLD, USED, KEY_EXPIRED, DDTK, CRC, MFR_CODE, LOCKOUT)
from pctools import ROOT
from pctools.gateway import pack
from pctools.cts.session import NotAvailable, OBIS_CTS_STATUS
from pctools.cts.state import mfr_code_of, new_key_state, set_profile

RESERVED_DRNS = (cts_profiles.DRN_11, cts_profiles.DRN_13)
CREDIT_LIMIT = REGISTER_MAX  # DLMS double-long credit register (docs/meter.md)


def status_for(res):
    """Expected token_status status_code for an STS result (dlms.md 7.4),
    written here from the standard, not taken from the firmware it checks."""
    if res in (ACCEPT, KCT1, KCT2):
        return 3
    if res == FORMAT:
        return 4
    if res == CRC:
        return 5
    if res == OVERFLOW:
        return 7
    return 6


class StepFailed(Exception):
    pass


class StepSkipped(Exception):
    pass


class Ctx:
    """What a step sees: the gateway, the options, the tracked STS state and
    the TID timeline, and its own list of checks."""

    def __init__(self, gw, args, state, save, timer):
        self.gw = gw
        self.args = args
        self.state = state
        self._save = save
        self.timer = timer  # monotonic() and sleep(s): the time module, or a test's
        self.checks = []

    # state
    @property
    def cur(self):
        return self.state["current"]

    @property
    def ident(self):
        return self.state["identity"]

    def save(self):
        self._save()

    def tid(self):
        """The next TID of the timeline (increasing, never the STID minute 00:01)."""
        t = self.state["next_tid"]
        if t % 1440 == 1:
            t += 1
        if t >= 1 << 24:
            raise StepFailed("the TID timeline ran past 2^24 minutes; start earlier (--start)")
        self.state["next_tid"] = t + 1
        self.state["min_tid"] = min(self.state.get("min_tid", t), t)
        self.save()
        return t

    def jump(self, t):
        if t > self.state["next_tid"]:
            self.state["next_tid"] = t
            self.save()

    # vending
    def vend(self, cls, sub, key=None, **kw):
        if cls != 1 and "tid" not in kw and not (cls == 2 and sub in vend.KCT_SUBCLASSES):
            kw["tid"] = self.tid()
        k = bytes.fromhex(key or self.cur["key"])
        return vend.vend(self.cur["ea"], k, cls, sub, **kw)

    def credit_token(self, units, sub=None, key=None, tid=None):
        sub = self.args.metered_subclass if sub is None else sub
        kw = {"value": units}
        if tid is not None:
            kw["tid"] = tid
        return self.vend(0, sub, key=key, **kw)

    # checking
    def check(self, what, expect, observed, token="", ok=None):
        if ok is None:
            ok = all(observed.get(k) == v for k, v in expect.items())
        self.checks.append({"what": what, "token": token, "expect": expect,
                            "observed": observed, "ok": bool(ok)})
        return ok

    def send(self, what, token, res, credit_delta=None, octets=None, statuses=None):
        """Enter `token` (20 digits, or raw `octets`) and check token_status
        against the STS result `res`; with credit_delta also the credit register
        (units added, 0 = unchanged). Returns the observed (status, result)."""
        a = self.args
        check_credit = credit_delta is not None and not a.no_credit_check
        before = self.gw.credit() if check_credit else None
        raw = octets if octets is not None else pack(token, a.encoding)
        action = self.gw.enter(raw)
        st, dv = self.gw.status()
        exp = {"status": status_for(res)}
        obs = {"status": st, "action_result": action}
        ok = st in statuses if statuses else st == exp["status"]
        if statuses:
            exp["status"] = "|".join(str(s) for s in statuses)
        if not a.no_result_check:
            exp["result"] = res
            obs["result"] = dv
            ok = ok and dv == res
        if check_credit:
            after = self.gw.credit()
            exp["credit_delta"] = credit_delta
            obs["credit_delta"] = after - before
            if a.credit_tolerance:
                exp["credit_delta"] = "%d (-%d)" % (credit_delta, a.credit_tolerance)
            ok = ok and 0 <= credit_delta - (after - before) <= a.credit_tolerance
        shown = token if octets is None else "octets " + bytes(octets).hex()
        self.check(what, exp, obs, shown, ok)
        return st, dv

    def send_quiet(self, token):
        """Enter a token without recording a check (bulk filling)."""
        self.gw.enter(pack(token, self.args.encoding))
        return self.gw.status()

    def key_change(self, what, new, ro=0, expect_ok=True):
        """Send the key change set for `new` (a dict of KEY_FIELDS) encrypted with
        the current key; on success the runner's current key becomes `new`."""
        cur = self.cur
        toks = vend.key_change_tokens(cur["ea"], bytes.fromhex(cur["key"]),
                                      bytes.fromhex(new["key"]), kt=new["kt"], krn=new["krn"],
                                      ti=new["ti"], ken=new["ken"], ro=ro, sgc=new["sgc"])
        results = [KCT1] + [KCT2] * (len(toks) - 2) + [ACCEPT]
        self.state["pending_key"] = dict(new)
        self.save()
        ok = True
        for i, (t, r) in enumerate(zip(toks, results)):
            st, dv = self.send("%s: KCT part %d of %d" % (what, i + 1, len(toks)), t, r)
            ok = ok and st == 3
        if ok:
            self.state["current"] = dict(new)
            if ro and self.state.get("min_tid") is not None:
                # RO = 1 cleared the meter's TID memory: continue far below
                self.state["next_tid"] = max(2, self.state["min_tid"] // 2)
                self.state["min_tid"] = self.state["next_tid"]
        self.state["pending_key"] = None
        self.save()
        if not ok and expect_ok:
            raise StepFailed("key change refused; later steps may use the wrong key")
        return ok


STEPS = []


def step(num, name, fast=True, group="credit"):
    def deco(fn):
        STEPS.append({"num": num, "name": name, "fast": fast, "group": group, "fn": fn})
        return fn
    return deco


def _credit_case(units, label):
    def run(ctx):
        ctx.send("credit %s (%d units, field %04x)" % (label, units, amount.encode(units)),
                 ctx.credit_token(units), ACCEPT, credit_delta=units)
    return run


for _n, (_u, _l) in enumerate(((1, "0.1"), (16383, "1638.3 (largest exponent 0)"),
                               (16384, "1638.4 (smallest exponent 1)"),
                               (180224, "18022.4 (smallest exponent 2)"),
                               (amount.MAX_UNITS, "maximum 1820162.4"))):
    step(_n + 1, "credit %s" % _l)(_credit_case(_u, _l))


@step(6, "credit per sub-class (supported accepted, others Function)")
def s_subclasses(ctx):
    for sub in range(8):
        units = 100000 if sub >= 4 else 10  # 1.0 currency / 1.0 kWh, m3, ...
        supported = sub in ctx.args.subclasses
        delta = (units if sub == ctx.args.metered_subclass else 0) if supported else 0
        ctx.send("class 0 sub-class %d" % sub, ctx.credit_token(units, sub=sub),
                 ACCEPT if supported else FUNCTION, credit_delta=delta)


@step(7, "Used: the same credit token twice")
def s_used(ctx):
    t = ctx.credit_token(5)
    ctx.send("first entry", t, ACCEPT, credit_delta=5)
    ctx.send("second entry (Used)", t, USED, credit_delta=0)


@step(8, "class 1 test tokens (CTSA02) and MfrCode", group="test")
def s_class1(ctx):
    ctx.send("sub 0 all tests, MfrCode 00", vend.vend(7, None, 1, 0, control=(1 << 36) - 1,
                                                      mfrcode=0), ACCEPT, credit_delta=0)
    ctx.send("sub 1 all tests, MfrCode 0000", vend.vend(7, None, 1, 1, control=(1 << 28) - 1,
                                                        mfrcode=0), ACCEPT, credit_delta=0)
    drn = ctx.ident["drn"]
    own = mfr_code_of(drn)
    sub = 0 if len(drn) == 11 else 1
    ctx.send("own MfrCode %d" % own, vend.vend(7, None, 1, sub, control=1, mfrcode=own), ACCEPT)
    other = (own + 1) % (100 if sub == 0 else 10000) or 1
    ctx.send("foreign MfrCode %d" % other, vend.vend(7, None, 1, sub, control=1, mfrcode=other),
             MFR_CODE)


@step(9, "maximum power limit (CTSA12 values, then none)", group="management")
def s_mpl(ctx):
    for w in (256, 16383, 16384, 20000, 0):
        ctx.send("MPL %d W" % w, ctx.vend(2, 0, value=w), ACCEPT)
        if ctx.args.mpl_obis:
            try:
                got = ctx.gw.mpl()
            except NotAvailable as exc:
                raise StepFailed("MPL register not readable (%s); give --mpl-obis, or '' "
                                 "to check the token status only" % exc)
            ctx.check("MPL register", {"W": amount.decode(amount.encode(w))}, {"W": got})


@step(10, "maximum phase power unbalance limit (CTSA13 values)", group="management")
def s_mppul(ctx):
    for w in (256, 16383):
        ctx.send("MPPUL %d W" % w, ctx.vend(2, 6, value=w), ACCEPT, credit_delta=0)


@step(11, "clear tamper", group="management")
def s_tamper(ctx):
    ctx.send("ClearTamper", ctx.vend(2, 5), ACCEPT, credit_delta=0)


@step(12, "clear credit (register, all, out of range)", group="management")
def s_clear(ctx):
    m = ctx.args.metered_subclass
    ctx.send("credit 10.0", ctx.credit_token(100), ACCEPT, credit_delta=100)
    ctx.send("ClearCredit register %d" % m, ctx.vend(2, 1, value=m), ACCEPT)
    ctx.check("credit after ClearCredit", {"credit": 0}, {"credit": ctx.gw.credit()})
    ctx.send("credit 10.0", ctx.credit_token(100), ACCEPT, credit_delta=100)
    ctx.send("ClearCredit 0xFFFF (all)", ctx.vend(2, 1, value=0xFFFF), ACCEPT)
    ctx.check("credit after ClearCredit all", {"credit": 0}, {"credit": ctx.gw.credit()})
    ctx.send("ClearCredit register 8 (Range)", ctx.vend(2, 1, value=8), RANGE, credit_delta=0)


def _verify_key(ctx, what, old_key=None):
    ctx.send("%s: credit with the new key" % what, ctx.credit_token(1), ACCEPT, credit_delta=1)
    if old_key:
        ctx.send("%s: credit with the old key (CRC)" % what, ctx.credit_token(1, key=old_key),
                 CRC, credit_delta=0)


@step(20, "key change set (64-bit EA07 / 128-bit EA11) and back", group="key change")
def s_kcs(ctx):
    orig = dict(ctx.cur)
    bits = 64 if orig["ea"] == 7 else 128
    new = new_key_state(ctx.ident, orig, "kcs", krn=orig["krn"] % 9 + 1)
    ctx.key_change("%d-bit key, KRN %d -> %d" % (bits, orig["krn"], new["krn"]), new)
    _verify_key(ctx, "new key", orig["key"])
    ctx.key_change("back to the original key", orig)
    _verify_key(ctx, "original key")


@step(21, "tariff index change (TI) and back", group="key change")
def s_ti(ctx):
    orig = dict(ctx.cur)
    new = new_key_state(ctx.ident, orig, "ti", ti=orig["ti"] % 99 + 1)
    ctx.key_change("TI %02d -> %02d" % (orig["ti"], new["ti"]), new)
    _verify_key(ctx, "new TI", orig["key"])
    ctx.key_change("TI back to %02d" % orig["ti"], orig)
    _verify_key(ctx, "original TI")


@step(22, "key expiry (KEN boundary, Key expired) and back", group="key change")
def s_ken(ctx):
    orig = dict(ctx.cur)
    ctx.jump(1 << 16)  # a KEN below the TIDs needs TIDs >= 2^16
    ken = ctx.state["next_tid"] >> 16
    if ken >= 255:
        raise StepFailed("TID timeline too late for a KEN test")
    new = new_key_state(ctx.ident, orig, "ken", ken=ken)
    ctx.key_change("KEN %d" % ken, new)
    ctx.send("credit at TID %d (top byte = KEN: valid)" % ctx.state["next_tid"],
             ctx.credit_token(1), ACCEPT, credit_delta=1)
    ctx.jump((ken + 1) << 16)
    ctx.send("credit at TID %d (top byte > KEN: Key expired)" % ctx.state["next_tid"],
             ctx.credit_token(1), KEY_EXPIRED, credit_delta=0)
    ctx.send("management token past KEN (Key expired)", ctx.vend(2, 5), KEY_EXPIRED)
    ctx.key_change("KEN back to %d" % orig["ken"], orig)
    _verify_key(ctx, "KEN %d" % orig["ken"])


@step(23, "DDTK: credit refused with a default key", group="key change")
def s_ddtk(ctx):
    if ctx.args.no_ddtk:
        raise StepSkipped("--no-ddtk")
    orig = dict(ctx.cur)
    new = new_key_state(ctx.ident, orig, "ddtk", kt=1)
    ctx.key_change("KT %d -> 1 (DDTK)" % orig["kt"], new)
    ctx.send("credit under a DDTK (DDTK error)", ctx.credit_token(1), DDTK, credit_delta=0)
    ctx.send("management token under a DDTK", ctx.vend(2, 5), ACCEPT)
    ctx.key_change("KT back to %d" % orig["kt"], orig)
    _verify_key(ctx, "KT %d" % orig["kt"])


@step(24, "base-date rollover: RO key change resets the TID memory", group="key change")
def s_rollover(ctx):
    if ctx.args.no_rollover:
        raise StepSkipped("--no-rollover")
    orig = dict(ctx.cur)
    last = ctx.credit_token(1)
    ctx.send("credit before the rollover", last, ACCEPT, credit_delta=1)
    bd = {1993: 2014, 2014: 2035}.get(orig["base_date"], orig["base_date"])
    new = new_key_state(ctx.ident, orig, "ro", krn=orig["krn"] % 9 + 1, base_date=bd)
    before = ctx.state["next_tid"]
    ctx.key_change("RO = 1, KRN %d -> %d, base date %d" % (orig["krn"], new["krn"], bd),
                   new, ro=1)
    low = ctx.state["next_tid"]
    st, _ = ctx.send("credit at TID %d, far below the previous %d (memory reset)" % (low, before),
                     ctx.credit_token(1), ACCEPT, credit_delta=1)
    if st != 3:  # memory not reset: go on with the old timeline so later steps stay valid
        ctx.jump(before)
    ctx.send("the token from before the rollover (CRC: old key)", last, CRC, credit_delta=0)
    back = dict(orig)
    back["base_date"] = bd
    ctx.key_change("back to the original key (RO = 0)", back)
    _verify_key(ctx, "original key after the rollover")


@step(30, "Old: a never-used TID below the TID memory", fast=False, group="negative")
def s_old(ctx):
    gap = ctx.tid()
    n = ctx.args.tid_memory
    for i in range(n):
        st, _ = ctx.send_quiet(ctx.credit_token(1))
        if st != 3:
            ctx.check("filling the TID memory: token %d of %d" % (i + 1, n), {"status": 3},
                      {"status": st})
            return
    ctx.check("%d tokens to fill the TID memory" % n, {"accepted": n}, {"accepted": n})
    ctx.send("credit at TID %d (Old)" % gap, ctx.credit_token(1, tid=gap), OLD, credit_delta=0)


@step(31, "CRC error: a token made with a wrong key", group="negative")
def s_crc(ctx):
    wrong = bytes(b ^ 0x5A for b in bytes.fromhex(ctx.cur["key"])).hex()
    ctx.send("credit made with a wrong key", ctx.credit_token(1, key=wrong), CRC, credit_delta=0)


@step(32, "format errors through the gateway", group="negative")
def s_format(ctx):
    t = ctx.credit_token(1)
    ctx.send("19 digits", "", FORMAT, octets=t[:19].encode(), credit_delta=0)
    ctx.send("21 digits", "", FORMAT, octets=(t + "0").encode(), credit_delta=0)
    ctx.send("a letter in 20 characters", "", FORMAT, octets=(t[:19] + "A").encode())
    ctx.send("20 digits >= 2^66", "99999999999999999999", FORMAT, credit_delta=0)
    cls3 = carrier.format_token(3, 0x0123456789ABCDEF)
    ctx.send("token class 3 (reserved)", cls3, FORMAT, credit_delta=0)
    ctx.send("the valid token afterwards", t, ACCEPT, credit_delta=1)


@step(33, "reserved sub-classes (Function)", group="negative")
def s_reserved(ctx):
    ctx.send("class 0 sub-class 8", ctx.vend(0, 8, value=1), FUNCTION, credit_delta=0)
    ctx.send("class 2 sub-class 11", ctx.vend(2, 11, value=1), FUNCTION)


@step(34, "Overflow: credit beyond the register limit", fast=False, group="negative")
def s_overflow(ctx):
    limit = ctx.args.credit_limit
    if not limit:
        raise StepSkipped("--credit-limit 0")
    ctx.send("ClearCredit all", ctx.vend(2, 1, value=0xFFFF), ACCEPT)
    total = 0
    while limit - total >= amount.MAX_UNITS:
        st, _ = ctx.send_quiet(ctx.credit_token(amount.MAX_UNITS))
        if st != 3:
            ctx.check("filling the credit register at %d units" % total, {"status": 3},
                      {"status": st})
            return
        total += amount.MAX_UNITS
    ctx.check("credit register filled", {"credit": total}, {"credit": ctx.gw.credit()})
    room = limit - total
    over = amount.decode(amount.encode(room + 1))
    ctx.send("credit %d units with room for %d (Overflow)" % (over, room),
             ctx.credit_token(room + 1), OVERFLOW, credit_delta=0)
    ctx.send("ClearCredit all", ctx.vend(2, 1, value=0xFFFF), ACCEPT)
    ctx.check("credit after ClearCredit", {"credit": 0}, {"credit": ctx.gw.credit()})


VECTORS = os.path.join(ROOT, "host_tests", "data", "sts-vectors.tsv")


def published_tokens(key_hex):
    """Value tokens (class 0, class 2 but key changes) of sts-vectors.tsv made
    with decoder key `key_hex` (sts.md 11.5: the NectarAPI transcriptions of the
    STS 531-1-0-02/04 suites), in TID order, one per TID."""
    import csv
    if not os.path.exists(VECTORS):
        return []
    out = {}
    with open(VECTORS, newline="") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            if r["kind"] != "token" or r["decoder_key_hex"] != key_hex or not r["tid"]:
                continue
            tid = int(r["tid"])
            if tid not in out:
                fields = dict(x.split("=", 1) for x in r["fields"].split(";") if "=" in x)
                out[tid] = {"id": r["id"], "test": r["test"], "token": r["token"], "tid": tid,
                            "cls": int(r["token_class"]), "sub": int(r["subclass"]),
                            "units": int(fields.get("amount_units", 0))}
    return [out[t] for t in sorted(out)]


@step(39, "published CTS tokens for the UUT profile (sts-vectors, STS 531-1-0-02/04)",
      group="cts")
def s_vectors(ctx):
    uut = ctx.args.uut
    if not uut:
        raise StepSkipped("needs --uut (the meter in CTS test mode)")
    cts_status_or_skip(ctx)
    key = cts_profiles.PROFILES[uut]["keys"].get(ctx.ident["drn"])
    toks = published_tokens(key)
    if not toks:
        raise StepSkipped("no published tokens for UUT %d with DRN %s" % (uut, ctx.ident["drn"]))
    # apply the profile again: empty TID memory, credit 0 (the timer keeps running, B.6)
    err = ctx.gw.cts_write(uut)
    ctx.check("write UUT %d (apply the profile again)" % uut, {"access_result": 0},
              {"access_result": err})
    set_profile(ctx.state, uut)
    ctx.save()
    for t in toks:
        what = "%s %s (class %d sub %d, TID %d)" % (t["id"], t["test"], t["cls"], t["sub"],
                                                    t["tid"])
        if t["cls"] == 0:
            ok = t["sub"] in ctx.args.subclasses
            delta = (t["units"] if t["sub"] == ctx.args.metered_subclass else 0) if ok else 0
            ctx.send(what, t["token"], ACCEPT if ok else FUNCTION, credit_delta=delta)
        else:
            ctx.send(what, t["token"], ACCEPT)
    ctx.jump(toks[-1]["tid"] + 1)


@step(40, "CTS entry refused for a DRN that is not reserved (CTS-4)", group="cts")
def s_cts_refused(ctx):
    if ctx.ident["drn"] in RESERVED_DRNS:
        raise StepSkipped("the meter has a reserved DRN")
    before = cts_status_or_skip(ctx)
    err = ctx.gw.cts_write(1)
    ctx.check("write UUT 1 to the CTS register", {"refused": True}, {"refused": err != 0,
                                                                      "access_result": err})
    after = ctx.gw.cts_status()
    ctx.check("CTS status unchanged", {"state": before[0], "uut": before[1]},
              {"state": after[0], "uut": after[1]})
    ctx.send("a credit token still works", ctx.credit_token(1), ACCEPT, credit_delta=1)


def cts_status_or_skip(ctx):
    try:
        return ctx.gw.cts_status()
    except NotAvailable:
        raise StepSkipped("no CTS status object %s (this project's choice of OBIS; "
                          "STS 201-1 Table 2 is not public)" % OBIS_CTS_STATUS)


def _cts_enter(ctx, uut):
    prof = cts_profiles.PROFILES[uut]
    err = ctx.gw.cts_write(uut)
    ctx.check("write UUT %d" % uut, {"access_result": 0}, {"access_result": err})
    set_profile(ctx.state, uut)
    ctx.save()
    st = ctx.gw.cts_status()
    ctx.check("CTS status after UUT %d" % uut, {"state": 1, "uut": uut},
              {"state": st[0], "uut": st[1]})
    ctx.check("credit of the profile", {"credit": 0}, {"credit": ctx.gw.credit()})
    # the profile's TID memory is empty: a TID far below the earlier ones is fine
    low = ctx.credit_token(1, tid=tidmod.from_date(prof["base_date"], prof["base_date"] + 1,
                                                   1, 2, 0, 0))
    ctx.send("UUT %d: credit with the profile key" % uut, low, ACCEPT, credit_delta=1)
    return st


@step(41, "CTS mode: profile change keeps the timer, undefined UUT refused (CTS-9, B.6)",
      group="cts")
def s_cts_profiles(ctx):
    uut = ctx.args.uut
    if not uut:
        raise StepSkipped("needs --uut (the meter's CTS profile)")
    st0 = cts_status_or_skip(ctx)
    other = 2 if uut != 2 else 1
    st1 = _cts_enter(ctx, other)
    ctx.check("timer not reset by the profile change", {"timer_not_reset": True},
              {"timer_not_reset": st1[2] >= st0[2], "before_s": st0[2], "after_s": st1[2]})
    err = ctx.gw.cts_write(5)
    st = ctx.gw.cts_status()
    ctx.check("write UUT 5 (not defined) refused", {"refused": True, "state": 1, "uut": other},
              {"refused": err != 0, "state": st[0], "uut": st[1]})
    _cts_enter(ctx, uut)


@step(42, "CTS timer runs while powered, updated every <= 5 s (CTS-10, CTS-14)", fast=False,
      group="cts")
def s_cts_timer(ctx):
    if not ctx.args.uut:
        raise StepSkipped("needs --uut (the meter in CTS test mode)")
    wait = ctx.args.cts_timer_wait
    a = cts_status_or_skip(ctx)
    t0 = ctx.timer.monotonic()
    ctx.timer.sleep(wait)
    b = ctx.gw.cts_status()
    dt = ctx.timer.monotonic() - t0
    adv = b[2] - a[2]
    # at most 5 s stale at either read, 5 % rate error (CTS-13), 1 s rounding
    lo, hi = int(dt * 0.95) - 6, int(dt * 1.05) + 6
    ctx.check("timer advance over %.1f s" % dt, {"advance_s": "%d..%d" % (max(lo, 1), hi)},
              {"advance_s": adv, "state": b[0]}, ok=b[0] == 1 and max(lo, 1) <= adv <= hi)


@step(43, "CTS exit by register: no tokens, no entry, no supply (CTS-17..19)",
      group="cts")
def s_cts_exit(ctx):
    if not ctx.args.cts_exit:
        raise StepSkipped("destructive: needs --cts-exit")
    if ctx.ident["drn"] not in RESERVED_DRNS:
        raise StepSkipped("the meter has no reserved DRN")
    cts_status_or_skip(ctx)
    err = ctx.gw.cts_write(0)
    st = ctx.gw.cts_status()
    ctx.check("write 0 (exit)", {"access_result": 0, "state": 2},
              {"access_result": err, "state": st[0], "reason": st[3]})
    ctx.send("credit token after the exit (refused)", ctx.credit_token(1), LOCKOUT,
             credit_delta=0, statuses=(6, 7))
    err = ctx.gw.cts_write(ctx.args.uut or 1)
    st = ctx.gw.cts_status()
    ctx.check("re-entry refused (CTS-18)", {"refused": True, "state": 2},
              {"refused": err != 0, "state": st[0]})
    ctx.check("load switch open (CTS-19)", {"relay_closed": False},
              {"relay_closed": ctx.gw.relay_closed()})


STEPS.sort(key=lambda s: s["num"])
FAST = [s["num"] for s in STEPS if s["fast"]]
