"""End to end: the virtual meter (tools/sim.py) in a subprocess, tokens sent with
tools/send_token.py over TCP (its code in this process, or a process of its
own where the meter is killed under it) and typed on the simulated keypad
(control socket), registers read with tools/read_meter.py (its code, in this
process), and SIGKILL in the middle of token
acceptance followed by a restart: no credit lost or duplicated. The same
scenario runs with the virtual meter on the micropython executable (heap
tools/sim.py DEFAULT_MP_HEAP, docs/sim.md)."""
import contextlib
import datetime
import io
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

import provision
from sts import vend
from pctools import read_meter, send_token

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PY = sys.executable
SIM = os.path.join(ROOT, "tools", "sim.py")
MICROPYTHON = os.path.join(os.path.dirname(PY), "micropython")
DEV_KEY = bytes.fromhex(provision.DEV_PROVISION["key"])


def token(minute, value):
    """A credit token (0.1 kWh units) for the development meter; minute makes the TID unique."""
    tid = vend.tid_for(2014, 2026, 11, 22, 10, minute)
    return vend.vend(7, DEV_KEY, 0, 0, tid=tid, rnd=3, value=value), tid


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Sim:
    def __init__(self, data, mp=False, hold=None, extra=()):
        # free_port() can race with another test taking the same port before
        # the meter binds it: the meter then exits with "already in use", and
        # it is started again on other ports
        for attempt in range(3):
            self.port, self.cport = free_port(), free_port()
            cmd = [PY, SIM] + (["--mp"] if mp else []) + [
                "--headless", "--port", str(self.port), "--control", str(self.cport),
                "--data", str(data), "--load", "0"] + (["--hold-at", hold] if hold else []) \
                + list(extra)
            self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                         text=True)
            self.lines = queue.Queue()
            self.log = []
            threading.Thread(target=self._read, daemon=True).start()
            try:
                self.ready = self.wait_for("READY", 60)
                return
            except AssertionError:
                if attempt == 2 or "already in use" not in "".join(self.log):
                    raise
                self.proc.wait(10)

    def _read(self):
        for line in self.proc.stdout:
            self.log.append(line)
            self.lines.put(line)

    def wait_for(self, prefix, timeout=30):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
                continue
            if line.startswith(prefix):
                return line
        raise AssertionError("no %r from the virtual meter:\n%s" % (prefix, "".join(self.log)))

    def ctl(self, command, reply=True):
        with socket.create_connection(("127.0.0.1", self.cport), timeout=30) as s:
            s.sendall((command + "\n").encode())
            if not reply:
                return None
            return s.makefile().readline().strip()

    def url(self):
        return "socket://127.0.0.1:%d" % self.port

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def quit(self):
        assert self.ctl("quit") == "OK bye"
        assert self.proc.wait(20) == 0


def tool(module, *args):
    """A command line's main(argv) in this process; its JSON output."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = module.main(list(args))
    js = [ln for ln in out.getvalue().splitlines() if ln.startswith("{")]
    assert js, "%s failed (%d): %s %s" % (module.__name__, rc, out.getvalue(), err.getvalue())
    return json.loads(js[-1])


def send(sim, tok):
    return tool(send_token, tok, "--port", sim.url(), "--json")


def read(sim):
    return tool(read_meter, "--port", sim.url(), "--json", "--events", "200")


def accepted_tids(d):
    return [e["b"] for e in d["events"] if e["code"] == 1]


def scenario(tmp_path, mp):
    data = tmp_path / "meter"
    a, tid_a = token(1, 1000)
    b, tid_b = token(2, 500)
    c, tid_c = token(3, 250)
    e, tid_e = token(4, 125)

    # a remote token over TCP, a keypad token, then the registers
    sim = Sim(data, mp)
    r = send(sim, a)
    assert r["status_code"] == 3 and r["credit"] == 1000
    assert sim.ctl("keys " + b + "#") == "OK Accept 01"
    assert sim.ctl("keys 01#") == "OK Cr 150.0"
    d = read(sim)
    assert d["credit"] == 1500 and d["account"]["available_credit"] == 1500
    assert d["relay"]["closed"] is True and d["relay"]["control_state"] == 1
    assert accepted_tids(d) == [tid_a, tid_b]
    assert [x["code"] for x in d["events"]][:2] == [3, 5]  # power up, relay opened (no credit)
    sim.quit()

    # power cut after the slot file was opened for the token's commit, before
    # anything was written: the token did not happen
    sim = Sim(data, mp, hold="meter/:1")
    sim.ctl("keys " + c + "#", reply=False)
    sim.wait_for("HOLD")
    sim.kill()
    sim = Sim(data, mp)
    d = read(sim)
    assert d["credit"] == 1500 and accepted_tids(d) == [tid_a, tid_b]
    assert send(sim, c)["status_code"] == 3  # the same token is accepted now ...
    assert send(sim, c)["status_code"] == 6  # ... once
    sim.quit()

    # power cut after the commit, before its events reached the ring: the
    # token happened once, and its event is recovered at power-up
    sim = Sim(data, mp, hold="meter/,events/:1")
    sim.ctl("keys " + e + "#", reply=False)
    sim.wait_for("HOLD")
    sim.kill()
    sim = Sim(data, mp)
    d = read(sim)
    assert d["credit"] == 1875
    assert accepted_tids(d) == [tid_a, tid_b, tid_c, tid_e]
    r = send(sim, e)
    assert r["status_code"] == 6 and r["credit"] == 1875  # Used: not credited twice
    assert sim.ctl("keys " + e + "#") == "OK Used 10"
    sim.quit()
    return data


def test_sim_e2e_cpython(tmp_path):
    data = scenario(tmp_path, mp=False)

    # SIGKILL at arbitrary moments while a remote token is being sent: whatever
    # the moment, credit == the tokens logged as accepted, each once, and
    # entering every token again ends with each credited exactly once
    values = {}
    for i, delay in enumerate((0.15, 0.35, 0.6, 0.9)):
        tok, tid = token(10 + i, 10 + i)
        values[tid] = (tok, 10 + i)
        sim = Sim(data)
        p = subprocess.Popen([PY, os.path.join(ROOT, "tools", "send_token.py"), tok, "--port",
                              sim.url()], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        sim.kill()
        p.wait(30)
    sim = Sim(data)
    d = read(sim)
    tids = accepted_tids(d)
    assert len(tids) == len(set(tids))
    extra = sum(values[t][1] for t in tids if t in values)
    assert d["credit"] == 1875 + extra
    for tid, (tok, v) in values.items():
        assert send(sim, tok)["status_code"] in (3, 6)
    d = read(sim)
    assert d["credit"] == 1875 + sum(v for _, v in values.values())
    tids = accepted_tids(d)  # the newest 24 events (dlms EventLog object)
    assert set(values) <= set(tids) and len(tids) == len(set(tids))
    sim.quit()


def test_power_cut_while_the_keys_record_is_rewritten(tmp_path):
    """A SIGKILL after the DLMS keys record's slot was opened for writing,
    before a byte of it was written. The data folder plays littlefs, where
    that leaves the old copy (boards/host/folderfs.py). Before, a host file
    system left the slot empty; the key store took that for a damaged newer
    copy, put the counters at the renewal reserve, and the management client
    was refused ("Invocation counter is invalid") until a key renewal."""
    data = tmp_path / "meter"
    tok, _ = token(30, 30)
    Sim(data).quit()
    sim = Sim(data, hold="dlms/:2")  # after the start's commit (the IC reservation), the session's
    p = subprocess.Popen([PY, os.path.join(ROOT, "tools", "send_token.py"), tok, "--port",
                          sim.url()], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sim.wait_for("HOLD")
    sim.kill()
    p.wait(30)
    held = sorted(os.listdir(data / "data" / "dlms"))
    assert held in (["a", "a~", "b"], ["a", "b", "b~"])  # cut while the new copy was open
    sim = Sim(data)
    d = read(sim)  # the management client's invocation counter is still the stored one
    assert d["credit"] == 0 and "fault" not in json.dumps(d["events"])
    assert send(sim, tok)["status_code"] == 3
    sim.quit()


@pytest.mark.skipif(not os.path.exists(MICROPYTHON), reason="no micropython executable")
def test_sim_e2e_micropython(tmp_path):
    scenario(tmp_path, mp=True)


def test_sim_speed_load_and_pty(tmp_path):
    """--speed and --load: 2 kWh of credit under a 3.6 kW load at 1000x speed
    runs out in about 2 s of real time and the relay opens; the same meter
    answers on its pseudo-terminal (--pty, hal.uart_port) as on TCP."""
    port, cport = free_port(), free_port()
    proc = subprocess.Popen([PY, SIM, "--headless", "--pty", "--port", str(port), "--control",
                             str(cport), "--data", str(tmp_path / "m"), "--speed", "1000",
                             "--load", "3600"], stdout=subprocess.PIPE, text=True)
    try:
        ready = proc.stdout.readline()
        assert ready.startswith("READY") and "serial /dev/" in ready
        pty_dev = ready.split("serial ")[1].strip()
        sim = Sim.__new__(Sim)
        sim.port, sim.cport = port, cport
        tok, _ = token(20, 20)  # 2.0 kWh
        assert sim.ctl("keys " + tok + "#") == "OK Accept 01"
        assert json.loads(sim.ctl("status")[3:])["relay"] is True
        end = time.monotonic() + 20
        st = None
        while time.monotonic() < end:
            st = json.loads(sim.ctl("status")[3:])
            if not st["relay"]:
                break
            time.sleep(0.2)
        assert st["relay"] is False and st["available"] <= 0
        assert 2000 <= st["energy_wh"] <= 3000  # at most a round or two beyond
        d = tool(read_meter, "--port", pty_dev, "--json")
        assert d["relay"]["closed"] is False and d["energy_wh"] == st["energy_wh"]
        assert d["account"]["out_of_credit"] is True
        assert sim.ctl("quit") == "OK bye"
        assert proc.wait(20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_sim_cts_mode_across_power_cuts(tmp_path):
    """Provisioned as the CTS DRN 00000000000 (provision.json), CTS test mode
    entered by short code survives SIGKILL, runs out at --speed (24 h), and the
    ended state survives SIGKILL too: relay open, tokens refused (CTS-18/19)."""
    data = tmp_path / "cts"
    data.mkdir()
    (data / "provision.json").write_text(json.dumps({"drn": "00000000000"}))

    def status(sim):
        return json.loads(sim.ctl("status")[3:])

    sim = Sim(data)
    assert not (data / "provision.json").exists()
    assert status(sim)["source"] == "file"
    assert sim.ctl("keys 8801#") == "OK CTS 01"
    sim.kill()
    sim = Sim(data)
    st = status(sim)
    assert st["source"] == "stored" and st["cts"].startswith("CTS 01 ")
    assert read(sim)["cts"]["state"] == 1
    sim.kill()
    # 24 h of powered time at 50000x: about 2 s
    port, cport = free_port(), free_port()
    fast = subprocess.Popen([PY, SIM, "--headless", "--port", str(port), "--control", str(cport),
                             "--data", str(data), "--load", "0", "--speed", "50000"],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert fast.stdout.readline().startswith("READY")
        sim2 = Sim.__new__(Sim)
        sim2.port, sim2.cport = port, cport
        end = time.monotonic() + 30
        while time.monotonic() < end and status(sim2)["cts"] != "CTS end":
            time.sleep(0.2)
        assert status(sim2)["cts"] == "CTS end"
    finally:
        fast.send_signal(signal.SIGKILL)
        fast.wait()
    sim = Sim(data)
    st = status(sim)
    assert st["cts"] == "CTS end" and st["relay"] is False
    tok, _ = token(30, 10)
    assert sim.ctl("keys " + tok + "#") == "OK CTS end"
    d = read(sim)
    assert d["cts"]["state"] == 2 and d["relay"]["closed"] is False
    assert send(sim, tok)["status_code"] != 3
    sim.quit()


def test_sim_front_panel_in_real_time_at_speed_60(tmp_path):
    """At --speed 60 a token typed key by key with 0.8 s between keys (48
    meter seconds, past the keypad's 30 s entry timeout) is accepted: the
    front panel's timeouts run in real time (runtime.Runtime ui, App
    ui_clock). The display shows the whole entry, the result is still shown
    2 s later (2 meter minutes), and a head-end's disconnect shows. The
    virtual meter on CPython and on micropython, side by side."""
    from gurux_dlms.enums import DataType
    from gurux_dlms.objects import GXDLMSDisconnectControl
    from dlms import obis
    from meter.keypad import grouped
    from pctools.meterclient import MeterClient
    sims = [Sim(tmp_path / "cpython", extra=["--speed", "60"])]
    if os.path.exists(MICROPYTHON):
        sims.append(Sim(tmp_path / "micropython", mp=True, extra=["--speed", "60"]))

    def display():
        return [json.loads(s.ctl("status")[3:])["display"] for s in sims]

    try:
        tok, _ = token(40, 100)
        for k in tok:
            shown = [s.ctl("keys " + k) for s in sims]
            time.sleep(0.8)
        assert shown == ["OK " + grouped(tok)] * len(sims)  # 24 characters, all of them
        assert [s.ctl("keys #") for s in sims] == ["OK Accept 01"] * len(sims)
        time.sleep(2)
        assert display() == ["Accept 01"] * len(sims)
        dc = GXDLMSDisconnectControl(obis.to_text(obis.DISCONNECT_CONTROL))
        for s in sims:
            with MeterClient(s.url(), client=1) as m:
                m.method(dc, 1, 0, DataType.INT8)
        assert display() == ["Disconnected"] * len(sims)
        for s in sims:
            s.quit()
    finally:
        for s in sims:
            if s.proc.poll() is None:
                s.kill()


def test_sim_payment_profile_exports_at_speed(tmp_path):
    """The payment profile (boards/host/profiles/payment.json) as provision.json:
    a currency token typed on the keypad pays 20 % to the debt; then --load
    negative (control `load -3600`) at 1000x speed exports through the second
    S0 output, and each exported Wh is credited at 0.7777 ZAR a kWh: 77.77
    units a Wh, the fraction carried (docs/payment.md)."""
    data = tmp_path / "pay"
    data.mkdir()
    with open(os.path.join(ROOT, "boards", "host", "profiles", "payment.json")) as f:
        (data / "provision.json").write_text(f.read())
    tid = vend.tid_for(2014, 2026, 11, 22, 10, 30)
    tok = vend.vend(7, DEV_KEY, 0, 4, tid=tid, rnd=3, value=2000000)  # 20.00 ZAR
    sim = Sim(data, extra=("--speed", "1000"))
    try:
        assert sim.ctl("keys " + tok + "#") == "OK Accept 01"
        st = json.loads(sim.ctl("status")[3:])
        base = st["credit"]
        assert st["relay"] is True and 0 < base < 2000000  # 20 % went to the debt
        assert sim.ctl("load -3600") == "OK"
        end = time.monotonic() + 20
        while time.monotonic() < end:
            st = json.loads(sim.ctl("status")[3:])
            if st["export_wh"] >= 2000:
                break
            time.sleep(0.2)
        assert sim.ctl("load 0") == "OK"
        time.sleep(0.3)
        st = json.loads(sim.ctl("status")[3:])
        x = st["export_wh"]
        assert x >= 2000 and st["energy_wh"] == 0
        assert st["credit"] == base + x * 7777 // 100
        d = tool(read_meter, "--port", sim.url(), "--json")
        assert d["payment"]["tariff"]["export_wh"] == x and d["payment"]["unit"] == "ZAR"
        sim.quit()
    finally:
        if sim.proc.poll() is None:
            sim.kill()


def test_sim_load_profile_at_speed_read_by_range_and_by_entry(tmp_path):
    """Issue 13: hours of a virtual meter at --speed 3600 under a 2 kW load: its
    load profile has a row every 15 min whose energy grows by about 500 Wh a
    row on average, and read_meter (gurux-dlms, selective access) returns the same rows
    by range and by entry as in the whole buffer."""
    sim = Sim(tmp_path / "m", extra=["--speed", "3600", "--load", "2000"])
    try:
        tok, _ = token(21, 500)  # 50 kWh: the relay stays closed
        assert sim.ctl("keys " + tok + "#") == "OK Accept 01"
        rows = []
        end = time.monotonic() + 90
        while len(rows) < 12 and time.monotonic() < end:
            time.sleep(1)
            rows = tool(read_meter, "--port", sim.url(), "--profile", "load",
                        "--json")["tables"][0]["rows"]
        assert len(rows) >= 12, rows
        times = [datetime.datetime.fromisoformat(r["time"]) for r in rows]
        assert all((b - a).total_seconds() == 900 for a, b in zip(times[1:], times[2:]))
        energy = [r["energy_wh"] for r in rows]
        assert energy == sorted(energy) and energy[-1] > energy[0]
        # 2 kW x 15 min a quarter after the token; a row is captured at the
        # first tick past its quarter (a tick is minutes at 3600x), so single
        # rows vary and their mean is checked
        n = len(rows) - 4
        assert 400 * n <= energy[-1] - energy[3] <= 600 * n, energy
        by_range = tool(read_meter, "--port", sim.url(), "--profile", "load", "--json",
                        "--from", rows[3]["time"], "--to", rows[8]["time"])["tables"][0]["rows"]
        by_entry = tool(read_meter, "--port", sim.url(), "--profile", "load", "--json",
                        "--entries", "4:9")["tables"][0]["rows"]
        key = [(r["time"], r["status"], r["energy_wh"]) for r in rows[3:9]]
        assert [(r["time"], r["status"], r["energy_wh"]) for r in by_range] == key
        assert [(r["time"], r["status"], r["energy_wh"]) for r in by_entry] == key
        sim.quit()
    finally:
        if sim.proc.poll() is None:
            sim.kill()
