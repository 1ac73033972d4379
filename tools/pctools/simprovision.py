"""provision.json for the virtual meter (tools/sim.py --drn, --profile).

The virtual meter is provisioned as a board is (firmware/provision.py): a
provision.json in its root folder is read at its first start and committed.

  --drn DRN            the development meter on DRN (11 or 13 digits, Luhn
                       check digit), with the decoder key that belongs to its
                       PAN: DKGA02(development vending key abababababababab,
                       PAN, KT 2, SGC 123456, TI 1, KRN 1) (sts.md 8), the
                       rule the development DRN 11111111115 follows too;
  --profile cts-uutN   a CTS-ready meter: DRN 00000000000 (or --drn
                       0100000000008, the other reserved DRN, cts-mode.md
                       CTS-4) with UUT profile N's EA, key, KT, KRN, TI, SGC and
                       base date (meter/cts_profiles.py): the conformance
                       runner's --uut N works on it at once, and CTS test mode
                       (88NN on the keypad, --enter-cts) may be entered.

A folder that holds a meter already must hold that meter: a different one is
refused (provisioning happens once; use a new --data folder).
"""
import json
import os

from meter import cts_profiles
from pctools import stskeys
from provision import DEV_PROVISION

PROFILE = "cts-uut"
PROFILES = tuple(PROFILE + str(n) for n in sorted(cts_profiles.PROFILES))
DEV_VENDING_KEY = cts_profiles.VENDING_KEYS[2]  # the key DEV_PROVISION's decoder key comes from
_STS_KEYS = ("ea", "kt", "krn", "ti", "sgc", "ken", "base_date")


def check_drn(drn):
    if not (drn.isdigit() and len(drn) in (11, 13)) or stskeys.luhn_digit(drn[:-1]) != drn[-1]:
        raise ValueError("DRN %r: 11 or 13 digits ending in their Luhn check digit" % drn)


def provisioning(drn=None, profile=None):
    """The provision.json values for --drn and/or --profile."""
    if profile is not None:
        if profile not in PROFILES:
            raise ValueError("profile %r: one of %s" % (profile, ", ".join(PROFILES)))
        drn = drn or cts_profiles.DRN_11
        p = cts_profiles.PROFILES[int(profile[len(PROFILE):])]
        if drn not in p["keys"]:
            raise ValueError("a CTS profile needs a reserved DRN: %s or %s"
                             % (cts_profiles.DRN_11, cts_profiles.DRN_13))
        out = {k: p[k] for k in _STS_KEYS}
        out.update(drn=drn, key=p["keys"][drn])
        return out
    check_drn(drn)
    d = DEV_PROVISION
    key = stskeys.dkga02(bytes.fromhex(DEV_VENDING_KEY), stskeys.pan_of(drn), d["kt"], d["sgc"],
                         d["ti"], d["krn"])
    return {"drn": drn, "key": key.hex()}


def prepare(root, want, data_dir="/data"):
    """Write ROOT/provision.json for a new meter, or check that the meter in
    ROOT was provisioned with `want`. Returns a line for the user; ValueError
    when ROOT holds another meter."""
    from hal.fs import FileSystem
    from store.state import StateStore
    try:
        rec = StateStore(FileSystem(root), data_dir + "/prov").load()
    except OSError:
        rec = {}  # a damaged record: not this meter's provisioning
    if rec is not None:
        if all(rec.get(k) == v for k, v in want.items()):
            return "meter %s in %s (provisioned before)" % (want["drn"], root)
        raise ValueError("%s holds meter %s already; a new meter needs a new --data folder"
                         % (root, rec.get("drn", "?")))
    if os.path.exists(os.path.join(root, data_dir.strip("/"), "meter")):
        raise ValueError("%s holds a meter on the development keys already; a new meter needs a "
                         "new --data folder" % root)
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, "provision.json"), "w") as f:
        json.dump(want, f)
    return "meter %s in %s: decoder key %s, EA%02d, SGC %d, KRN %d, base date %d" % (
        want["drn"], root, want["key"], want.get("ea", DEV_PROVISION["ea"]),
        want.get("sgc", DEV_PROVISION["sgc"]), want.get("krn", DEV_PROVISION["krn"]),
        want.get("base_date", DEV_PROVISION["base_date"]))
