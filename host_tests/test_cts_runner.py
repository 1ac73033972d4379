"""tools/cts.py against our virtual meter (App + boards/host/tcp_optical over
TCP, gurux-dlms on the client side): every step passes on a sound meter, for
the development meter and for each CTS UUT profile; against deliberately
broken meters (host_tests/cts_faults.py, test-only process wrappers) exactly
the steps that exercise the fault fail.

The full suite runs for the development meter, the fast steps for every
fault. Each UUT profile runs the fast steps, which hold everything that
depends on the profile (its EA, DKGA, key and base date: credit, key changes,
the published tokens, profile changes); the CTS timer and the destructive CTS
exit do not depend on it and run once, on UUT 2 (EA11, DKGA04: the profile
furthest from the development meter), and the other slow steps (Old,
Overflow) with the development meter's full suite. The CTS timer steps run
on the meter's clock driven by the test (MeterTime), not in real time."""
import json
import os
import subprocess
import sys
import time

import pytest

import provision
from cts_faults import FAULTS, SLOW_FAULTS
from meter_tcp import MeterTcp
from pctools import cts, stskeys
from pctools.cts import state as cts_state, steps as cts_steps
from pctools.gateway import pack

HERE = os.path.dirname(os.path.abspath(__file__))

P = provision.DEV_PROVISION  # its key is DKGA02 of the CTS test vending key
DEV_ARGS = ["--key", P["key"], "--vending-key", "abababababababab", "--sgc", str(P["sgc"]),
            "--base-date", str(P["base_date"])]


class MeterTime:
    """Step 42's timer for a meter whose clock is this: sleep(s) moves the
    meter's clock on by s seconds and ticks the meter once a second, as its
    board would, without waiting s seconds of real time."""

    def __init__(self):
        self.t = 0
        self.meter = None

    def clock(self):
        return self.t

    def monotonic(self):
        return float(self.t)

    def sleep(self, s):
        for _ in range(int(s)):
            self.t += 1
            self.meter.call(lambda: self.meter.host.tick())


@pytest.fixture
def meter_factory(tmp_path):
    """Virtual meters (boards/host/hostmeter on a host folder, served by
    boards/host/tcp_optical on a free loopback port), ticked every second
    like a board."""
    started = []

    def make(provision=None, name="m", **host):
        m = MeterTcp(str(tmp_path / name), provision or {}, tick_s=1, **host)
        started.append(m)
        return m

    yield make
    for m in started:
        m.stop()


def run_cts(meter, extra, tmp_path, timer=time):
    rep = str(tmp_path / "report.json")
    code, report = cts.run(cts.build_parser().parse_args(
        ["--port", meter.url, "--quiet", "--json", rep] + extra), timer=timer)
    with open(rep) as f:
        assert json.load(f)["summary"] == report["summary"]
    return code, report


def test_full_suite_passes_on_the_development_meter(meter_factory, tmp_path):
    m = meter_factory()
    html = str(tmp_path / "r.html")
    code, rep = run_cts(m, DEV_ARGS + ["--html", html], tmp_path)
    assert rep["failed_steps"] == [], rep["steps"]
    assert code == 0
    ran = [r["num"] for r in rep["steps"] if r["outcome"] == "pass"]
    # everything but the CTS-mode steps (39, 41, 42 need --uut, 43 --cts-exit)
    assert ran == [s["num"] for s in cts_steps.STEPS if s["num"] not in (39, 41, 42, 43)]
    assert all(c["ok"] for r in rep["steps"] for c in r["checks"])
    assert sum(len(r["checks"]) for r in rep["steps"]) > 80
    text = open(html).read()
    assert "<html" in text and "23 passed, 0 failed" in text.replace("<b>", "")
    # the meter ends with its original key
    assert rep["meter"]["end_key"]["key"] == "9ca1fc37b27dac93"


@pytest.mark.parametrize("uut", [1, 2, 3, 4])
def test_suite_passes_for_each_uut_profile(meter_factory, tmp_path, uut):
    drn = "0100000000008" if uut == 2 else "00000000000"  # DRNs with published tokens
    full = uut == 2  # the CTS steps that do not depend on the profile: once (module doc)
    timer = MeterTime()
    m = timer.meter = meter_factory({"drn": drn}, clock=timer.clock)
    fast = ",".join(str(n) for n in cts_steps.FAST)
    extra = ["--uut", str(uut), "--enter-cts"] + (
        ["--steps", fast + ",42,43", "--cts-exit", "--cts-timer-wait", "7"] if full else ["--fast"])
    code, rep = run_cts(m, extra, tmp_path, timer)
    assert rep["failed_steps"] == [], [r for r in rep["steps"] if r["outcome"] != "pass"]
    assert code == 0
    outcomes = dict((r["num"], r["outcome"]) for r in rep["steps"])
    assert outcomes[41] == "pass" and outcomes[40] == "skip"
    # published CTS tokens exist for these keys but not for UUT 3 (DKGA04 with EA07)
    assert outcomes[39] == ("skip" if uut == 3 else "pass")
    assert outcomes[43] == ("pass" if full else "skip")
    if full:
        assert outcomes[42] == "pass"
    assert m.app.meter.cts.active() != full


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_broken_meter_fails_exactly_the_right_steps(meter_factory, tmp_path, fault):
    wrapper, expected = FAULTS[fault]
    m = meter_factory({"meter": {"process": wrapper}})
    code, rep = run_cts(m, DEV_ARGS + ["--fast"], tmp_path)
    assert code == 1
    assert rep["failed_steps"] == expected
    failed = [r for r in rep["steps"] if r["outcome"] == "fail"]
    assert all(r.get("exchange", "").startswith("TX 7e") for r in failed)  # HDLC captured
    assert all(any(not c["ok"] for c in r["checks"]) for r in failed)


def test_reports_name_the_tool_and_the_meter_and_start_with_the_failures(meter_factory,
                                                                         tmp_path):
    m = meter_factory({"meter": {"process": FAULTS["accepts_used"][0]}})
    m.app.firmware_info = lambda: (b"stsmeter-9.9.9", b"")  # as a meter updated to an image
    code, rep = run_cts(m, DEV_ARGS + ["--steps", "1,7", "--trace"], tmp_path)
    assert code == 1 and list(rep)[:4] == ["tool", "summary", "failed_steps", "failures"]
    assert rep["meter"]["firmware_id"] == "stsmeter-9.9.9" and rep["meter"]["drn"] == "11111111115"
    def git(*args):
        return subprocess.run(("git",) + args, cwd=os.path.dirname(HERE), capture_output=True,
                              text=True).stdout.strip()
    assert rep["tool"]["commit"] == git("rev-parse", "HEAD")
    assert rep["tool"]["version"] == git("describe", "--tags", "--always", "--dirty")
    [f] = rep["failures"]
    assert f["num"] == 7 and f["name"] == "Used: the same credit token twice"
    assert f["checks"] == ["second entry (Used): expected status 6 validation failure, result 10 "
                           "Used error, credit_delta=0, observed status 3 executed, "
                           "action_result=0, result 1 Accept, credit_delta=5"]
    assert all(r["exchange"].startswith("TX 7e") for r in rep["steps"])  # --trace: every step
    # without --trace only the failed step's frames; a meter without a firmware id
    _drop_objects(m, (1, 0, 0, 2, 0, 255))
    code, rep = run_cts(m, DEV_ARGS + ["--steps", "1,7", "--start", "2030-01-01"], tmp_path)
    assert rep["meter"]["firmware_id"] is None
    assert [("exchange" in r) for r in rep["steps"]] == [False, True]


@pytest.mark.parametrize("fault", sorted(SLOW_FAULTS))
def test_broken_meter_slow_steps(meter_factory, tmp_path, fault):
    wrapper, expected = SLOW_FAULTS[fault]
    m = meter_factory({"meter": {"process": wrapper}})
    code, rep = run_cts(m, DEV_ARGS + ["--steps", "1,30,31"], tmp_path)
    assert code == 1 and rep["failed_steps"] == expected


@pytest.mark.parametrize("encoding", ["bcd", "binary"])
def test_other_token_encodings(meter_factory, tmp_path, encoding):
    m = meter_factory()
    code, rep = run_cts(m, DEV_ARGS + ["--encoding", encoding, "--steps", "1-8,20,31,32"],
                        tmp_path)
    assert code == 0, rep["failed_steps"]
    # the last token the gateway received (attribute 2) travelled in that encoding
    tg = m.app.server.model.find(115, bytes((0, 0, 19, 40, 0, 255)))
    last = rep["steps"][-1]["checks"][-1]["token"]
    assert tg.token == pack(last, encoding) and len(tg.token) == {"bcd": 10, "binary": 9}[
        encoding]


def _drop_objects(m, *lns):
    """Test-only: meter m's DLMS server without the objects at logical names lns."""
    from dlms.cosem import ObjectModel
    gone = [bytes(ln) for ln in lns]
    objects = [o for o in m.app.server.model.objects if bytes(o.ln) not in gone]
    assert len(objects) == len(m.app.server.model.objects) - len(gone)
    m.app.server.model = ObjectModel(objects)


def test_meter_without_our_manufacturer_objects(meter_factory, tmp_path):
    """Another maker's meter: no MPL register, no CTS objects at our OBIS codes
    (removed from the object model here, test-only). The CTS steps skip; the MPL
    step fails with a message unless --mpl-obis '' says there is no register."""
    m = meter_factory()
    _drop_objects(m, (0, 128, 19, 50, 0, 255), (0, 128, 96, 50, 0, 255), (0, 128, 96, 50, 1, 255))
    code, rep = run_cts(m, DEV_ARGS + ["--steps", "9,40"], tmp_path)
    out = dict((r["num"], r) for r in rep["steps"])
    assert code == 1 and rep["failed_steps"] == [9]
    assert "MPL register not readable" in out[9]["message"] and out[40]["outcome"] == "skip"
    # a second run on the same meter starts its TIDs after the first run's
    code, rep = run_cts(m, DEV_ARGS + ["--steps", "9,40", "--mpl-obis", "",
                                       "--start", "2030-01-01"], tmp_path)
    assert code == 0 and [r["outcome"] for r in rep["steps"]] == ["pass", "skip"]


def test_published_tokens_on_a_meter_with_water_and_gas_registers(meter_factory, tmp_path):
    """UUT 1: the 48 value tokens of the STS 531-1-0-02 transcription for DRN
    00000000000, on a meter that keeps the electricity, water and gas registers."""
    m = meter_factory({"drn": "00000000000", "meter": {"account": {"registers": (0, 1, 2)}}})
    code, rep = run_cts(m, ["--uut", "1", "--enter-cts", "--subclasses", "0,1,2",
                            "--steps", "6,39"], tmp_path)
    assert code == 0, rep["failed_steps"]
    checks = rep["steps"][1]["checks"]
    assert len(checks) == 49 and checks[1]["what"].startswith("tok-001")
    assert sum(c["expect"].get("result") == 1 for c in checks[1:]) == 48
    assert m.app.meter.account.credit[1] > 0 and m.app.meter.account.credit[2] > 0


def test_cts_timer_step(meter_factory, tmp_path):
    timer = MeterTime()
    m = timer.meter = meter_factory({"drn": "00000000000"}, clock=timer.clock)
    code, rep = run_cts(m, ["--uut", "1", "--enter-cts", "--steps", "42",
                            "--cts-timer-wait", "6"], tmp_path, timer)
    assert code == 0, rep["steps"]
    obs = rep["steps"][0]["checks"][0]["observed"]
    assert obs["state"] == 1 and obs["advance_s"] >= 1


def test_cts_timer_step_fails_on_a_frozen_timer(meter_factory, tmp_path):
    timer = MeterTime()
    m = timer.meter = meter_factory({"drn": "00000000000"}, clock=timer.clock)
    m.host.tick = lambda: None  # a meter whose board never ticks it (test-only fault)
    code, rep = run_cts(m, ["--uut", "1", "--enter-cts", "--steps", "42",
                            "--cts-timer-wait", "6"], tmp_path, timer)
    assert code == 1 and rep["failed_steps"] == [42]


def test_cts_refused_for_a_normal_drn_and_step_selection(meter_factory, tmp_path):
    m = meter_factory()
    code, rep = run_cts(m, DEV_ARGS + ["--steps", "1,40,3-4"], tmp_path)
    assert code == 0 and [r["num"] for r in rep["steps"]] == [1, 3, 4, 40]
    assert m.app.meter.cts_register_read()[0] == 0


def test_resume_after_a_meter_reset(meter_factory, tmp_path):
    """The meter is reset (process restarted on the same data folder) between
    two runs sharing a --resume file: completed steps are not repeated and the
    key/TID state carries over, so the second half passes on the same meter."""
    state = str(tmp_path / "state.json")
    m1 = meter_factory({}, name="same")
    code, rep = run_cts(m1, DEV_ARGS + ["--steps", "1-7,20-22", "--resume", state], tmp_path)
    assert code == 0
    saved = json.load(open(state))
    assert sorted(saved["completed"]) == ["1", "2", "20", "21", "22", "3", "4", "5", "6", "7"]
    m1.stop()
    m2 = meter_factory({}, name="same")  # power cycle: same folder, new process state
    code, rep = run_cts(m2, DEV_ARGS + ["--steps", "1-12,20-24,31-33", "--resume", state],
                        tmp_path)
    assert code == 0, rep["failed_steps"]
    resumed = [r["num"] for r in rep["steps"] if r.get("resumed")]
    assert resumed == [1, 2, 3, 4, 5, 6, 7, 20, 21, 22]
    assert len(json.load(open(state))["completed"]) == 20


def test_interrupted_key_change_is_recovered(meter_factory, tmp_path):
    """A run stopped after the meter took a new key but before the runner
    recorded it: the pending key is probed on resume."""
    state = str(tmp_path / "state.json")
    m = meter_factory()
    code, _ = run_cts(m, DEV_ARGS + ["--steps", "1", "--resume", state], tmp_path)
    s = json.load(open(state))
    new = cts_state.new_key_state(s["identity"], s["current"], "manual", krn=5)
    # the meter takes the new key behind the runner's back
    import sts.vend as vend
    for t in vend.key_change_tokens(7, bytes.fromhex(s["current"]["key"]),
                                    bytes.fromhex(new["key"]), krn=5, sgc=123456):
        assert m.app.meter.enter_token(t)[0] in (1, 2)
    s["pending_key"] = new
    json.dump(s, open(state, "w"))
    code, rep = run_cts(m, DEV_ARGS + ["--steps", "1,3", "--resume", state], tmp_path)
    assert code == 0 and json.load(open(state))["current"]["krn"] == 5


def test_unreachable_meter_is_a_communication_error(tmp_path):
    code, rep = cts.run(cts.build_parser().parse_args(
        ["--port", "socket://127.0.0.1:9", "--quiet", "--timeout", "1"] + DEV_ARGS))
    assert code == 2 and rep is None


def test_list_and_step_parsing(capsys):
    assert cts.main(["--list"]) == 0
    out = capsys.readouterr().out
    assert "Overflow" in out and "[slow]" in out
    assert cts.runner.parse_steps("1,3-5,99,20") == [1, 3, 4, 5, 20]
    assert cts_steps.status_for(cts_steps.CRC) == 5
    assert cts_steps.status_for(cts_steps.OVERFLOW) == 7
    assert stskeys.pan_of("11111111115") == "600727111111111153"


def test_command_line_exit_status(meter_factory, tmp_path):
    """`python tools/cts.py ...` as a program: exit 0 on a sound meter, 1 on a
    broken one, reports written."""
    import subprocess
    tool = os.path.join(os.path.dirname(HERE), "tools", "cts.py")
    good = meter_factory(name="good")
    bad = meter_factory({"meter": {"process": FAULTS["accepts_used"][0]}}, name="bad")
    for m, want in ((good, 0), (bad, 1)):
        html = str(tmp_path / ("r%d.html" % want))
        p = subprocess.run([sys.executable, tool, "--port", m.url, "--steps", "1,7,31",
                            "--html", html] + DEV_ARGS, capture_output=True, text=True,
                           timeout=120)
        assert p.returncode == want, p.stdout + p.stderr
        assert "[3/3]" in p.stdout and "is applied" not in p.stdout
        assert ("FAIL" in p.stdout) == bool(want) and os.path.getsize(html) > 1000


# 25: step 10; 38: KCT2 of step 20's way back (the meter holds the step's new key);
# 48: KCT2 of step 22's change (KCT1 pending in the meter)
@pytest.mark.parametrize("crash_at", [25, 38, 48])
def test_resume_after_a_reset_in_the_middle_of_a_step(meter_factory, tmp_path, crash_at):
    """The meter fails while processing the crash_at-th token (test-only wrapper
    raising inside the processor: nothing is committed, the gateway answers
    hardware-fault); the runner stops with exit 2. A meter restarted on the same folder and the
    same --resume file finish the run: every step passes, the interrupted one
    is run again from its start."""
    from sts import processor
    calls = [0]

    def dies(state, text, now=None, settings=None):
        calls[0] += 1
        if calls[0] == crash_at:
            raise RuntimeError("power cut (test)")
        return processor.process(state, text, now, settings)

    state = str(tmp_path / "state.json")
    steps = ["--steps", "1-12,20-24,31-33"]
    m1 = meter_factory({"meter": {"process": dies}}, name="same")
    code, rep = run_cts(m1, DEV_ARGS + steps + ["--resume", state], tmp_path)
    assert code == 2 and calls[0] == crash_at
    assert rep["steps"][-1]["outcome"] == "error"
    assert rep["steps"][-1]["num"] == {25: 10, 38: 20, 48: 22}[crash_at]
    first = [r["num"] for r in rep["steps"][:-1]]
    m1.stop()
    m2 = meter_factory({}, name="same")
    code, rep = run_cts(m2, DEV_ARGS + steps + ["--resume", state], tmp_path)
    assert code == 0, [r for r in rep["steps"] if r["outcome"] != "pass"]
    assert [r["num"] for r in rep["steps"] if r.get("resumed")] == first
    assert len(rep["steps"]) == 20
    assert rep["meter"]["end_key"]["key"] == "9ca1fc37b27dac93"  # every change undone
