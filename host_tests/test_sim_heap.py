"""The virtual meter on the 64-bit micropython executable with the smallest heap
it is known to serve issue 10's session from: a keypad token, then a remote
token session (tools/send_token.py: HLS-GMAC management client, ciphered
ACTION and GET) and a second one. Issue 10 asks for 224k; the meter serves
it there on this port, with 8 KB more here for what varies between runs
(docs/sim.md "Heap of the virtual meter"). A change that makes the meter need
more heap than SIM_MIN_HEAP fails here; the heap figures the meter reports
(control line `mem`) go to the test summary."""
import os

import pytest

from test_sim_e2e import MICROPYTHON, Sim, send, token

# docs/sim.md: 224k served this test in 18 runs of 18 on 2026-12-01 (a copy
# at 224k), after the launcher's, dlms.gcm's, the TCP port's and bootslot's
# changes; the same scenario driven by a script fails there for some lengths of
# the data folder's path (the heap's layout). One 8 KB step more here.
SIM_MIN_HEAP = "232k"


@pytest.mark.skipif(not os.path.exists(MICROPYTHON), reason="no micropython executable")
def test_sim_serves_keypad_and_remote_tokens_at_the_smallest_heap(tmp_path, monkeypatch,
                                                                  record_property):
    monkeypatch.setenv("SIM_HEAP", SIM_MIN_HEAP)
    sim = Sim(tmp_path / "meter", mp=True)
    try:
        mem = [("ready", sim.ctl("mem"))]
        keypad, _ = token(2, 500)
        assert sim.ctl("keys " + keypad + "#") == "OK Accept 01"
        mem.append(("keypad token", sim.ctl("mem")))
        for minute, value, credit in ((3, 1000, 1500), (4, 250, 1750)):
            r = send(sim, token(minute, value)[0])
            assert r["status_code"] == 3 and r["credit"] == credit, r  # accepted, credited
            mem.append(("remote token %d" % (minute - 2), sim.ctl("mem")))
        sim.quit()
    except BaseException:
        sim.kill()
        raise
    for stage, line in mem:
        assert line.startswith("OK alloc="), line
    text = "virtual meter on micropython at %s: %s" % (
        SIM_MIN_HEAP, "; ".join("%s %s" % (s, line[3:]) for s, line in mem))
    record_property("summary", text)
    print(text)


@pytest.mark.skipif(not os.path.exists(MICROPYTHON), reason="no micropython executable")
def test_the_meter_on_micropython_runs_in_its_module_folder(tmp_path, monkeypatch):
    """tools/sim.py --mp starts micropython in build/sim-mpy and has it find the
    modules through "": each module's __file__, interned for good, is then
    "dlms/cosem.mpy" (docs/sim.md). The meter's file options are made absolute
    from the folder the launcher ran in, --data's default included."""
    import sim
    monkeypatch.chdir(tmp_path)
    argv, env, cwd = sim.command(["--headless", "--data", "m", "--load-schedule", "w.json"],
                                 mp=True)
    assert cwd == sim.MPY_DIR and env["MICROPYPATH"].split(os.pathsep)[0] == ""
    assert argv[argv.index("--data") + 1] == str(tmp_path / "m")
    assert argv[argv.index("--load-schedule") + 1] == str(tmp_path / "w.json")
    argv, _, _ = sim.command(["--headless"], mp=True)
    assert argv[argv.index("--data") + 1] == str(tmp_path / "sim-data")
    argv, _, cwd = sim.command(["--headless", "--data", "m"])  # CPython: as given, here
    assert argv[-3:] == ["--headless", "--data", "m"] and cwd is None
