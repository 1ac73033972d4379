"""Issue 14 acceptance, through the tools: the virtual meter (tools/sim.py, a
process of its own) with the payment profile (boards/host/profiles/payment.json:
currency, TOU + blocks, a standing charge, debt recovery, free allocation) runs
the simulated month of test_payment_month at --speed, metered in whole steps of
a minute (--step 60) under the month's load (--load-schedule
boards/host/profiles/payment-month-load.json), from Sun 1 Mar 2026 00:00:30
(--clock). The 500.00 ZAR token is typed on its keypad with the clock stopped
(--speed 0), the clock stops by itself at --until, and tools/read_meter.py reads
the billing profile over DLMS: its rows match the hand-computed totals of
test_payment_month (imported, not copied) to the smallest unit (1e-5 ZAR)."""
import json
import os
import sys

import pytest

from civil import days_from_civil
from meter_tcp import vend
from pctools import read_meter
from test_payment_month import (DEBT_SHARE, ENERGY, FINAL, ROW_13_MAR, ROW_1_APR, STANDING,
                                TOKEN, load_w)
from test_sim_e2e import MICROPYTHON, ROOT, Sim, tool

HOST = os.path.join(ROOT, "boards", "host")
SCHEDULE = os.path.join(HOST, "profiles", "payment-month-load.json")
START = "2026-03-01T00:00:30"
COLUMNS = ["credit", "energy_wh", "since_token_wh"] + ["charge%d_paid" % i for i in range(4)]


def test_the_schedule_is_the_months_load():
    """The schedule file plays test_payment_month's load_w: the same watts at
    every minute of March (as the stepped clock samples it, at the step's
    start; vmeter_opt.LoadSchedule takes seconds since 1970)."""
    if HOST not in sys.path:
        sys.path.append(HOST)
    from vmeter_opt import LoadSchedule
    from hostmeter import EPOCH_2000
    s = LoadSchedule(SCHEDULE)
    t0 = days_from_civil(2026, 3, 1) * 86400 + 30
    minutes = range(t0, t0 + 31 * 86400, 60)
    assert [s.power(t + EPOCH_2000) for t in minutes] == [load_w(t) for t in minutes]


def billing(sim):
    (t,) = tool(read_meter, "--port", sim.url(), "--profile", "billing", "--json")["tables"]
    assert t["columns"] == ["time"] + COLUMNS
    return [tuple(r[c] for c in COLUMNS) for r in t["rows"]]


def status(sim):
    return json.loads(sim.ctl("status")[3:])


def run_month(tmp_path, mp, whole_month):
    data = tmp_path / "pay"
    data.mkdir()
    with open(os.path.join(HOST, "profiles", "payment.json")) as f:
        (data / "provision.json").write_text(f.read())
    # micropython runs with make sim MP=1's heap (tools/sim.py, 384k; 352k passes, 320k not)
    sim = Sim(data, mp, extra=("--step", "60", "--speed", "0", "--clock", START,
                               "--until", "2026-03-13T00:01", "--load-schedule", SCHEDULE))
    try:
        st = status(sim)
        assert st["clock"] == START and st["speed"] == 0  # the clock waits for the token
        assert sim.ctl("keys " + vend("500.00", subclass=4) + "#") == "OK Accept 01"
        assert status(sim)["credit"] == TOKEN - DEBT_SHARE  # 20 % paid the debt
        assert sim.ctl("speed 100000000") == "OK"  # as fast as the PC runs it
        assert sim.wait_for("CLOCK STOPPED", 300).split()[-1] == "2026-03-13T00:01:30"
        st = status(sim)
        assert st["speed"] == 0 and st["clock"] == "2026-03-13T00:01:30"
        rows = billing(sim)  # 1 Mar (after the start) .. 13 Mar
        assert len(rows) == 13 and rows[12] == ROW_13_MAR
        if not whole_month:
            sim.quit()
            return
        assert sim.ctl("until 2026-04-01T00:01") == "OK"
        assert sim.ctl("speed 100000000") == "OK"
        running = billing(sim)  # a head-end reads the meter while it runs
        assert sim.wait_for("CLOCK STOPPED", 300).split()[-1] == "2026-04-01T00:01:30"
        rows = billing(sim)
        assert rows[:len(running)] == running  # rows once recorded stay as they were
        assert len(rows) == 32  # 1 Mar .. 1 Apr
        for r in rows:  # money is conserved: credit + everything paid = the token
            assert r[0] + sum(r[3:]) == TOKEN, r
        assert rows[12] == ROW_13_MAR
        assert rows[-1] == ROW_1_APR
        d = tool(read_meter, "--port", sim.url(), "--json")
        assert d["credit"] == FINAL and d["payment"]["unit"] == "ZAR"
        paid = [c["paid"] for c in d["payment"]["tariff"]["charges"]]
        assert paid == [ENERGY, STANDING, DEBT_SHARE, 0]
        sim.quit()
        # started again where it stopped: the month is in its storage
        sim = Sim(data, extra=("--step", "60", "--speed", "0", "--clock", "2026-04-01T00:01:30"))
        assert status(sim)["credit"] == FINAL and billing(sim) == rows
        sim.quit()
    finally:
        if sim.proc.poll() is None:
            sim.kill()


def test_sim_runs_the_payment_month_at_speed_and_bills_it_to_the_unit(tmp_path):
    """CPython: the whole month (44,640 steps, a few seconds), stopped once at
    13 Mar to read the billing profile, read again while it runs; after a
    restart the meter holds the month."""
    run_month(tmp_path, False, True)


@pytest.mark.skipif(not os.path.exists(MICROPYTHON), reason="no micropython executable")
def test_sim_runs_the_payment_month_on_micropython_to_13_march(tmp_path):
    """micropython (make sim MP=1): the month's first 12 days, to the 13 Mar
    row (free allocation used up at noon on 12 Mar, peak rate after it). The
    whole month costs about 27 s of CPU there (docs/sim.md), too much for
    make test."""
    run_month(tmp_path, True, False)
