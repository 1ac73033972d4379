"""tools/sim.py --drn and --profile cts-uutN (tools/pctools/simprovision.py):
a new virtual meter on a chosen DRN with the key its PAN derives, or a
CTS-ready meter with a UUT profile's keys; a folder holding another meter
is refused with one line."""
import json
import subprocess
import sys

import pytest

import provision
from meter import cts_profiles
from pctools import simprovision, stskeys

from test_sim_e2e import SIM, Sim


def test_drn_gets_the_key_its_pan_derives():
    # the development meter follows the same rule: DKGA02(abab.., PAN)
    dev = simprovision.provisioning(drn=provision.DEV_PROVISION["drn"])
    assert dev == {"drn": "11111111115", "key": provision.DEV_PROVISION["key"]}
    # on a reserved DRN it is UUT 1's key (same vending key, SGC, KRN; sts.md dk-001)
    assert simprovision.provisioning(drn="00000000000")["key"] == \
        cts_profiles.PROFILES[1]["keys"][cts_profiles.DRN_11]
    p = simprovision.provisioning(drn="0100000000008")
    assert p["key"] == stskeys.dkga02(bytes.fromhex("abababababababab"), "000001000000000082", 2,
                                      123456, 1, 1).hex()
    for bad in ("1111111111", "11111111114", "123456789012", "1111111111x"):
        with pytest.raises(ValueError):
            simprovision.provisioning(drn=bad)


def test_profiles_take_the_uut_values():
    p = simprovision.provisioning(profile="cts-uut4")
    u = cts_profiles.PROFILES[4]
    assert p["drn"] == "00000000000" and p["key"] == u["keys"]["00000000000"]
    assert (p["ea"], p["krn"], p["sgc"], p["base_date"]) == (11, 4, 123457, 2014)
    p13 = simprovision.provisioning(drn="0100000000008", profile="cts-uut2")
    assert p13["key"] == cts_profiles.PROFILES[2]["keys"]["0100000000008"] and p13["ea"] == 11
    with pytest.raises(ValueError, match="reserved DRN"):
        simprovision.provisioning(drn="11111111115", profile="cts-uut1")
    with pytest.raises(ValueError, match="cts-uut1, cts-uut2, cts-uut3, cts-uut4"):
        simprovision.provisioning(profile="cts-uut5")


def test_prepare_writes_once_and_refuses_another_meter(tmp_path):
    root = str(tmp_path / "m")
    want = simprovision.provisioning(profile="cts-uut1")
    assert "decoder key e653341f9d5bf36f" in simprovision.prepare(root, want)
    assert json.load(open(root + "/provision.json")) == want
    from hal.fs import FileSystem
    assert provision.load(FileSystem(root), "/data") == (want, provision.FILE)  # committed
    assert "provisioned before" in simprovision.prepare(root, want)
    with pytest.raises(ValueError, match="holds meter 00000000000 already"):
        simprovision.prepare(root, simprovision.provisioning(profile="cts-uut2"))


def test_sim_profile_makes_a_cts_ready_meter(tmp_path):
    """make sim SIM_ARGS="--profile cts-uut1": UUT 1's token of docs/cts.md
    (5.0 kWh, DRN 00000000000) is accepted, CTS test mode may be entered; the
    same option on that folder runs the same meter, another is refused."""
    data = tmp_path / "cts"
    sim = Sim(data, extra=["--profile", "cts-uut1"])
    try:
        st = json.loads(sim.ctl("status")[3:])
        assert st["source"] == "file"
        assert sim.ctl("keys 25972364710510110649#") == "OK Accept 01"
        assert sim.ctl("keys 8801#") == "OK CTS 01"
        sim.quit()
        sim = Sim(data, extra=["--profile", "cts-uut1"])
        assert json.loads(sim.ctl("status")[3:])["source"] == "stored"
        sim.quit()
    finally:
        if sim.proc.poll() is None:
            sim.kill()
    p = subprocess.run([sys.executable, SIM, "--drn", "12345678903", "--data", str(data),
                        "--headless"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and p.stderr.strip() == (
        "error: %s holds meter 00000000000 already; a new meter needs a new --data folder"
        % data)
