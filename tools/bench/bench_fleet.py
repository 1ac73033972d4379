"""Virtual meter fleet and conformance runner (CPython only: asyncio TCP,
gurux-dlms clients; micropython prints SKIP). Memory per virtual meter
(tracemalloc), aggregate GET requests per second of a 200-meter fleet
(tools/fleet.py in a subprocess) under concurrent gurux clients on loopback,
and the wall time of the full conformance suite (tools/cts.py) against one
virtual meter.

Options: none (-h, --help: this text).
Sections in docs/benchmarks.md: "Virtual meter fleet", "Conformance runner".
"""
import benchutil

benchutil.usage(__name__)

import sys  # noqa: E402

if sys.implementation.name != "cpython":
    print("SKIP bench_fleet: CPython only (asyncio sockets, gurux-dlms)")
    sys.exit(0)

import asyncio  # noqa: E402
import contextlib  # noqa: E402
import io  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOLS = os.path.join(ROOT, "tools")
sys.path.append(TOOLS)

from pctools import fleet  # noqa: E402
from provision import DEV_PROVISION as DEV  # noqa: E402
from benchutil import proc_cpu_s, row  # noqa: E402

SEC = "Virtual meter fleet"
FLEET_N = 200
CLIENTS = 8
GET_SECONDS = 3.0


def memory_per_meter(tmp, n=40):
    """tracemalloc bytes per meter: idle (listening, App not built) and
    built (App: meter, stores, DLMS server) after one session's worth of use."""
    f = fleet.Fleet(1, os.path.join(tmp, "warm"))
    f.meters[0].app  # load and compile every module once
    tracemalloc.start()
    idle = [fleet.VirtualMeter(os.path.join(tmp, "m%03d" % i),
                               fleet.provision_for(fleet.identity(i))) for i in range(n)]
    a = tracemalloc.get_traced_memory()[0]
    for vm in idle:
        vm.app
    b = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()

    async def listeners():
        tracemalloc.start()
        t0 = tracemalloc.get_traced_memory()[0]
        srv = []
        for vm in idle:
            srv.append(await fleet.serve_meter(vm, "127.0.0.1", 0))
        t1 = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        for s in srv:
            s.close()
        return t1 - t0

    lst = asyncio.run(listeners())
    return a / n, (b - a) / n, lst / n


def free_base(n):
    for _ in range(50):
        base = random.randrange(20000, 32000 - n)  # below the ephemeral port range
        socks = []
        try:
            for i in range(n):
                s = socket.socket()
                s.bind(("127.0.0.1", base + i))
                socks.append(s)
            return base
        except OSError:
            pass
        finally:
            for s in socks:
                s.close()
    raise SystemExit("no free port range")


def get_rate(tmp, base, pid, client):
    """CLIENTS threads, each holding an association (client 1: HLS-GMAC with
    authenticated encryption; client 16: public, no security) to a different
    meter of the fleet in turn, reading a register for GET_SECONDS in total."""
    from gurux_dlms.objects import GXDLMSCredit, GXDLMSData
    from pctools.meterclient import MeterClient
    stop = time.monotonic() + GET_SECONDS
    counts = [0] * CLIENTS
    sessions = [0] * CLIENTS

    def worker(k):
        i = k
        while time.monotonic() < stop:
            with MeterClient("socket://127.0.0.1:%d" % (base + i % FLEET_N), client=client,
                             timeout=10) as m:
                sessions[k] += 1
                obj = GXDLMSCredit("0.0.19.10.0.255") if client == 1 else \
                    GXDLMSData("0.0.96.1.0.255")
                for _ in range(20):
                    m.read(obj, 2)
                    counts[k] += 1
                    if time.monotonic() >= stop:
                        break
            i += CLIENTS

    cpu0 = proc_cpu_s(pid)
    t0 = time.monotonic()
    with contextlib.redirect_stdout(io.StringIO()):  # gurux prints per ciphered APDU
        with ThreadPoolExecutor(CLIENTS) as ex:
            list(ex.map(worker, range(CLIENTS)))
    dt = time.monotonic() - t0
    cpu1 = proc_cpu_s(pid)
    n = sum(counts)
    server_ms = (cpu1 - cpu0) * 1000 / n if cpu0 is not None and n else None
    return n / dt, sum(sessions), server_ms


def start_fleet(tmp):
    """tools/fleet.py with FLEET_N idle meters (--no-load: built on first use,
    as these figures always were) in a subprocess; (process, base port,
    seconds until the last meter listens)."""
    base = free_base(FLEET_N)
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, os.path.join(TOOLS, "fleet.py"), "--meters",
                             str(FLEET_N), "--base-port", str(base), "--data",
                             os.path.join(tmp, "fleet"), "--no-load", "--quiet"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):  # wait for the last port
        try:
            socket.create_connection(("127.0.0.1", base + FLEET_N - 1), 0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    return proc, base, time.monotonic() - t0


def suite_time(tmp):
    from pctools import cts
    vm = fleet.VirtualMeter(os.path.join(tmp, "cts"), {})
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    box = {}

    def run():
        asyncio.set_event_loop(loop)
        box["srv"] = loop.run_until_complete(fleet.serve_meter(vm, "127.0.0.1", 0))
        ready.set()
        loop.run_forever()

    threading.Thread(target=run, daemon=True).start()
    ready.wait(10)
    port = box["srv"].sockets[0].getsockname()[1]
    args = cts.build_parser().parse_args([
        "--port", "socket://127.0.0.1:%d" % port, "--quiet", "--key", DEV["key"],
        "--vending-key", "abababababababab", "--sgc", str(DEV["sgc"]),
        "--base-date", str(DEV["base_date"])])
    t0 = time.monotonic()
    code, rep = cts.run(args)
    dt = time.monotonic() - t0
    loop.call_soon_threadsafe(loop.stop)
    tokens = sum(len(r["checks"]) for r in rep["steps"])
    return dt, code, rep["summary"]["pass"], tokens


def main():
    tmp = tempfile.mkdtemp(prefix="bench_fleet")
    try:
        idle, built, listen = memory_per_meter(tmp)
        row(SEC, "memory per meter, idle object (tracemalloc)", idle / 1024, "KiB")
        row(SEC, "memory per meter, TCP listener (tracemalloc)", listen / 1024, "KiB")
        row(SEC, "memory per meter, App built (tracemalloc)", built / 1024, "KiB")
        proc, base, up = start_fleet(tmp)
        row(SEC, "start of a %d-meter fleet until the last port listens (process start "
            "included)" % FLEET_N, up, "s")
        try:
            for client, label in ((1, "HLS-GMAC ciphered"), (16, "public, no security")):
                rate, sessions, server_ms = get_rate(tmp, base, proc.pid, client)
                row(SEC, "GET/s, %d meters, %d concurrent clients, %s, loopback"
                    % (FLEET_N, CLIENTS, label), rate, "GET/s")
                row(SEC, "associations in %.0f s, %s" % (GET_SECONDS, label), sessions, "")
                if server_ms is not None:
                    row(SEC, "fleet process CPU per GET (incl. association), %s" % label,
                        server_ms, "ms")
        finally:
            proc.terminate()
            proc.wait(10)
        dt, code, passed, checks = suite_time(tmp)
        row("Conformance runner", "full suite wall time vs the virtual meter (%d steps, %d checks)"
            % (passed, checks), dt, "s")
        if code != 0:
            print("WARNING: the suite did not pass (exit %d)" % code)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


main()
