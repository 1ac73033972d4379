"""tools/read_meter.py prints the load profile, the billing profile and the
event logs (issue 13 item 6): after the simulated day of
test_dlms_profiles_interop (quarter-hourly load, tokens, a tamper, a remote
disconnection, a power cut, the clock set over DLMS), every row it prints, as
a table and as JSON, by range, by entry and whole, is the row the meter
recorded (meter.recorder), with event names, and bad options get a clear
error. The tool runs in this process through its main(argv)."""
import datetime
import json
import os
import sys

import pytest

from meter import recorder as rc
from pctools import read_meter
from pctools.units import amount
from test_dlms_profiles_interop import DAY0, OUTAGE, day, recorded  # noqa: F401 (fixture)
from test_pc_tools import run

pytestmark = pytest.mark.xdist_group("profiles_day")
EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)


def iso(t):
    return (EPOCH + datetime.timedelta(seconds=t)).strftime("%Y-%m-%d %H:%M")


def secs(text):
    return int((datetime.datetime.fromisoformat(text) - EPOCH).total_seconds())


def tables(m, *argv):
    rc_, out, err = run(read_meter, "--port", m.url, "--json", *argv)
    assert rc_ == 0, err
    return json.loads(out)["tables"]


def test_load_profile_by_range_as_json(day):
    lo, hi = DAY0 + 6 * 3600, DAY0 + 12 * 3600
    (t,) = tables(day, "--profile", "load", "--from", iso(lo), "--to", iso(hi))
    want = recorded(day, rc.LOAD, lo, hi)
    assert len(want) == 25 - 1  # 06:00 .. 12:00, bounds included; 09:15 (power cut) has no row
    assert t["name"] == "load" and t["ln"] == "1.0.99.1.0.255" and t["capture_period"] == 900
    assert t["entries_in_use"] == len(recorded(day, rc.LOAD)) and t["profile_entries"] == 960
    assert t["columns"] == ["time", "status", "energy_wh"]
    got = t["rows"]
    assert [(secs(r["time"]), r["status"], r["energy_wh"]) for r in got] == \
        [(w[0], w[2], w[3]) for w in want]
    # the energy of each interval: the difference to the row before (none before the first)
    assert [r["wh"] for r in got] == [None] + [b[3] - a[3] for a, b in zip(want, want[1:])]
    # the interval after the power cut is flagged, and named
    up = [r for r in got if r["status"] & rc.POWER_DOWN]
    assert [secs(r["time"]) for r in up] == [DAY0 + OUTAGE[1] + 300]
    assert up[0]["status_text"] == "power down"
    # an offset in --from/--to is applied: 08:00+02:00 is 06:00 UTC
    (t,) = tables(day, "--profile", "load", "--from", "2026-11-15T08:00+02:00",
                  "--to", "2026-11-15T08:30+02:00")
    assert [secs(r["time"]) for r in t["rows"]] == [lo, lo + 900, lo + 1800]


def test_load_profile_by_entry(day):
    rows = recorded(day, rc.LOAD)
    (t,) = tables(day, "--profile", "load", "--entries", "10:14")
    assert [(secs(r["time"]), r["energy_wh"]) for r in t["rows"]] == [(w[0], w[3]) for w in rows[9:14]]
    (t,) = tables(day, "--profile", "load", "--entries", "90:")
    assert [secs(r["time"]) for r in t["rows"]] == [w[0] for w in rows[89:]]
    # a range without rows
    (t,) = tables(day, "--profile", "load", "--to", iso(DAY0))
    assert t["rows"] == []


def test_load_profile_as_a_table(day):
    lo, hi = DAY0 + 3600, DAY0 + 2 * 3600
    rc_, out, err = run(read_meter, "--port", day.url, "--profile", "load",
                        "--from", iso(lo), "--to", iso(hi))
    assert rc_ == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("load 1.0.99.1.0.255: %d of 960 entries in use, 5 shown"
                               % len(recorded(day, rc.LOAD)))
    assert lines[1].split() == ["time", "status", "status_text", "energy_wh", "wh"]
    want = recorded(day, rc.LOAD, lo, hi)
    for line, w, prev in zip(lines[2:], want, [None] + want):
        cells = line.split()
        assert secs(" ".join(cells[:2])) == w[0]
        assert cells[2:] == ["0x%02x" % w[2], "-", str(w[3]), str(w[3] - prev[3]) if prev else "-"]
    assert len(lines) == 2 + len(want)


def test_billing_profile(day):
    (t,) = tables(day, "--profile", "billing")
    want = recorded(day, rc.BILLING)
    assert t["columns"] == ["time", "credit", "energy_wh", "since_token_wh"]
    assert [(secs(r["time"]), r["credit"], r["energy_wh"], r["since_token_wh"])
            for r in t["rows"]] == [(w[0],) + tuple(w[2:]) for w in want]
    assert len(want) == 2
    # the table shows credit in the meter's unit (docs/dlms.md: account attribute 15)
    rc_, out, err = run(read_meter, "--port", day.url, "--profile", "billing")
    assert rc_ == 0, err
    unit = json.loads(run(read_meter, "--port", day.url, "--json")[1])["credit_unit"]
    assert amount(want[1][2], unit) in out.splitlines()[-1]


def test_event_logs_with_names(day):
    got = {t["name"]: t for t in tables(day, "--log", "all")}
    assert list(got) == ["standard", "fraud", "disconnector", "power", "token", "security"]
    for name, t in got.items():  # every row the meter recorded, no other
        want = recorded(day, read_meter.prof.LOG_NAMES[name])
        assert [(secs(r["time"]), r["code"]) for r in t["rows"]] == [(w[0], w[2]) for w in want]
        assert "?" not in [r["event"] for r in t["rows"]]
    ev = lambda name: [r["event"] for r in got[name]["rows"]]  # noqa: E731
    assert ev("fraud") == ["tamper", "tamper cleared"]
    assert {"remote disconnect", "remote reconnect"} <= set(ev("disconnector"))
    assert ev("power") == ["power up", "power down", "power up"]
    assert got["power"]["rows"][2]["off_s"] == recorded(day, rc.POWER)[2][3]
    assert ev("security")[-2:] == ["clock set (old time)", "clock set (new time)"]
    tok = got["token"]["rows"]
    want = recorded(day, rc.TOKEN)
    assert [(r["source"], r["result"], r["amount"], r["tid"]) for r in tok] == \
        [tuple(w[3:]) for w in want]
    assert [(r["event"], r["source_text"], r["result_text"]) for r in tok] == [
        ("token accepted", "keypad", "Accept"), ("token rejected", "keypad", "Used error"),
        ("token accepted", "keypad", "Accept")]
    # by range and as a table: the two token rows between 03:00 and 04:00
    rc_, out, err = run(read_meter, "--port", day.url, "--log", "token",
                        "--from", iso(DAY0 + 3 * 3600), "--to", iso(DAY0 + 4 * 3600))
    assert rc_ == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("token 0.128.99.98.1.255:") and len(lines) == 4
    assert lines[1].split()[:5] == ["time", "code", "event", "source", "source_text"]
    assert "token rejected" in lines[3] and "Used error" in lines[3] and str(want[1][6]) in lines[3]
    # by entry: the newest row of the power failure log
    (t,) = tables(day, "--log", "power", "--entries", "3:3")
    assert [r["event"] for r in t["rows"]] == ["power up"]


def test_plot_of_the_load_profile(day, tmp_path):
    pytest.importorskip("matplotlib", reason="matplotlib is optional (not in requirements.txt)")
    png = tmp_path / "load.png"
    rc_, out, err = run(read_meter, "--port", day.url, "--profile", "load", "--plot", str(png))
    assert rc_ == 0, err
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_without_matplotlib_says_so(day, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib: ImportError
    png = tmp_path / "load.png"
    rc_, out, err = run(read_meter, "--port", day.url, "--profile", "load", "--plot", str(png))
    assert rc_ == 2 and out == "" and not os.path.exists(png)
    assert err.strip() == ("error: --plot needs matplotlib, which is not installed "
                           "(.venv/bin/pip install matplotlib)")


@pytest.mark.parametrize("argv, message", [
    (["--from", "2026-11-15"], "go with --profile or --log"),
    (["--profile", "load", "--entries", "0:3"], "entries are FIRST:LAST"),
    (["--profile", "load", "--entries", "5:3"], "entries are FIRST:LAST"),
    (["--profile", "load", "--entries", "x"], "entries are FIRST:LAST"),
    (["--profile", "load", "--from", "yesterday"], "not a date-time"),
    (["--profile", "load", "--from", "2026-11-15", "--entries", "1:"], "not both"),
    (["--log", "token", "--plot", "x.png"], "add --profile load"),
    (["--log", "nosuch"], "invalid choice"),
])
def test_bad_options_are_refused(argv, message):
    """Refused before the meter is asked (no --port: nothing listens)."""
    rc_, out, err = run(read_meter, *argv)
    assert rc_ == 2 and out == "" and message in err


def test_every_routed_event_code_has_a_name():
    """Each (log, code) meter.recorder files an event under has a name, so a new
    vocab event without one in vocab_names fails here, not as "?" on a head-end."""
    names = read_meter.prof.event_names()
    routed = len(rc.ROUTE) // 2
    assert len(names) == routed + len(read_meter.prof.LOG_NAMES)  # + "event log cleared" in each
    assert "?" not in names.values()
