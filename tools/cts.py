"""STS token-gateway conformance runner (CPython).

Runs numbered steps modelled on the STS compliance tests (sts.md 10-11)
against any meter that offers the DLMS/COSEM token gateway (class 115,
0.0.19.40.0.255) over HDLC: it vends each token itself, enters it with method 1
`enter`, reads token_status (attribute 6) and the affected registers, and
compares them with the expected outcome.

Examples:
  python tools/cts.py --port socket://127.0.0.1:4059 --key 9ca1fc37b27dac93 --base-date 2014
  python tools/cts.py --port /dev/ttyUSB0 --vending-key abababababababab --dkga 2 \\
      --sgc 123456 --ti 1 --krn 1 --base-date 2014 --html report.html --json report.json
  python tools/cts.py --port socket://127.0.0.1:4059 --uut 1 --enter-cts --cts-exit
  python tools/cts.py --list
  python tools/cts.py ... --steps 1-5,31 --resume run.json

Exit status: 0 every selected step passed; 1 a step failed; 2 usage or
communication error (with --resume, run again to continue after a meter reset).
"""
import argparse
import hashlib
import html
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# firmware/ must come before tools/ (tools/sts.py would shadow the sts package)
for _p in (HERE, os.path.join(ROOT, "firmware")):
    if _p in sys.path:
        sys.path.remove(_p)
sys.path.insert(0, os.path.join(ROOT, "firmware"))
sys.path.append(HERE)

from sts import amount, carrier, vend  # noqa: E402
from sts import tid as tidmod  # noqa: E402
from meter import cts_profiles  # noqa: E402
from vocab import (ACCEPT, KCT1_ACCEPTED as KCT1, KCT2_ACCEPTED as KCT2, OVERFLOW,  # noqa: E402
                   FORMAT, RANGE, FUNCTION, OLD, USED, KEY_EXPIRED, DDTK, CRC, MFR_CODE, LOCKOUT)

OBIS_GATEWAY = "0.0.19.40.0.255"
OBIS_CREDIT = "0.0.19.10.0.255"
OBIS_DRN = "0.0.96.1.0.255"
OBIS_DISCONNECT = "0.0.96.3.10.255"
OBIS_MPL = "0.128.19.50.0.255"
OBIS_CTS = "0.128.96.50.0.255"
OBIS_CTS_STATUS = "0.128.96.50.1.255"
RESERVED_DRNS = (cts_profiles.DRN_11, cts_profiles.DRN_13)
CREDIT_LIMIT = 2 ** 31 - 1  # DLMS double-long credit register (docs/meter.md)


def pack(digits, encoding="ascii"):
    """20 digits -> the octet-string given to `enter` (docs/dlms.md: 20 ASCII
    digits, 10 bytes BCD, or the 66-bit number in 9 bytes)."""
    if encoding == "bcd":
        return bytes(int(digits[i:i + 2], 16) for i in range(0, 20, 2))
    if encoding == "binary":
        return int(digits).to_bytes(9, "big")
    return digits.encode()


def status_for(res):
    """Expected token_status status_code for an STS result (dlms.md 7.4)."""
    if res in (ACCEPT, KCT1, KCT2):
        return 3
    if res == FORMAT:
        return 4
    if res == CRC:
        return 5
    if res == OVERFLOW:
        return 7
    return 6


class CommError(Exception):
    pass


HARDWARE_FAULT = 1  # action-result hardware-fault (dlms.md 5.2)


class NotAvailable(Exception):
    """The meter refused to read an attribute (not a link problem)."""


# ---------------------------------------------------------------------------
# the DLMS side: any class 115 meter through tools/meterclient.py (gurux-dlms)


class _RecordingIO:
    """Wraps meterclient's link; every chunk in and out goes to `log`."""

    def __init__(self, io, log):
        self._io = io
        self._log = log

    def write(self, data):
        self._log.append(("TX", bytes(data)))
        return self._io.write(data)

    def read_some(self):
        data = self._io.read_some()
        if data:
            if self._log and self._log[-1][0] == "RX":
                self._log[-1] = ("RX", self._log[-1][1] + bytes(data))
            else:
                self._log.append(("RX", bytes(data)))
        return data

    def __getattr__(self, name):
        return getattr(self._io, name)


class Gateway:
    """The meter as the runner sees it: enter a token, read status and registers."""

    def __init__(self, args):
        from meterclient import client_from_args
        self.args = args
        self.log = []
        self.mc = client_from_args(args)
        self._wrap()
        self.mpl_obis = args.mpl_obis

    def _wrap(self):
        mc, log = self.mc, self.log

        class Recording(type(mc)):
            @property
            def io(self):
                return self.__dict__.get("_io_")

            @io.setter
            def io(self, value):
                self.__dict__["_io_"] = None if value is None else _RecordingIO(value, log)

        mc.__class__ = Recording

    def _call(self, fn):
        try:
            return fn()  # (meterclient keeps gurux's per-APDU prints off stdout)
        except CommError:
            raise
        except Exception as exc:  # serial, socket, timeouts, gurux protocol errors
            raise CommError("%s: %s" % (type(exc).__name__, exc))

    def open(self):
        self._call(self.mc.open)
        return self

    def close(self):
        try:
            self.mc.close()
        except Exception:
            pass

    def _raw(self, requests):
        from gurux_dlms import GXReplyData
        return self._call(lambda: self.mc._block(requests, GXReplyData(), check=False))

    def _get(self, obj, attr):
        """GET one attribute; NotAvailable when the meter answers with a
        data-access-result error (e.g. object undefined)."""
        reply = self._raw(self.mc.client.read(obj, attr))
        if reply.error:
            self.note("GET %d %s attr %d -> data-access-result %d"
                      % (obj.objectType, obj.logicalName, attr, reply.error))
            raise NotAvailable("%s attribute %d: data-access-result %d"
                               % (obj.logicalName, attr, reply.error))
        return self._call(lambda: self.mc.client.updateValue(obj, attr, reply.value))

    def enter(self, octets):
        """Method 1 enter(octet-string); returns the action result (0 = success)."""
        from gurux_dlms.enums import DataType
        from gurux_dlms.objects import GXDLMSTokenGateway
        tg = GXDLMSTokenGateway(OBIS_GATEWAY)
        err = self._raw(self.mc.client.method(tg, 1, bytes(octets), DataType.OCTET_STRING)).error
        self.note("ACTION 115 %s method 1 enter(octet-string %s) -> action result %d"
                  % (OBIS_GATEWAY, bytes(octets).hex(), err))
        if err == HARDWARE_FAULT:
            # the meter failed while processing: as good as a reset in the middle
            # of the step, not an STS outcome (run again with --resume)
            raise CommError("the meter reported a hardware fault while processing the token "
                            "(action result 1)")
        return err

    def note(self, text):
        """The plain meaning of the frames just logged (they are ciphered)."""
        self.log.append(("APP", text.encode()))

    def status(self):
        """token_status -> (status_code, data_value as an integer)."""
        from gurux_dlms.objects import GXDLMSTokenGateway
        tg = GXDLMSTokenGateway(OBIS_GATEWAY)
        self._get(tg, 6)
        dv = str(tg.dataValue or "")
        self.note("GET 115 %s attr 6 token_status -> {status_code %s, data_value '%s'}"
                  % (OBIS_GATEWAY, tg.statusCode, dv))
        return int(tg.statusCode), (int(dv, 2) if dv else 0)

    def credit(self):
        from gurux_dlms.objects import GXDLMSCredit
        c = GXDLMSCredit(OBIS_CREDIT)
        v = int(self._get(c, 2))
        self.note("GET 112 %s attr 2 current_credit_amount -> %d" % (OBIS_CREDIT, v))
        return v

    def mpl(self):
        from gurux_dlms.objects import GXDLMSRegister
        r = GXDLMSRegister(self.mpl_obis)
        v = int(self._get(r, 2))
        self.note("GET 3 %s attr 2 -> %d" % (self.mpl_obis, v))
        return v

    def _data(self, obis):
        from gurux_dlms.objects import GXDLMSData
        d = GXDLMSData(obis)
        return self._get(d, 2)

    def drn(self):
        v = self._data(OBIS_DRN)
        return v.decode() if isinstance(v, (bytes, bytearray)) else str(v)

    def cts_write(self, uut):
        """Write the CTS register (unsigned); returns the data-access result (0 = success)."""
        from gurux_dlms.enums import DataType
        from gurux_dlms.objects import GXDLMSData
        d = GXDLMSData(OBIS_CTS)
        d.value = uut
        d.setDataType(2, DataType.UINT8)
        err = self._raw(self.mc.client.write(d, 2)).error
        self.note("SET 1 %s attr 2 unsigned %d -> data-access-result %d" % (OBIS_CTS, uut, err))
        return err

    def cts_status(self):
        """[state 0 never / 1 active / 2 ended, UUT, timer s, exit reason]."""
        v = [int(x) for x in self._data(OBIS_CTS_STATUS)]
        self.note("GET 1 %s attr 2 -> %s" % (OBIS_CTS_STATUS, v))
        return v

    def relay_closed(self):
        from gurux_dlms.objects import GXDLMSDisconnectControl
        dc = GXDLMSDisconnectControl(OBIS_DISCONNECT)
        return bool(self._get(dc, 2))


# ---------------------------------------------------------------------------
# keys and the runner's view of the meter's STS state

KEY_FIELDS = ("ea", "key", "kt", "krn", "ti", "sgc", "ken", "base_date")


def derive_key(ident, kt, sgc, ti, krn, base_date):
    """Decoder key from the vending key (DKGA02/04, sts.md 8), or None."""
    if not ident.get("vk"):
        return None
    import stskeys
    vk = bytes.fromhex(ident["vk"])
    if ident.get("dkga", 2) == 2:
        return stskeys.dkga02(vk, ident["pan"], kt, sgc, ti, krn).hex()
    return stskeys.dkga04(vk, ident["pan"], kt, sgc, ti, krn, ident["ea"], base_date).hex()


def test_key(cur, label):
    """A decoder key for a key change when no vending key is known: any key
    the meter has not got works (the meter never sees how it was made)."""
    n = 8 if cur["ea"] == 7 else 16
    return hashlib.sha256((cur["key"] + label).encode()).hexdigest()[:2 * n]


def new_key_state(ident, cur, label, **changes):
    new = dict(cur)
    new.update(changes)
    k = derive_key(ident, new["kt"], new["sgc"], new["ti"], new["krn"], new["base_date"])
    if k is None or k == cur["key"]:
        k = test_key(cur, label)
    new["key"] = k
    return new


def luhn_digit(digits):
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)


def pan_of(drn):
    body = ("600727" if len(drn) == 11 else "0000") + drn
    return body + luhn_digit(body)


def mfr_code_of(drn):
    return int(drn[:2]) if len(drn) == 11 else int(drn[:4])


# ---------------------------------------------------------------------------
# steps

class StepFailed(Exception):
    pass


class StepSkipped(Exception):
    pass


class Ctx:
    """What a step sees: the gateway, the options, the tracked STS state and
    the TID timeline, and its own list of checks."""

    def __init__(self, gw, args, state, save):
        self.gw = gw
        self.args = args
        self.state = state
        self._save = save
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
        st, _ = ctx.gw_send_quiet(ctx.credit_token(1))
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
        st, _ = ctx.gw_send_quiet(ctx.credit_token(amount.MAX_UNITS))
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
    t0 = time.monotonic()
    time.sleep(wait)
    b = ctx.gw.cts_status()
    dt = time.monotonic() - t0
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


def _send_quiet(self, token):
    """Enter a token without recording a check (bulk filling)."""
    self.gw.enter(pack(token, self.args.encoding))
    return self.gw.status()


Ctx.gw_send_quiet = _send_quiet
STEPS.sort(key=lambda s: s["num"])
FAST = [s["num"] for s in STEPS if s["fast"]]


# ---------------------------------------------------------------------------
# identity, state, selection

def set_profile(state, uut):
    """The runner's view after the meter took UUT profile `uut` (cts_profiles)."""
    p = cts_profiles.PROFILES[uut]
    drn = state["identity"]["drn"]
    if drn not in p["keys"]:
        raise ValueError("UUT profiles hold keys for the reserved DRNs only, not %s" % drn)
    cur = {"ea": p["ea"], "key": p["keys"][drn], "kt": p["kt"], "krn": p["krn"], "ti": p["ti"],
           "sgc": p["sgc"], "ken": p["ken"], "base_date": p["base_date"]}
    state["current"] = cur
    state["identity"].update({"vk": cts_profiles.VENDING_KEYS[p["dkga"]], "dkga": p["dkga"],
                              "pan": cts_profiles.PANS[drn], "ea": p["ea"]})
    state["uut"] = uut


def parse_steps(text):
    out = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            a, b = part.split("-", 1)
            out.extend(range(int(a), int(b) + 1))
        else:
            out.append(int(part))
    known = set(s["num"] for s in STEPS)
    return [n for n in sorted(set(out)) if n in known]


def start_tid(base_date, text=None):
    """First TID of the timeline: --start, else now (base date 2014), else a
    date inside the base date's range."""
    if text:
        d, _, t = text.partition("T")
        y, m, dd = (int(x) for x in d.split("-"))
        hh, mm = (int(x) for x in t.split(":")) if t else (0, 0)
        return vend.tid_for(base_date, y, m, dd, hh, mm)
    if base_date == 1993:
        return vend.tid_for(1993, 2004, 3, 1, 13, 0)  # the CTS suites' era
    if base_date == 2035:
        return vend.tid_for(2035, 2035, 3, 1, 13, 0)
    g = time.gmtime()
    return vend.tid_for(base_date, g.tm_year, g.tm_mon, g.tm_mday, g.tm_hour, g.tm_min)


def initial_state(args, gw):
    try:
        drn = args.drn or gw.drn()
    except NotAvailable as exc:
        raise SystemExit("error: cannot read the DRN (%s); give --drn" % exc)
    ident = {"drn": drn, "pan": args.pan or pan_of(drn), "vk": args.vending_key,
             "dkga": args.dkga, "ea": args.ea}
    state = {"identity": ident, "completed": {}, "pending_key": None, "uut": None}
    if args.uut:
        set_profile(state, args.uut)
    else:
        cur = {"ea": args.ea, "key": args.key, "kt": args.kt, "krn": args.krn, "ti": args.ti,
               "sgc": args.sgc, "ken": args.ken, "base_date": args.base_date}
        if not cur["key"]:
            cur["key"] = derive_key(ident, args.kt, args.sgc, args.ti, args.krn, args.base_date)
        if not cur["key"]:
            raise SystemExit("error: give --key, or --vending-key (with --dkga, --sgc, ...), "
                             "or --uut")
        state["current"] = cur
    state["original"] = dict(state["current"])
    state["next_tid"] = start_tid(state["current"]["base_date"], args.start)
    state["min_tid"] = state["next_tid"]
    return state


def restore_step_key(ctx, num):
    """Steps change keys and undo the change. When a step was interrupted (meter
    reset) after a change, put the key it started with back before running it
    again, so that its own undo ends on that key."""
    st = ctx.state.get("step")
    if st and st["num"] == num and st["key"] != ctx.cur:
        start = dict(st["key"])
        if start["base_date"] != ctx.cur["base_date"]:  # a rollover cannot be undone
            start["base_date"] = ctx.cur["base_date"]
        ctx.key_change("restore the key of the interrupted run of this step", start)
    ctx.state["step"] = {"num": num, "key": dict(ctx.cur)}
    ctx.save()


def probe_pending(ctx):
    """After an interrupted key change: find which key the meter holds with a
    harmless ClearTamper token (CRC error = not this key)."""
    pend = ctx.state.get("pending_key")
    if not pend:
        return
    for cand in (pend, ctx.cur):
        t = ctx.vend(2, 5, key=cand["key"])
        ctx.gw.enter(pack(t, ctx.args.encoding))
        st, _ = ctx.gw.status()
        if st != 5:
            ctx.state["current"] = dict(cand)
            break
    ctx.state["pending_key"] = None
    ctx.save()


# ---------------------------------------------------------------------------
# reports

def hexdump(log, limit=400):
    out = []
    for d, b in log[-limit:]:
        out.append("== %s" % b.decode() if d == "APP" else "%s %s" % (d, b.hex(" ")))
    return "\n".join(out)


def _fmt(d):
    return ", ".join("%s=%s" % (k, v) for k, v in d.items())


def write_html(path, report):
    e = html.escape
    rows = []
    for r in report["steps"]:
        cls = {"pass": "p", "fail": "f", "skip": "s", "error": "f"}[r["outcome"]]
        checks = "".join(
            "<tr class='%s'><td>%s</td><td><code>%s</code></td><td>%s</td><td>%s</td></tr>"
            % ("p" if c["ok"] else "f", e(c["what"]), e(c["token"]), e(_fmt(c["expect"])),
               e(_fmt(c["observed"]))) for c in r.get("checks", []))
        extra = ""
        if r.get("message"):
            extra += "<p>%s</p>" % e(r["message"])
        if r["outcome"] in ("fail", "error") and r.get("exchange"):
            extra += "<details open><summary>DLMS exchange of this step: HDLC frames in hex " \
                "(TX to the meter, RX from it; ciphered APDUs), each request's meaning after " \
                "'=='</summary><pre>%s</pre></details>" \
                % e(r["exchange"])
        rows.append("<tr class='%s'><td>%d</td><td>%s</td><td>%s</td><td>%.2f s</td></tr>"
                    "<tr><td></td><td colspan='3'><table class='c'><tr><th>check</th><th>token</th>"
                    "<th>expected</th><th>observed</th></tr>%s</table>%s</td></tr>"
                    % (cls, r["num"], e(r["name"]), r["outcome"].upper(), r.get("seconds", 0),
                       checks, extra))
    s = report["summary"]
    doc = """<!DOCTYPE html><html><head><meta charset="utf-8">
<title>STS token gateway conformance</title><style>body{font-family:sans-serif;margin:1em}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:2px 6px;vertical-align:top;font-size:13px}
tr.p>td:nth-child(3){color:#060}tr.f>td{background:#fdd}tr.s>td{color:#888}
table.c{width:100%%}pre{font-size:11px;white-space:pre-wrap}</style></head><body>
<h1>STS token gateway conformance</h1>
<p>Meter DRN %s on %s, %s. Started %s. <b>%d passed, %d failed, %d skipped</b>.</p>
<table><tr><th>step</th><th>name</th><th>result</th><th>time</th></tr>%s</table>
<p>Steps are modelled on the STS compliance tests (STS 531 series as derived in public
vectors); this is not an STS Association certification.</p></body></html>
""" % (e(report["meter"]["drn"]), e(report["port"]), e(_fmt(report["meter"]["start_key"])),
       e(report["started"]), s["pass"], s["fail"], s["skip"], "".join(rows))
    with open(path, "w") as f:
        f.write(doc)


# ---------------------------------------------------------------------------

def build_parser():
    from meterclient import add_connection_args
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog=__doc__.split("\n\n", 1)[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    add_connection_args(ap)
    g = ap.add_argument_group("meter identity and keys")
    g.add_argument("--drn", help="the meter's DRN (default: read 0.0.96.1.0.255)")
    g.add_argument("--pan", help="MeterPAN (default: from the DRN)")
    g.add_argument("--ea", type=int, choices=(7, 11), default=7)
    g.add_argument("--key", help="decoder key (hex)")
    g.add_argument("--vending-key", help="vending key (hex) to derive decoder keys")
    g.add_argument("--dkga", type=int, choices=(2, 4), default=2)
    g.add_argument("--kt", type=int, default=2)
    g.add_argument("--krn", type=int, default=1)
    g.add_argument("--ti", type=int, default=1)
    g.add_argument("--sgc", type=int, default=123456)
    g.add_argument("--ken", type=int, default=255)
    g.add_argument("--base-date", type=int, choices=(1993, 2014, 2035), default=2014)
    g.add_argument("--uut", type=int, choices=(1, 2, 3, 4),
                   help="the meter is in CTS test mode with this UUT profile")
    g.add_argument("--enter-cts", action="store_true",
                   help="write --uut to the CTS register first (reserved DRNs only)")
    c = ap.add_argument_group("what the meter supports")
    c.add_argument("--subclasses", default="0",
                   help="class 0 sub-classes the meter credits (default 0)")
    c.add_argument("--metered-subclass", type=int, default=0,
                   help="the sub-class whose register 0.0.19.10.0.255 shows")
    c.add_argument("--credit-limit", type=int, default=CREDIT_LIMIT,
                   help="largest credit register value in token units (0: skip Overflow)")
    c.add_argument("--tid-memory", type=int, default=64, help="TIDs the meter remembers")
    c.add_argument("--mpl-obis", default=OBIS_MPL, help="register holding the MPL in W ('' none)")
    c.add_argument("--no-ddtk", action="store_true", help="skip the DDTK step")
    c.add_argument("--no-rollover", action="store_true", help="skip the RO (rollover) step")
    c.add_argument("--no-result-check", action="store_true",
                   help="do not expect the STS result code in token_status data_value")
    c.add_argument("--no-credit-check", action="store_true", help="do not read the credit")
    c.add_argument("--credit-tolerance", type=int, default=0,
                   help="units a credit change may fall short by (a meter with a load "
                        "consumes while the runner reads)")
    c.add_argument("--cts-timer-wait", type=float, default=12.0,
                   help="seconds to watch the CTS timer in step 42 (default 12)")
    c.add_argument("--cts-exit", action="store_true",
                   help="run the destructive CTS exit step (the meter leaves CTS mode for good)")
    c.add_argument("--encoding", choices=("ascii", "bcd", "binary"), default="ascii",
                   help="how a token travels in the enter octet-string (default ascii)")
    r = ap.add_argument_group("run")
    r.add_argument("--steps", help="e.g. 1,3-5 (default: all)")
    r.add_argument("--fast", action="store_true", help="only the fast steps")
    r.add_argument("--start", help="first TID as a date YYYY-MM-DD[THH:MM] in the base date")
    r.add_argument("--resume", metavar="STATE.json",
                   help="keep the run state here; run again to continue after a reset")
    r.add_argument("--json", metavar="FILE")
    r.add_argument("--html", metavar="FILE")
    r.add_argument("--list", action="store_true", help="list the steps and exit")
    r.add_argument("--quiet", action="store_true")
    return ap


def run(args, out=sys.stdout):
    """Runs the selected steps; returns (exit status, report dict)."""
    args.subclasses = [int(x) for x in str(args.subclasses).split(",") if x.strip()]
    selected = parse_steps(args.steps) if args.steps else [s["num"] for s in STEPS]
    if args.fast:
        selected = [n for n in selected if n in FAST]
    say = (lambda *a: None) if args.quiet else (lambda s: (out.write(s), out.flush()))
    gw = Gateway(args)
    try:
        gw.open()
    except CommError as exc:
        say("error: cannot associate with the meter: %s\n" % exc)
        return 2, None
    state = None
    if args.resume and os.path.exists(args.resume):
        with open(args.resume) as f:
            state = json.load(f)
    if state is None:
        try:
            state = initial_state(args, gw)
        except (CommError, ValueError) as exc:
            say("error: %s\n" % exc)
            gw.close()
            return 2, None

    def save():
        if args.resume:
            tmp = args.resume + ".tmp"
            with open(tmp, "w") as f:
                json.dump(state, f, indent=1)
            os.replace(tmp, args.resume)

    ctx = Ctx(gw, args, state, save)
    code = 0
    results = [None] * len(selected)
    try:
        if args.uut and args.enter_cts and not state.get("cts_entered"):
            err = gw.cts_write(args.uut)
            st = gw.cts_status()
            if st[0] != 1 or st[1] != args.uut:
                say("error: the meter did not enter CTS UUT %d (access result %d, status %s)\n"
                    % (args.uut, err, st))
                return 2, None
            state["cts_entered"] = True
            save()
        probe_pending(ctx)
        by_num = dict((s["num"], s) for s in STEPS)
        say("STS token gateway conformance: DRN %s, %s, EA%02d, key %s, steps %s\n"
            % (state["identity"]["drn"], args.port, state["current"]["ea"],
               state["current"]["key"], ",".join(str(n) for n in selected)))
        say("%-4s %-64s %-6s %s\n" % ("step", "name", "result", "time"))
        for i, num in enumerate(selected):
            s = by_num[num]
            done = state["completed"].get(str(num))
            if done is not None:
                results[i] = dict(done, resumed=True)
                say("%4d %-64s %-6s (earlier run)\n" % (num, s["name"][:64],
                                                         done["outcome"].upper()))
                continue
            say("[%d/%d] %4d %-56s " % (i + 1, len(selected), num, s["name"][:56]))
            ctx.checks = []
            del gw.log[:]
            t0 = time.monotonic()
            outcome, msg = "pass", ""
            try:
                restore_step_key(ctx, num)
                s["fn"](ctx)
                if not all(c["ok"] for c in ctx.checks):
                    outcome = "fail"
            except StepSkipped as exc:
                outcome, msg = "skip", str(exc)
            except StepFailed as exc:
                outcome, msg = "fail", str(exc)
            except NotAvailable as exc:
                outcome, msg = "fail", "not readable: %s" % exc
            except CommError as exc:
                outcome, msg = "error", "communication: %s" % exc
            rec = {"num": num, "name": s["name"], "outcome": outcome, "message": msg,
                   "seconds": round(time.monotonic() - t0, 3), "checks": ctx.checks}
            if outcome in ("fail", "error"):
                rec["exchange"] = hexdump(gw.log)
            results[i] = rec
            say("%-6s %.2f s%s\n" % (outcome.upper(), rec["seconds"],
                                     (" (%s)" % msg) if msg else ""))
            if not args.quiet and outcome == "fail":
                for c in ctx.checks:
                    if not c["ok"]:
                        say("       %s: expected %s, observed %s\n"
                            % (c["what"], _fmt(c["expect"]), _fmt(c["observed"])))
            if outcome == "error":
                code = 2
                say("stopped: the meter does not answer (reset?). Run again with the same "
                    "--resume file to continue.\n" if args.resume else
                    "stopped: the meter does not answer.\n")
                break
            state["completed"][str(num)] = rec
            state["step"] = None
            save()
    finally:
        gw.close()
    done = [r for r in results if r is not None]
    summary = {"pass": sum(r["outcome"] == "pass" for r in done),
               "fail": sum(r["outcome"] in ("fail", "error") for r in done),
               "skip": sum(r["outcome"] == "skip" for r in done),
               "not_run": len(results) - len(done)}
    if code == 0 and (summary["fail"] or summary["not_run"]):
        code = 1
    report = {"tool": "stsmeter tools/cts.py", "port": args.port,
              "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "meter": {"drn": state["identity"]["drn"], "uut": state.get("uut"),
                        "start_key": {k: state["original"][k] for k in KEY_FIELDS},
                        "end_key": {k: state["current"][k] for k in KEY_FIELDS},
                        "next_tid": state["next_tid"],
                        "next_tid_date": "%04d-%02d-%02dT%02d:%02d" % tidmod.to_date(
                            state["current"]["base_date"], state["next_tid"])},
              "selected": selected, "summary": summary, "steps": done,
              "failed_steps": [r["num"] for r in done if r["outcome"] in ("fail", "error")]}
    say("%d passed, %d failed, %d skipped%s\n"
        % (summary["pass"], summary["fail"], summary["skip"],
           (", %d not run" % summary["not_run"]) if summary["not_run"] else ""))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
    if args.html:
        write_html(args.html, report)
    return code, report


def main(argv=None):
    ap = build_parser()
    args = ap.parse_args(argv)
    if args.list:
        for s in STEPS:
            print("%4d  %-10s %s%s" % (s["num"], s["group"], s["name"],
                                       "" if s["fast"] else "  [slow]"))
        return 0
    code, _ = run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
