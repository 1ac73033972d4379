"""Head-end load test against a fleet of 10,000 virtual meters on one TCP port
(issue 16 item 2; CPython only: asyncio sockets, gurux-dlms clients;
micropython prints SKIP).

  .venv/bin/python tools/fleet.py --meters 10000 --base-port 0 --one-port P \
      --speed 120 --step 600 --credit 2 --json --list meters.csv    (a subprocess)

The consumption model runs (10-minute metering steps, 2 meter minutes per
real second, a mean first credit of 2 kWh), so within the run credit runs
low and relays open across the fleet while the head-end tops meters up.
The speed is one the fleet's sweep keeps up with on one core (each step of
each meter: about 0.2 ms of CPU with the clock's and the profiles' records);
at x600 it falls behind and every session first meters its meter up to the
fleet's time.

Measured: how long the fleet takes to build every meter (its background
sweep), its RSS then, its CPU for metering alone; then CLIENTS concurrent
gurux-dlms clients (threads) for LOAD_S seconds, every session on a random
meter: a read round (reader client 17, LLS: credit and relay state) and,
in one client of five, a top-up (management client 1, HLS-GMAC: a credit
token vended with that meter's key; the client first reads the invocation
counter as the public client, so two sessions). Sessions/s, time per work
item, failures, the fleet's CPU per session and its RSS after the load;
its own summary at the end.

Options: none (-h, --help: this text).
Section in docs/benchmarks.md: "Fleet of 10,000 meters under a head-end load
(tools/bench/bench_headend.py)".
"""
import benchutil

benchutil.usage(__name__)

import sys  # noqa: E402

if sys.implementation.name != "cpython":
    print("SKIP bench_headend: CPython only (asyncio sockets, gurux-dlms)")
    sys.exit(0)

import csv  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOLS = os.path.join(ROOT, "tools")
sys.path.append(TOOLS)

from benchutil import free_port, proc_cpu_s, row  # noqa: E402

SEC = "Fleet of 10,000 meters under a head-end load (tools/bench/bench_headend.py)"
METERS = 10000
CLIENTS = 50
LOAD_S = 20.0
SPEED = 120
STEP_S = 600
CREDIT_KWH = 2
BUILD_TIMEOUT_S = 900
CATCH_UP_S = 60
# The meters' data folders on tmpfs when the machine has one: each metering
# step writes files (the clock's record every 300 meter seconds, the profiles'
# captures, the meter's commits), and on a virtual disk a write and its
# rename cost about 1 ms (ext4 here, docs/benchmarks.md), which would make
# this a measurement of that disk rather than of the fleet.
SHM = "/dev/shm"


def proc_status(pid, key):
    """A /proc/PID/status field in KB (VmRSS, VmHWM)."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return None


class FleetProcess:
    def __init__(self, tmp):
        self.port = free_port()
        self.list = os.path.join(tmp, "meters.csv")
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(TOOLS, "fleet.py"), "--meters", str(METERS),
             "--base-port", "0", "--one-port", str(self.port), "--speed", str(SPEED),
             "--step", str(STEP_S), "--credit", str(CREDIT_KWH),
             "--data", os.path.join(tmp, "fleet"), "--list", self.list, "--json"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.summary = None
        self.t0 = time.monotonic()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.summary = json.loads(line)

    def wait_built(self):
        """Seconds until every meter is built. Returns once the sweep has also
        caught up with the fleet's time (within a step), or CATCH_UP_S later
        when it has not: a sweep slower than the fleet's time is a figure
        (its lag, reported), not a failure of the run."""
        built = None
        while time.monotonic() - self.t0 < BUILD_TIMEOUT_S:
            s = self.summary
            if built is None and s is not None and s["built"] == METERS:
                built = time.monotonic() - self.t0
            if built is not None and (s["behind_s"] <= STEP_S  # within a step
                                      or time.monotonic() - self.t0 > built + CATCH_UP_S):
                return built
            if self.proc.poll() is not None:
                raise SystemExit("the fleet stopped (exit %d)" % self.proc.returncode)
            time.sleep(0.2)
        raise SystemExit("the fleet did not build %d meters in %d s" % (METERS, BUILD_TIMEOUT_S))

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


def load(fleet, rows):
    """CLIENTS threads for LOAD_S s; returns (sessions, GETs, tokens accepted,
    failures, session times)."""
    from gurux_dlms.enums import DataType
    from gurux_dlms.objects import GXDLMSCredit, GXDLMSDisconnectControl, GXDLMSTokenGateway
    from dlms import obis
    from pctools.meterclient import MeterClient
    from sts import vend
    url = "socket://127.0.0.1:%d" % fleet.port
    stop = time.monotonic() + LOAD_S
    lock = threading.Lock()
    tid = [vend.tid_for(2014, 2025, 1, 1)]
    res = {"sessions": 0, "gets": 0, "reads": 0, "topups": 0, "accepted": 0, "failed": 0,
           "times": []}

    def next_tid():
        with lock:
            tid[0] += 1
            return tid[0]

    def read_round(r):
        credit = GXDLMSCredit(obis.to_text(obis.CREDIT_TOKEN))
        dc = GXDLMSDisconnectControl(obis.to_text(obis.DISCONNECT_CONTROL))
        with MeterClient(url, client=17, server=r["hdlc_server"], timeout=30) as m:
            m.read(credit, 2)
            m.read(dc, 2)
        return "reads", 1, 2, 0

    def top_up(r):
        tok = vend.vend(7, bytes.fromhex(r["decoder_key"]), 0, 0, tid=next_tid(), value=100)
        tg = GXDLMSTokenGateway(obis.to_text(obis.TOKEN_GATEWAY))
        with MeterClient(url, client=1, server=r["hdlc_server"], timeout=30) as m:
            m.method(tg, 1, tok.encode(), DataType.OCTET_STRING)
            m.read(tg, 6)
        # the public session for the counter, then this one
        return "topups", 2, 2, int(tg.statusCode) == 3

    def client(k):
        rnd = random.Random(k)
        work = top_up if k % 5 == 0 else read_round
        while time.monotonic() < stop:
            r = rows[rnd.randrange(len(rows))]
            t = time.monotonic()
            try:
                kind, sessions, gets, ok = work(r)
            except Exception:  # gurux raises plain Exceptions
                with lock:
                    res["failed"] += 1
                continue
            dt = time.monotonic() - t
            with lock:
                res[kind] += 1
                res["sessions"] += sessions
                res["gets"] += gets
                res["accepted"] += ok
                res["times"].append(dt)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return res


def main():
    shm = os.path.isdir(SHM) and os.access(SHM, os.W_OK)
    tmp = tempfile.mkdtemp(prefix="bench_headend", dir=SHM if shm else None)
    fleet = FleetProcess(tmp)
    try:
        built_s = fleet.wait_built()
        pid = fleet.proc.pid
        row(SEC, "build every meter (fleet start to the summary's built = %d; data folders on %s)"
            % (METERS, "tmpfs" if shm else "disk"), built_s, "s")
        lag = fleet.summary["behind_s"]
        row(SEC, "  the sweep's lag behind the fleet's time then (at most %d s after that)"
            % CATCH_UP_S, lag, "meter s")
        row(SEC, "fleet RSS with %d meters built" % METERS, proc_status(pid, "VmRSS") / 1024,
            "MB")
        with open(fleet.list) as f:
            rows = [dict(r, hdlc_server=int(r["hdlc_server"])) for r in csv.DictReader(f)]
        c0 = proc_cpu_s(pid)
        time.sleep(5)
        idle = (proc_cpu_s(pid) - c0) / 5
        row(SEC, "fleet CPU, no clients (sweep metering %d meters at x%d in %d s steps)"
            % (METERS, SPEED, STEP_S), idle * 100, "% of a core")
        if lag <= STEP_S:  # the sweep keeps up: it ran every step of those 5 s
            row(SEC, "  CPU per metering step of one meter (%d meter seconds: consume, "
                "set_power, App.tick, state commits and events included)" % STEP_S,
                idle * 1e6 / (METERS * SPEED / STEP_S), "us")
        c0, n0, t0 = proc_cpu_s(pid), fleet.summary["sessions"], time.monotonic()
        res = load(fleet, rows)
        dt = time.monotonic() - t0
        cpu = proc_cpu_s(pid) - c0
        time.sleep(2)  # one more summary
        s = fleet.summary
        times = sorted(res["times"])
        row(SEC, "%d concurrent clients (threads), %.0f s: sessions/s counted by the fleet"
            % (CLIENTS, LOAD_S), (s["sessions"] - n0) / dt, "sessions/s")
        row(SEC, "  GET/ACTION requests per second", res["gets"] / dt, "1/s")
        row(SEC, "  read rounds / top-ups done / top-up tokens accepted / failures",
            "%d / %d / %d / %d" % (res["reads"], res["topups"], res["accepted"], res["failed"]),
            "")
        if times:
            row(SEC, "  time per work item, median / 95th percentile", "%.0f / %.0f" % (
                times[len(times) // 2] * 1000, times[int(len(times) * 0.95)] * 1000), "ms")
        row(SEC, "  fleet process CPU per session (sweep included)",
            cpu * 1000 / max(s["sessions"] - n0, 1), "ms")
        row(SEC, "fleet RSS after the load", proc_status(pid, "VmRSS") / 1024, "MB")
        row(SEC, "fleet summary at the end: meter hours run / meters on low credit / relays open",
            "%.1f / %d / %d" % (s["meter_time_s"] / 3600, s["low_credit"], s["relays_open"]),
            "")
    finally:
        fleet.stop()
        shutil.rmtree(tmp, ignore_errors=True)


main()
