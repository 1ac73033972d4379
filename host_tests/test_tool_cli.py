"""The PC tools speak the user's language (issue 16 item 4): every tool has
`--help` (which runs nothing) and `--json`; token results are printed by the
STS name with their codes, credit in the meter's unit, events by name."""
import json
import os
import subprocess
import sys

import pytest

import vocab
from meter_tcp import meter, vend  # noqa: F401 (fixture)
from pctools import read_meter, send_token, units
from test_pc_tools import run
from test_sim_e2e import free_port

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOLS = sorted(f for f in os.listdir(os.path.join(ROOT, "tools")) if f.endswith(".py"))
PY = sys.executable


def tool(name, *args, timeout=120):
    p = subprocess.run([PY, os.path.join(ROOT, "tools", name)] + list(args),
                       capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


@pytest.mark.parametrize("name", TOOLS)
def test_every_tool_has_help_and_json(name):
    doc = os.path.join(ROOT, "docs", "benchmarks.md")
    before = os.stat(doc).st_mtime_ns
    rc, out, err = tool(name, "--help")
    assert rc == 0 and err == "", err
    assert "--json" in out and "Traceback" not in out
    assert os.stat(doc).st_mtime_ns == before  # bench.py --help measured nothing


def test_bench_keeps_the_written_part_of_its_doc(tmp_path, monkeypatch):
    """`make bench` rewrites the tables of docs/benchmarks.md and keeps the hand-written targets
    and rounds after them; a doc without that heading is refused before anything runs."""
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import bench
    kept = bench.written_prose()
    assert kept.startswith(bench.PROSE + "\n") and kept.count("\n## ") == 0  # the last section
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\n## STS\n\n| a | b |\n\n" + bench.PROSE + "\n\nby hand\n")
    monkeypatch.setattr(bench, "DOC", str(doc))
    assert bench.written_prose() == bench.PROSE + "\n\nby hand"
    doc.write_text("# Benchmarks\n\n## STS\n")
    with pytest.raises(SystemExit, match="no '## Targets"):
        bench.main([])


def test_json_of_the_offline_tools(tmp_path):
    rc, out, _ = tool("sts.py", "key", "--json", "--dkga", "02", "--vending-key",
                      "abababababababab", "--pan", "600727000000000009", "--kt", "2", "--sgc",
                      "123456", "--ti", "1", "--krn", "1")
    assert rc == 0 and json.loads(out) == {"key": "e653341f9d5bf36f"}
    rc, out, _ = tool("sts.py", "vend", "--json", "--key", "e653341f9d5bf36f", "--ea", "07",
                      "--class", "2", "--subclass", "3", "--kct-set", "--new-key",
                      "060b8643c59a27f1")
    assert rc == 0 and len(json.loads(out)["tokens"]) == 2
    img = str(tmp_path / "fw.img")
    rc, out, _ = tool("make_image.py", "--format", "py", "--version", "9.9", "-o", img, "--json")
    made = json.loads(out)
    assert rc == 0 and made["image"] == img and made["bytes"] == os.path.getsize(img)
    assert made["test_key"] is True and made["id"] == "stsmeter-9.9"
    rc, out, _ = tool("make_image.py", "--check", img, "--json")
    assert rc == 0 and json.loads(out)["sound"] is True
    with open(img, "r+b") as f:  # one byte of a file changed
        f.seek(-100, 2)
        b = f.read(1)
        f.seek(-100, 2)
        f.write(bytes([b[0] ^ 1]))
    rc, out, _ = tool("make_image.py", "--check", img, "--json")
    assert rc == 1 and json.loads(out)["problems"]
    rc, out, _ = tool("deploy.py", "freeze", "--board", "rpi_pico", "--build", str(tmp_path),
                      "--json")
    d = json.loads(out)
    assert rc == 0 and d["what"] == "freeze" and d["wrote"][0].endswith("manifest.py")
    rc, out, err = tool("deploy.py", "wipe", "--json")  # no port: the error in the object too
    assert rc == 2 and "give --port" in json.loads(out)["error"] and "give --port" in err


def test_amounts_in_the_meters_unit():
    kwh, money = {"name": "kWh", "scale": -1}, {"name": "ZAR", "scale": -5}
    assert units.amount(100, kwh) == "10.0 kWh" and units.amount(7, kwh) == "0.7 kWh"
    assert units.amount(-15, kwh) == "-1.5 kWh"
    assert units.amount(1250024, money) == "12.50024 ZAR"
    assert units.amount(3, {"name": "Wh", "scale": 2}) == "300 Wh"
    assert units.amount(42, None) == "42 units"  # a meter without an account


def test_token_results_and_events_by_name(meter):  # noqa: F811
    tok = vend("10", 1)
    rc, out, _ = run(send_token, tok, "--port", meter.url)
    assert rc == 0 and out.strip() == (
        "token %s: Accept (result 1; token_status 3 executed), credit 10.0 kWh" % tok)
    rc, out, _ = run(send_token, tok, "--port", meter.url)
    assert rc == 1 and "Used error (result 10; token_status 6 validation failure)" in out
    rc, out, _ = run(send_token, vend("1", 0), "--port", meter.url, "--json")
    r = json.loads(out)
    assert rc == 1 and r["result_code"] == vocab.OLD and r["result"] == "Old error"
    assert r["credit"] == 100 and r["credit_text"] == "10.0 kWh"
    assert r["credit_unit"] == {"name": "kWh", "scale": -1}
    rc, out, _ = run(read_meter, "--port", meter.url)
    assert rc == 0
    assert "credit             10.0 kWh (100 units)" in out
    assert "available 10.0 kWh" in out
    lines = out.splitlines()
    assert any("relay opened" in ln and ln.endswith("no credit") for ln in lines), out
    assert any("token rejected" in ln and "Used error (result 10), TID" in ln for ln in lines)
    assert any("token rejected" in ln and "Old error (result 9), TID" in ln for ln in lines)
    rc, out, _ = run(read_meter, "--port", meter.url, "--json")
    d = json.loads(out)
    assert d["credit_unit"] == {"name": "kWh", "scale": -1}
    assert d["events"][-1]["detail"].startswith("Old error (result 9)")


def test_sim_json_prints_one_object_per_change(tmp_path):
    port = free_port()
    p = subprocess.Popen([PY, os.path.join(ROOT, "tools", "sim.py"), "--json", "--load", "0",
                          "--port", str(port), "--data", str(tmp_path)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        ready = json.loads(p.stdout.readline())
        assert "optical port tcp 127.0.0.1:%d" % port in ready["ready"]
        first = json.loads(p.stdout.readline())
        assert first["display"] == "Cr 0.0" and first["relay"] is False
        rc, _, _ = run(send_token, vend("10", 1), "--port", "socket://127.0.0.1:%d" % port)
        assert rc == 0
        after = json.loads(p.stdout.readline())
        assert after["display"] == "Accept 01" and after["credit"] == 100 and after["relay"]
    finally:
        p.terminate()
        p.wait(10)


def test_event_details_name_what_the_numbers_mean():
    from vocab_names import event_detail
    assert event_detail(vocab.EV_TOKEN_REJECTED, vocab.CRC, 5871715) == \
        "CRC error (result 13), TID 5871715"
    assert event_detail(vocab.EV_TOKEN_ACCEPTED, vocab.KCT1_ACCEPTED, -1) == \
        "1st KCT accepted (result 2)"  # a key change token has no TID
    assert event_detail(vocab.EV_RELAY_OPENED, vocab.REASON_POWER_LIMIT, 0) == "power limit"
    assert event_detail(vocab.EV_RELAY_CLOSED, vocab.REASON_NO_CREDIT, 0) == \
        "was open for: no credit"
    assert event_detail(vocab.EV_FAULT, vocab.FAULT_STATE, vocab.AT_STATE) == \
        "Err 3 Store at meter state"
    assert event_detail(vocab.EV_FAULT, 9, 99) == "fault 9"  # a newer meter's codes: numbers
    assert event_detail(vocab.EV_POWER_LIMIT_TRIP, 5200, 5000) == \
        "demand 5200 W over the limit 5000 W"
    assert event_detail(vocab.EV_REMOTE_RECONNECT, 0, 0) == "refused"
    assert event_detail(vocab.EV_POWER_UP, 0, 0) == ""
