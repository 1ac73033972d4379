"""A fleet of independent virtual meters in one asyncio process (CPython).

    .venv/bin/python tools/fleet.py --meters 200 [--base-port 4059] [--data fleet-data]
                          [--vending-key HEX] [--list meters.csv|meters.json]
    .venv/bin/python tools/fleet.py --meters 10000 --base-port 0 --one-port 4059 --speed 600

Meter n (0-based) listens on 127.0.0.1:(base-port + n) and is its own meter:
own DRN, own decoder key, own data folder (DATA/meter-NNNN/) and own clock.
Each meter's port is its optical port, exactly as `make sim`'s single virtual
meter (boards/host/tcp_optical, docs/sim.md): one HDLC session (logical
device 1) at a time, a few connections waiting, idle ones closed. The DLMS
keys are the development keys of docs/dlms.md for every meter (a head-end
load test needs the STS keys to differ, not the DLMS ones).

Identity (so a head-end can vend for every meter):
  DRN   = "66" (a made-up 2-digit manufacturer code) + 8-digit serial n+1 + the
          Luhn check digit of those 10 digits (11-digit DRN, sts.md 4.4);
  PAN   = "600727" + DRN + Luhn check digit;
  key   = DKGA02(fleet vending key, PAN, KT 2, SGC, TI 1, KRN 1), EA07,
          base date 2014 (sts.md 8).
Printed (stdout or --list) as CSV (or JSON):
  meter,port,hdlc_server,drn,pan,ea,decoder_key,sgc,ti,krn,base_date.

One port for all (--one-port P): a connection's first HDLC frame picks the
meter by its destination address: upper (logical) 1, lower (physical) 16 + n,
i.e. the 4-byte server address hdlc_server = 1 << 14 | (16 + n) as gurux's
GXDLMSClient.getServerAddress(1, 16 + n) gives it (pctools/meterclient.py
--server). Sessions of different meters run at once over that one port; a
connection that addresses no meter, or sends no frame within 3 s, is closed.
Thousands of meters: use --base-port 0 --one-port P (no socket per meter).

Consumption (tools/pctools/loadmodel.py): each meter feeds a household with a
base load and a daily shape, seeded (--seed) per meter; a new meter gets a
first credit token (about --credit kWh) at meter time 0. The fleet's clock
runs --speed times real time; the meters are metered in steps of --step meter
seconds, each step as a board meters (Meter.consume, set_power, App.tick), so
credit runs down, low-credit events are logged and relays open. A meter is
built on first use -- its first connection, or the fleet's background sweep,
which builds every meter in turn and keeps each up to the fleet's time -- and
a meter addressed between sweeps is first brought up to date: it has then
metered exactly what it would have metered step by step. --no-load: meters
draw nothing and are built only when first addressed.

Summary (stderr, every --interval s; redrawn in place on a terminal): meter
time, meters built, sessions per second, low credit, relays open, how far the
sweep is behind; --json: one JSON object per interval on stdout instead (the
meter list then only with --list); --quiet: none.
"""
import argparse
import asyncio
import json
import os
import sys
import time

from boards.host import tcp_optical
from boards.host.hostmeter import EPOCH_2000, HostMeter
from pctools import stskeys
from pctools.loadmodel import LoadModel
from pctools.stskeys import luhn_digit, pan_of

FLEET_VENDING_KEY = "0123456789abcdef"  # a test vending key; never a real one
FLEET_MFR = "66"
FLEET_SGC = 999910
FIRST_CREDIT_TID = (2024, 1, 1)  # the first credit token's issue date (before any vend "now")
SWEEP_SLICE_S = 0.01  # the background sweep runs this long between serving the sockets
SWEEP_IDLE_S = 0.1  # and waits up to this long (until the next step) once all are up to date


def fleet_drn(n):
    body = FLEET_MFR + "%08d" % (n + 1)
    return body + luhn_digit(body)


def identity(n, vending_key=FLEET_VENDING_KEY, sgc=FLEET_SGC):
    drn = fleet_drn(n)
    pan = pan_of(drn)
    key = stskeys.dkga02(bytes.fromhex(vending_key), pan, 2, sgc, 1, 1)
    return {"meter": n, "drn": drn, "pan": pan, "ea": 7, "decoder_key": key.hex(),
            "sgc": sgc, "ti": 1, "krn": 1, "kt": 2, "base_date": 2014}


class FleetTime:
    """The fleet's meter time: real seconds since start x speed, from wall
    clock `epoch` (seconds since 2000) on; metering advances in model.step_s."""

    def __init__(self, model, speed=1, epoch=None):
        self.model = model
        self.speed = speed
        self.epoch = int(time.time()) - EPOCH_2000 if epoch is None else epoch
        self.t0 = time.monotonic()

    def seconds(self):
        return int((time.monotonic() - self.t0) * self.speed)

    def step(self):
        return self.seconds() // self.model.step_s

    def to_next_step(self):
        """Real seconds until the next step begins."""
        if not self.speed:
            return SWEEP_IDLE_S
        due = (self.step() + 1) * self.model.step_s / self.speed + self.t0
        return max(due - time.monotonic(), 0)


class Stats:
    def __init__(self):
        self.sessions = 0  # HDLC sessions started (SNRM accepted) on any meter


class VirtualMeter(HostMeter):
    """One meter of the fleet (boards/host/hostmeter: App over a host folder,
    built on first use) and its optical port. Without `fleet_time` its clock
    is its own monotonic clock. With it, meter n's clock is `t`, the meter
    seconds it has been metered up to (advance), and its wall clock is the
    fleet's epoch + t: what it meters is a function of the model and t only."""

    def __init__(self, folder, provision, hdlc_addresses=(1,), n=0, fleet_time=None, stats=None):
        self.t = 0
        self.steps = 0
        self.fleet_time = fleet_time
        self.stats = stats
        self._ws = 0  # W x s drawn and not yet metered (below 1 Wh)
        self._optical = None
        if fleet_time is None:
            self.household = None
            HostMeter.__init__(self, folder, provision, hdlc_addresses=hdlc_addresses)
            return
        self.household = fleet_time.model.household(n)
        HostMeter.__init__(self, folder, provision, clock=self._clock, wallclock=self._wall,
                           hdlc_addresses=hdlc_addresses)

    def _clock(self):
        return self.t

    def _wall(self):
        return self.fleet_time.epoch + self.t

    def _build(self):
        HostMeter._build(self)
        h = self.household
        if h is not None and self._app.meter.fresh and h.credit_units > 0:
            from sts import vend
            p = self.provision
            tok = vend.vend(p["ea"], bytes.fromhex(p["key"]), 0, 0, value=h.credit_units,
                            tid=vend.tid_for(p["base_date"], *FIRST_CREDIT_TID))
            self._app.meter.enter_token(tok)

    def advance(self, to_step):
        """Meter the household up to step `to_step` (built first if need be),
        one step at a time, each as a board meters: the energy of the step
        (drawn while the relay was closed) -> Meter.consume, the demand ->
        set_power, App.tick. Run late it gives what it gives run on time."""
        app = self.app
        m = app.meter
        h = self.household
        s = h.step_s
        while self.steps < to_step:
            w = h.power(self.fleet_time.epoch + self.t) if m.relay_closed else 0
            self.steps += 1
            self.t += s
            ws = self._ws + w * s
            wh = ws // 3600
            self._ws = ws - wh * 3600
            if wh:
                m.consume(wh)
            m.set_power(w if m.relay_closed else 0)
            app.tick()

    def catch_up(self):
        """Up to the fleet's time (with a consumption model)."""
        if self.fleet_time is not None:
            self.advance(self.fleet_time.step())

    @property
    def optical(self):
        """The meter's optical port (boards/host/tcp_optical), built on first use."""
        if self._optical is None:
            name = os.path.basename(self.folder)
            self._optical = MeterPort(self, log=lambda line: _log("fleet %s %s" % (name, line)))
        return self._optical


class MeterPort(tcp_optical.OpticalPort):
    """A fleet meter's optical port: the meter is brought up to the fleet's
    time before it hears a connection or a frame; HDLC sessions are counted."""

    def __init__(self, vm, log):
        tcp_optical.OpticalPort.__init__(self, vm.app.server, log=log)
        self.vm = vm

    def accept(self, conn, now):
        self.vm.catch_up()
        return tcp_optical.OpticalPort.accept(self, conn, now)

    def received(self, conn, data, now):
        self.vm.catch_up()
        link = self.server.link
        was = link.connected
        tcp_optical.OpticalPort.received(self, conn, data, now)
        if link.connected and not was and self.vm.stats is not None:
            self.vm.stats.sessions += 1


def _log(line):
    print(line, file=sys.stderr)


PHYSICAL_BASE = 16  # lower HDLC address of meter 0 in the one-port mode


def destination(head):
    """(upper, lower) HDLC destination address of the frame starting at
    head[0] (7E, 2 format bytes, address), None if incomplete or malformed."""
    from dlms import hdlc_address
    if len(head) < 4 or head[0] != 0x7E:
        return None
    n = hdlc_address.length(head, 3, len(head))
    if n == 0:
        return None
    return hdlc_address.decode(head, 3, n)


def provision_for(ident):
    return {"drn": ident["drn"], "ea": ident["ea"], "key": ident["decoder_key"],
            "kt": ident["kt"], "krn": ident["krn"], "ti": ident["ti"], "sgc": ident["sgc"],
            "ken": 255, "base_date": ident["base_date"]}


async def serve_meter(vm, host, port):
    """Listen for one meter: its optical port (one session at a time)."""
    return await tcp_optical.listen(host, port, lambda: vm.optical)


class AddressRouter:
    """The --one-port listener's target: a new connection is held until the
    destination address of its first HDLC frame picks the meter -- lower
    (physical) address PHYSICAL_BASE + n, upper (logical) 1 as everywhere --
    then handed to that meter's optical port. Sessions of different meters
    run concurrently; one meter takes one session at a time. Unaddressed
    connections: at most max_pending, each for at most pre_snrm_ms."""

    def __init__(self, meters, pre_snrm_ms=tcp_optical.PRE_SNRM_MS, max_pending=64, log=None):
        self.meters = meters
        self.pre_snrm_ms = pre_snrm_ms
        self.max_pending = max_pending
        self.log = log or _log
        self.pending = []
        self.ports = []  # meters' optical ports with connections, to tick

    def accept(self, conn, now):
        conn.port = self
        if len(self.pending) >= self.max_pending:
            self.drop(conn, now, "refused, %d connections are unaddressed" % len(self.pending))
            return False
        conn.t = now
        conn.rx = b""
        self.pending.append(conn)
        return True

    def received(self, conn, data, now):
        head = conn.rx + data
        addr = destination(head)
        if addr is None and len(head) < 16:
            conn.rx = head
            return
        n = -1 if addr is None else addr[1] - PHYSICAL_BASE
        if not 0 <= n < len(self.meters):
            self.drop(conn, now, "addressed no meter (%r)" % (addr,))
            return
        self.pending.remove(conn)
        port = self.meters[n].optical
        if port.accept(conn, now):
            if port not in self.ports:
                self.ports.append(port)
            port.received(conn, head, now)

    def closed(self, conn, now, err=None):
        self.drop(conn, now, None if err is None else "hung up (%s)" % type(err).__name__)

    def drop(self, conn, now, why=None):
        if why:
            self.log("fleet: %s %s" % (conn.name, why))
        conn.close()
        if conn in self.pending:
            self.pending.remove(conn)

    def tick(self, now):
        for c in list(self.pending):
            if tcp_optical.ticks_diff(now, c.t) >= self.pre_snrm_ms:
                self.drop(c, now, "closed, no HDLC frame for %d ms" % self.pre_snrm_ms)
        self.ports = [p for p in self.ports if p.tick(now)]
        return bool(self.pending or self.ports)


async def serve_one_port(meters, host, port):
    """One listener for all meters, addressed by HDLC server address."""
    router = AddressRouter(meters)
    return await tcp_optical.listen(host, port, lambda: router)


class Fleet:
    """n meters; `model` a loadmodel.LoadModel (None: meters draw nothing),
    `speed` and `epoch` (wall clock seconds since 2000 at start) for its time."""

    def __init__(self, n, data, base_port=4059, host="127.0.0.1", vending_key=FLEET_VENDING_KEY,
                 one_port=None, model=None, speed=1, epoch=None):
        self.host = host
        self.base_port = base_port
        self.one_port = one_port
        self.idents = [identity(i, vending_key) for i in range(n)]
        self.time = None if model is None else FleetTime(model, speed, epoch)
        self.stats = Stats()
        # each meter answers upper address 1 with any lower address (its own port),
        # and (1, PHYSICAL_BASE + n) (the one-port mode)
        self.meters = [VirtualMeter(os.path.join(data, "meter-%04d" % i), provision_for(d),
                                    hdlc_addresses=(1, (1, PHYSICAL_BASE + i)), n=i,
                                    fleet_time=self.time, stats=self.stats)
                       for i, d in enumerate(self.idents)]
        self.servers = []
        self._ticker = None
        self._cursor = 0

    async def start(self):
        if self.base_port:
            for i, vm in enumerate(self.meters):
                self.servers.append(await serve_meter(vm, self.host, self.base_port + i))
        if self.one_port is not None:
            self.servers.append(await serve_one_port(self.meters, self.host, self.one_port))
        self._ticker = asyncio.ensure_future(self._tick_all() if self.time is None
                                             else self._sweep())
        return self

    async def _tick_all(self):
        while True:
            await asyncio.sleep(5)
            for vm in self.meters:
                vm.tick()

    def sweep(self, budget_s):
        """Build and advance meters in turn for up to budget_s (at least one
        meter); True when every meter is built and up to the fleet's time."""
        meters = self.meters
        n = len(meters)
        target = self.time.step()
        end = time.monotonic() + budget_s
        current = 0  # meters found up to date in a row
        while current < n:
            vm = meters[self._cursor]
            self._cursor = (self._cursor + 1) % n
            if vm.built() and vm.steps >= target:
                current += 1
                continue
            vm.advance(target)
            current = 0
            if time.monotonic() >= end:
                return False
        return True

    async def _sweep(self):
        while True:
            done = self.sweep(SWEEP_SLICE_S)
            await asyncio.sleep(min(SWEEP_IDLE_S, self.time.to_next_step()) if done else 0)

    def failed(self):
        """The background task's exception, if it stopped with one."""
        t = self._ticker
        return t.exception() if t is not None and t.done() and not t.cancelled() else None

    async def stop(self):
        if self._ticker is not None:
            self._ticker.cancel()
        for s in self.servers:
            s.close()
        for s in self.servers:
            await s.wait_closed()
        self.servers = []

    def summary(self):
        """The fleet at a glance (what the live summary shows)."""
        built = low = opened = 0
        behind = 0
        target = self.time.step() if self.time is not None else 0
        for vm in self.meters:
            if not vm.built():
                continue
            built += 1
            m = vm.app.meter
            low += bool(m.low_credit)
            opened += not m.relay_closed
            if self.time is not None and target - vm.steps > behind:
                behind = target - vm.steps
        s = {"meters": len(self.meters), "built": built, "sessions": self.stats.sessions,
             "low_credit": low, "relays_open": opened}
        if self.time is not None:
            step = self.time.model.step_s
            wall = time.gmtime(EPOCH_2000 + self.time.epoch + target * step)
            s.update(meter_time_s=target * step, clock="%04d-%02d-%02d %02d:%02d UTC" % wall[:5],
                     speed=self.time.speed, behind_s=behind * step)
        return s

    def rows(self):
        return [dict(d, port=self.base_port + d["meter"] if self.base_port else "",
                     hdlc_server=(1 << 14 | PHYSICAL_BASE + d["meter"]))
                for d in self.idents]


COLUMNS = ("meter", "port", "hdlc_server", "drn", "pan", "ea", "decoder_key", "sgc", "ti", "krn",
           "base_date")


def write_list(rows, fmt, out):
    if fmt == "json":
        json.dump([{k: r[k] for k in COLUMNS} for r in rows], out, indent=1)
        out.write("\n")
        return
    out.write(",".join(COLUMNS) + "\n")
    for r in rows:
        out.write(",".join(str(r[k]) for k in COLUMNS) + "\n")


def summary_line(s, per_s):
    """One line of the live summary from Fleet.summary() and sessions/s."""
    head = ""
    if "clock" in s:
        head = "%s x%g%s  " % (s["clock"], s["speed"],
                               " (%d s behind)" % s["behind_s"] if s["behind_s"] else "")
    return "%sbuilt %d/%d  %.1f sessions/s  low credit %d  relays open %d" % (
        head, s["built"], s["meters"], per_s, s["low_credit"], s["relays_open"])


class Reporter:
    """The live summary every `interval` s: a JSON object per line on
    stdout (json), a line on stderr (redrawn in place on a terminal), or
    nothing (quiet)."""

    def __init__(self, fleet, interval, mode):
        self.fleet = fleet
        self.interval = interval
        self.mode = mode
        self.tty = mode == "text" and sys.stderr.isatty()
        self.last = (time.monotonic(), 0)

    def report(self):
        s = self.fleet.summary()
        now = time.monotonic()
        t0, n0 = self.last
        self.last = (now, s["sessions"])
        s["sessions_per_s"] = round((s["sessions"] - n0) / max(now - t0, 1e-3), 1)
        if self.mode == "json":
            sys.stdout.write(json.dumps(s) + "\n")
            sys.stdout.flush()
        elif self.mode == "text":
            line = "fleet: " + summary_line(s, s["sessions_per_s"])
            sys.stderr.write(("\r%s\x1b[K" if self.tty else "%s\n") % line)
            sys.stderr.flush()

    async def run(self):
        while True:
            await asyncio.sleep(self.interval)
            err = self.fleet.failed()
            if err is not None:
                raise err
            self.report()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog=__doc__.split("\n\n", 1)[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--meters", type=int, required=True)
    ap.add_argument("--base-port", type=int, default=4059,
                    help="meter n listens on base-port + n (0: no per-meter ports)")
    ap.add_argument("--one-port", type=int, default=None,
                    help="also serve every meter on this one port, addressed by HDLC server "
                         "address (lower address 16 + n; see hdlc_server in the list)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--data", default="fleet-data", help="parent folder of the meters' folders")
    ap.add_argument("--vending-key", default=FLEET_VENDING_KEY, help="DKGA02 vending key (hex)")
    ap.add_argument("--list", help="write the meter list here (.json or .csv) instead of stdout")
    ap.add_argument("--format", choices=("csv", "json"), default=None)
    ap.add_argument("--speed", type=float, default=1,
                    help="the fleet's clock runs this many times real time (default 1)")
    ap.add_argument("--seed", type=int, default=1, help="consumption model seed (default 1)")
    ap.add_argument("--credit", type=float, default=30,
                    help="mean first credit of a new meter, kWh (default 30)")
    ap.add_argument("--step", type=int, default=60,
                    help="metering step, meter seconds (default 60)")
    ap.add_argument("--no-load", action="store_true",
                    help="meters draw nothing (built only when first addressed)")
    ap.add_argument("--interval", type=float, default=1, help="summary every N s (default 1)")
    out = ap.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true",
                     help="the summary as JSON lines on stdout (the list only with --list)")
    out.add_argument("--quiet", action="store_true", help="no summary")
    args = ap.parse_args(argv)
    if args.meters < 1 or args.speed < 0 or args.step < 1 or args.credit < 0 or args.interval <= 0:
        ap.error("--meters, --step and --interval must be positive, --speed and --credit not "
                 "negative")
    if args.one_port is not None and PHYSICAL_BASE + args.meters > 0x4000:
        ap.error("--one-port addresses at most %d meters (14-bit lower HDLC address)"
                 % (0x4000 - PHYSICAL_BASE))
    model = None if args.no_load else LoadModel(args.seed, args.credit, args.step)
    fleet = Fleet(args.meters, args.data, args.base_port, args.host, args.vending_key,
                  args.one_port, model, args.speed)
    fmt = args.format or ("json" if (args.list or "").endswith(".json") else "csv")
    if args.list:
        with open(args.list, "w") as f:
            write_list(fleet.rows(), fmt, f)
    elif not args.json:
        write_list(fleet.rows(), fmt, sys.stdout)
    sys.stdout.flush()
    reporter = Reporter(fleet, args.interval,
                        "json" if args.json else "quiet" if args.quiet else "text")

    async def run():
        await fleet.start()
        if args.base_port:
            print("fleet: %d meters on %s:%d..%d" % (args.meters, args.host, args.base_port,
                                                     args.base_port + args.meters - 1),
                  file=sys.stderr)
        if args.one_port is not None:
            print("fleet: all meters on %s:%d by HDLC server address" % (args.host, args.one_port),
                  file=sys.stderr)
        print("Ctrl-C to stop", file=sys.stderr)
        await reporter.run()

    try:
        tcp_optical.run(run())
    except KeyboardInterrupt:
        pass
    except tcp_optical.ListenError as exc:
        print("fleet: error: %s" % exc, file=sys.stderr)
        return 2
    finally:
        if reporter.tty:
            sys.stderr.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
