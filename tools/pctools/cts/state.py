"""The runner's view of the meter's STS state: its keys (what the meter
should hold now), how a new key is made, the UUT profiles' keys (meter.cts_profiles)
and the TID timeline's start."""
import hashlib
import time

from meter import cts_profiles
from sts import vend
from pctools import stskeys

KEY_FIELDS = ("ea", "key", "kt", "krn", "ti", "sgc", "ken", "base_date")


def derive_key(ident, kt, sgc, ti, krn, base_date):
    """Decoder key from the vending key (DKGA02/04, sts.md 8), or None."""
    if not ident.get("vk"):
        return None
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


def mfr_code_of(drn):
    return int(drn[:2]) if len(drn) == 11 else int(drn[:4])


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
