"""A fleet of independent virtual meters in one asyncio process (CPython).

    python tools/fleet.py --meters 200 [--base-port 4059] [--data fleet-data]
                          [--vending-key HEX] [--list meters.csv|meters.json]

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

Scaling: a meter is only a listening socket until a client first connects;
the App (meter, state store, DLMS server) is built then, so N idle meters cost
N sockets. The STS tables, the DLMS object code and the event-log code are
shared module state. One asyncio task ticks the meters that exist, every 5 s.
"""
import argparse
import asyncio
import json
import os
import sys

from boards.host import tcp_optical
from boards.host.hostmeter import HostMeter
from pctools import stskeys
from pctools.stskeys import luhn_digit, pan_of

FLEET_VENDING_KEY = "0123456789abcdef"  # a test vending key; never a real one
FLEET_MFR = "66"
FLEET_SGC = 999910


def fleet_drn(n):
    body = FLEET_MFR + "%08d" % (n + 1)
    return body + luhn_digit(body)


def identity(n, vending_key=FLEET_VENDING_KEY, sgc=FLEET_SGC):
    drn = fleet_drn(n)
    pan = pan_of(drn)
    key = stskeys.dkga02(bytes.fromhex(vending_key), pan, 2, sgc, 1, 1)
    return {"meter": n, "drn": drn, "pan": pan, "ea": 7, "decoder_key": key.hex(),
            "sgc": sgc, "ti": 1, "krn": 1, "kt": 2, "base_date": 2014}


class VirtualMeter(HostMeter):
    """One meter of the fleet (boards/host/hostmeter: App over a host folder,
    its own monotonic clock, built on first use) and its optical port."""

    def __init__(self, folder, provision, hdlc_addresses=(1,)):
        HostMeter.__init__(self, folder, provision, hdlc_addresses=hdlc_addresses)
        self._optical = None

    @property
    def optical(self):
        """The meter's optical port (boards/host/tcp_optical), built on first use."""
        if self._optical is None:
            name = os.path.basename(self.folder)
            self._optical = tcp_optical.OpticalPort(
                self.app.server, log=lambda line: _log("fleet %s %s" % (name, line)))
        return self._optical


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
    def __init__(self, n, data, base_port=4059, host="127.0.0.1", vending_key=FLEET_VENDING_KEY,
                 one_port=None):
        self.host = host
        self.base_port = base_port
        self.one_port = one_port
        self.idents = [identity(i, vending_key) for i in range(n)]
        # each meter answers upper address 1 with any lower address (its own port),
        # and (1, PHYSICAL_BASE + n) (the one-port mode)
        self.meters = [VirtualMeter(os.path.join(data, "meter-%04d" % i), provision_for(d),
                                    hdlc_addresses=(1, (1, PHYSICAL_BASE + i)))
                       for i, d in enumerate(self.idents)]
        self.servers = []
        self._ticker = None

    async def start(self):
        if self.base_port:
            for i, vm in enumerate(self.meters):
                self.servers.append(await serve_meter(vm, self.host, self.base_port + i))
        if self.one_port is not None:
            self.servers.append(await serve_one_port(self.meters, self.host, self.one_port))
        self._ticker = asyncio.ensure_future(self._tick_all())
        return self

    async def _tick_all(self):
        while True:
            await asyncio.sleep(5)
            for vm in self.meters:
                vm.tick()

    async def stop(self):
        if self._ticker is not None:
            self._ticker.cancel()
        for s in self.servers:
            s.close()
        for s in self.servers:
            await s.wait_closed()
        self.servers = []

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
    args = ap.parse_args(argv)
    fleet = Fleet(args.meters, args.data, args.base_port, args.host, args.vending_key,
                  args.one_port)
    fmt = args.format or ("json" if (args.list or "").endswith(".json") else "csv")
    if args.list:
        with open(args.list, "w") as f:
            write_list(fleet.rows(), fmt, f)
    else:
        write_list(fleet.rows(), fmt, sys.stdout)
    sys.stdout.flush()

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
        while True:
            await asyncio.sleep(3600)

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass
    except tcp_optical.ListenError as exc:
        print("fleet: error: %s" % exc, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
