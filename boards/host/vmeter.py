# The virtual meter: the firmware (start.start_meter, app.App, runtime.Runtime)
# on the `host` board, under CPython or the unix micropython executable. The
# meter is built as every PC meter is (hostmeter.HostMeter).
# Started by tools/sim.py (`make sim`, `make sim MP=1`); see docs/sim.md.
#
#   optical port  HDLC over TCP on 127.0.0.1:4059 (--port), and with --pty a
#                 pseudo-terminal through hal.uart_port (CPython only); with
#                 --mode-e both start with the IEC 62056-21 mode E sign-on
#   keypad        the terminal: 0-9, # or Enter = Enter, * or B = back,
#                 C = clear, A = credit, q = quit; with --control PORT also a
#                 line protocol on TCP (keys/status/load/speed/until/mem/quit)
#   display       one line with the display text, relay, LEDs, load
#   storage       a host directory (--data, default sim-data) that plays the
#                 board's root file system: DATA_DIR, provision.json, and the
#                 firmware slots (docs/update.md): bootslot chooses the slot
#                 as main.py does on a board; slot A is the source tree until
#                 an update installs one. After an update's activation the
#                 process exits with RESTART_EXIT (a board resets): start it
#                 again (make sim does) to run the new firmware.
#   clock         --speed N: the meter's uptime clock runs N times faster; the
#                 front panel's timeouts (keypad entry, message hold) stay in
#                 real time (runtime.Runtime ui, app.App ui_clock); --clock
#                 ISO: the RTC's start (default the PC's time); --step S:
#                 meter time in whole steps of S s, --until ISO: the clock
#                 stops there (vmeter_opt.StepClock, a deterministic run)
#   load          --load W: a simulated load drawn while the relay is closed,
#                 as S0 pulses through hal.pulse (board PULSES_PER_KWH), plus
#                 with --load-schedule FILE the schedule's (vmeter_opt)
#
# Machine stand-ins come from boards/host/machine_stub.py only.
import sys

try:
    _here = sys.argv[0].rsplit("/", 1)[0] if "/" in sys.argv[0] else "."
except Exception:
    _here = "."
for _p in (_here, _here + "/../../firmware"):
    if _p not in sys.path:
        sys.path.append(_p)  # after MICROPYPATH: precompiled .mpy files win

import os  # noqa: E402
import asyncio  # noqa: E402

import machine_stub  # noqa: E402

sys.modules["machine"] = machine_stub
import board  # noqa: E402  (boards/host/board.py)
import bootslot  # noqa: E402  (firmware/bootslot.py and main.py: outside the slots)
import main  # noqa: E402
import gc  # noqa: E402
import time  # noqa: E402  (ScaledClock.now: the RTC starts at the PC's time)

# Collect every 4 KB allocated until the meter is built (main.py on a board:
# 16 KB): on the 64-bit port the heap is near its limit, and the build's
# code, unloaded after it, must not leave the long-lived objects in pieces
# (docs/sim.md: largest free block at ready with 288k, 11 KB at 16 KB, 36 KB
# at 4 KB).
_GC_THRESHOLD_AT_BOOT = 4096

if hasattr(gc, "threshold"):  # micropython: as main.py, until the meter is built
    gc.threshold(_GC_THRESHOLD_AT_BOOT)

RESTART_EXIT = 3


def _select_slot(argv):
    """bootslot's choice for the data folder in argv (--data), put first on
    sys.path when that slot holds an installed image. Before any import of
    the firmware: it must come from the slot."""
    root = argv[argv.index("--data") + 1] if "--data" in argv[:-1] else board.SIM_ROOT
    _mkdir(root)
    fs = main.RootFs(os, root)
    slot = bootslot.select(fs)
    if bootslot.complete(fs, slot):
        sys.path.insert(0, root + bootslot.SLOT_DIRS[slot])
    return slot


def _mkdir(path):
    try:
        os.mkdir(path)
    except OSError:
        pass


SLOT = _select_slot(sys.argv[1:])
del main  # main.RootFs served the slot choice: its code leaves the heap
sys.modules.pop("main", None)
import hostmeter  # noqa: E402  (after the slot: it imports the firmware)
from compat import unload  # noqa: E402
import runtime  # noqa: E402
import tcp_optical  # noqa: E402
from hal import display as hdisplay, led as hled, pulse as hpulse, relay as hrelay  # noqa: E402
from hal import watchdog as hwatchdog  # noqa: E402

CPYTHON = sys.implementation.name == "cpython"

_ticks_ms, _ticks_diff = tcp_optical.ticks_ms, tcp_optical.ticks_diff  # (CPython shims there)


def out(line):
    sys.stdout.write(line + "\n")
    f = getattr(sys.stdout, "flush", None)
    if f is not None:
        f()


class ScaledClock:
    """take_ms() for runtime.Uptime: real milliseconds x speed. Every step
    also runs the simulated load (if any) for the same meter time. now() is
    the board's RTC: `start` (seconds since 1970; default the PC's time) plus
    the meter time since."""

    def __init__(self, speed, load=None, start=None):
        self.speed = speed
        self.load = load
        self.last = _ticks_ms()
        self.frac = 0  # real ms x speed not yet handed out (x 1000)
        self.start = int(time.time()) if start is None else start
        self.total_ms = 0

    def now(self):
        return self.start + self.total_ms // 1000

    def take_ms(self):
        t = _ticks_ms()
        real = _ticks_diff(t, self.last)
        self.last = t
        acc = self.frac + int(real * self.speed * 1000)
        ms = acc // 1000
        self.frac = acc - ms * 1000
        if self.load is not None:
            self.load.advance(ms)
        self.total_ms += ms
        return ms


class SimLoad:
    """A resistive load of `watts` behind the relay, metered by an S0 pulse
    output (board.PULSES_PER_KWH) wired to a stand-in pin: the pulses reach
    the meter through hal.pulse exactly as on a board. Negative watts are
    export (a generator behind the relay) on a second S0 output, `export`.
    `extra`: the load schedule's watts for the current step (--step)."""

    def __init__(self, watts, relay):
        self.watts = watts
        self.extra = 0
        self.relay = relay
        Pin = machine_stub.Pin
        self.pin = Pin("s0", Pin.IN, Pin.PULL_UP)
        self.counter = hpulse.PulseCounter(self.pin, board.PULSES_PER_KWH, Pin.IRQ_FALLING)
        self.pin_x = Pin("s0x", Pin.IN, Pin.PULL_UP)
        self.export = hpulse.PulseCounter(self.pin_x, board.PULSES_PER_KWH, Pin.IRQ_FALLING)
        self.acc = 0  # W x ms not yet turned into pulses (signed: negative is export)
        self.per_pulse = 3600000 * 1000 // board.PULSES_PER_KWH  # W x ms per pulse

    def power(self):
        return self.watts + self.extra if self.relay.closed else 0

    def advance(self, ms):
        w = self.power()
        if not w:
            return
        if (self.acc < 0) != (w < 0):
            self.acc = 0  # the direction changed
        self.acc += w * ms
        n = abs(self.acc) // self.per_pulse
        self.acc -= n * self.per_pulse if self.acc > 0 else -n * self.per_pulse
        pin = self.pin if w > 0 else self.pin_x
        for _ in range(n):
            pin.drive(0)
            pin.drive(1)


class Screen:
    """The meter's front panel on the terminal: one redrawn line when
    interactive (the LCD's two lines side by side), one printed line per
    change when headless (the whole text)."""

    def __init__(self, sim, interactive):
        self.sim = sim
        self.interactive = interactive
        self.text = ""
        self.last = None

    def write(self, line):  # hal.display.ConsoleDisplay output
        self.text = line[len("[display] "):] if line.startswith("[display] ") else line

    def state(self):
        s = self.sim
        m = s.app.meter
        return (self.text, bool(m.relay_closed), s.leds[0].lit, s.leds[1].lit, s.leds[2].lit,
                s.load.power())

    def update(self):
        st = self.state()
        if st == self.last:
            return
        changed_text = self.last is None or st[:2] != self.last[:2]
        self.last = st
        lamp = lambda on: "*" if on else "."  # noqa: E731
        if self.interactive:  # the board's 16x2 LCD: a long text on two lines
            lines = hdisplay.wrap(st[0], board.DISPLAY_COLS, 2) + [""]
            sys.stdout.write("\r|%-16s|%-16s| relay %-3s LED %s%s%s  load %5d W  x%s  " % (
                lines[0][:16], lines[1][:16], "ON" if st[1] else "OFF", lamp(st[2]),
                lamp(st[3]), lamp(st[4]), st[5], self.sim.clock.speed))
            f = getattr(sys.stdout, "flush", None)
            if f is not None:
                f()
        elif changed_text:
            out(self.sim.status() if self.sim.opts["json"] else
                "DISPLAY %s | RELAY %s" % (st[0], "ON" if st[1] else "OFF"))


class Sim:
    def __init__(self, opts):
        self.opts = opts
        interactive = not opts["headless"] and hasattr(sys.stdin, "fileno") and _isatty()
        self.interactive = interactive
        self.screen = Screen(self, interactive)
        Pin = machine_stub.Pin
        self.relay = hrelay.Relay(Pin("relay", Pin.OUT))
        self.leds = tuple(hled.Led(Pin(n, Pin.OUT)) for n in ("status", "relay", "alarm"))
        self.display = hdisplay.ConsoleDisplay(board.DISPLAY_COLS, self.screen.write)
        self.load = SimLoad(opts["load"], self.relay)
        if opts["step"]:
            import vmeter_opt
            scaled = vmeter_opt.StepClock(opts, self.load, out)
            Rt = vmeter_opt.StepRuntime
        else:
            scaled, Rt = ScaledClock(opts["speed"], self.load, opts["clock"]), runtime.Runtime
        self.clock = scaled
        up = runtime.Uptime(scaled.take_ms)
        ui = runtime.Uptime(ScaledClock(1).take_ms)  # people's time, whatever --speed is
        root = opts["data"]
        fs = None
        if opts["hold"]:
            from vmeter_opt import HoldFS
            fs = HoldFS(root, opts["hold"], out)
        self.rtc = rtc = machine_stub.RTC(now=scaled.now)  # the clock runs x --speed too
        from hal.rtc import Clock
        wall = Clock(rtc)
        # as the board starts (start.start_meter), on the host's stand-ins
        self.host = hostmeter.HostMeter(root, board=board, clock=up.seconds, wallclock=wall.now,
                                        relay=self.relay, display=self.display, fs=fs,
                                        ui_clock=ui.seconds)
        self.app, self.source = self.host.app, self.host.source
        wd = hwatchdog.Watchdog(machine_stub.WDT, board.WDT_TIMEOUT_MS, tasks=1)
        self.rt = Rt(self.app, up, self.load.counter, self.load.power, self.leds,
                     wd, board.TICK_MS, self.screen.update, ui=ui, export=self.load.export)
        self.rt.clock = scaled  # StepRuntime's

    def key(self, ch):
        if ch in "\r\n":
            ch = "#"
        self.app.key(ch.upper())

    def status(self):
        from meter.short_codes import cts_text  # on first use, as the keypad's short codes
        m = self.app.meter
        a = m.account
        dt = self.rtc.datetime()
        return ('{"display": "%s", "relay": %s, "credit": %d, "available": %d, "energy_wh": %d, '
                '"export_wh": %d, "uptime_s": %d, "leds": [%d, %d, %d], "load_w": %d, '
                '"source": "%s", "cts": "%s", "clock": "%04d-%02d-%02dT%02d:%02d:%02d", '
                '"speed": %s}' % (
                    self.screen.text, "true" if m.relay_closed else "false", a.credit[a.metered],
                    a.available(), a.consumed_wh, a.exported_wh, self.rt.uptime.s, self.leds[0].lit,
                    self.leds[1].lit, self.leds[2].lit, self.load.watts + self.load.extra,
                    self.source, cts_text(m), dt[0], dt[1], dt[2], dt[4], dt[5], dt[6],
                    self.clock.speed))

    def command(self, line):
        """The control protocol: one command per line, one answer line."""
        words = line.split()
        if not words:
            return "ERR empty"
        cmd = words[0]
        if cmd == "keys" and len(words) > 1:
            for ch in " ".join(words[1:]):
                if ch != " ":
                    self.key(ch)
            return "OK " + self.screen.text
        if cmd == "status":
            return "OK " + self.status()
        if cmd == "load" and len(words) == 2:
            self.load.watts = int(words[1])
            return "OK"
        if cmd == "speed" and len(words) == 2:  # 0: the meter's clock stops
            from vmeter_args import speed
            self.clock.speed = speed(words[1])
            return "OK"
        if cmd == "until" and len(words) == 2 and self.opts["step"]:
            from vmeter_opt import iso_seconds
            self.clock.until = iso_seconds(words[1])
            return "OK"
        if cmd == "mem":  # heap in use after a collection, free, largest free block (micropython)
            gc.collect()
            if hasattr(gc, "mem_alloc"):
                used, free = gc.mem_alloc(), gc.mem_free()
                lo, hi = 0, free  # the largest block, probed by allocation
                while hi - lo > 16:
                    mid = (lo + hi) // 2
                    try:
                        bytearray(mid)
                        lo = mid
                    except MemoryError:
                        hi = mid
                    gc.collect()
                return "OK alloc=%d free=%d largest=%d" % (used, free, lo)
            return "OK n/a"
        if cmd == "quit":
            self.rt.stop()
            return "OK bye"
        return "ERR commands: keys DIGITS#, status, load W, speed N, until ISO (--step), mem, quit"

    async def control(self, reader, writer):
        try:
            while True:
                try:
                    line = await reader.readline()
                except OSError:
                    break
                if not line:
                    break
                try:
                    answer = self.command(line.decode().strip())
                except ValueError as e:  # a bad number or date: nothing changed
                    answer = "ERR %s" % e
                writer.write((answer + "\n").encode())
                await writer.drain()
        finally:
            writer.close()

    async def terminal(self):
        import select
        p = select.poll()
        p.register(sys.stdin, select.POLLIN)
        while True:
            if p.poll(0):
                ch = os.read(0, 1).decode() if CPYTHON else sys.stdin.read(1)
                if not ch:
                    return  # end of input
                if ch in "qQ":
                    self.rt.stop()
                    return
                if ch not in " \t":
                    self.key(ch)
            await asyncio.sleep(0.02)

    async def start(self):
        o = self.opts
        tasks = []
        mode_e = self.app.mode_e_port if o["mode_e"] else lambda: None
        await tcp_optical.start(self.app.server, o["host"], o["port"], log=out, mode_e=mode_e())
        msg = "virtual meter %s (%s keys, firmware slot %s): optical port%s tcp %s:%d" % (
            self.app.meter.sts.drn, self.source, "AB"[SLOT], " (mode E)" if o["mode_e"] else "",
            o["host"], o["port"])
        if o["control"]:
            try:
                await asyncio.start_server(self.control, o["host"], o["control"])
            except OSError as e:
                raise tcp_optical.ListenError(
                    "--control: " + tcp_optical.listen_error(e, o["host"], o["control"]))
            msg += ", control tcp %d" % o["control"]
        if o["pty"]:
            if not CPYTHON:
                raise SystemExit("--pty needs CPython")
            from hal.uart_port import UartPort
            from vmeter_opt import PtyUart
            pu = PtyUart()
            tasks.append(UartPort(pu, mode_e() or self.app.server, ticks_ms=_ticks_ms).run())
            msg += ", serial %s" % pu.name
        out('{"ready": "%s"}' % msg if o["json"] else "READY " + msg)
        if self.interactive:
            out("keys: 0-9, # or Enter = Enter, * = back, C = clear, A = credit, q = quit")
            tasks.append(self.terminal())
        await self.rt.run(tasks)


def _isatty():
    try:
        return os.isatty(sys.stdin.fileno()) if CPYTHON else True
    except Exception:
        return False


def options(argv):
    """vmeter_args.parse: read once, its code leaves the heap after."""
    import vmeter_args
    try:
        return vmeter_args.parse(argv, out)
    finally:
        unload("vmeter_args")


def run(argv):
    sim = Sim(options(argv))
    if hasattr(gc, "threshold"):
        gc.threshold(-1)  # as start.run() once the meter is built
    restore = None
    if CPYTHON and sim.interactive:
        import termios
        import tty
        fd = sys.stdin.fileno()
        old = termios.tcgetattr(fd)
        tty.setcbreak(fd)
        restore = lambda: termios.tcsetattr(fd, termios.TCSADRAIN, old)  # noqa: E731
    code = 0
    try:
        tcp_optical.run(sim.start())
    except KeyboardInterrupt:
        pass
    except tcp_optical.ListenError as e:  # a port in use: one line, exit 2
        sys.stderr.write("error: %s\n" % e)
        code = 2
    finally:
        # an orderly stop (q, quit, Ctrl-C) is a power-down the board noticed:
        # uncommitted consumption is flushed (Meter.power_down); SIGKILL is a cut
        sim.app.meter.power_down()
        if restore is not None:
            restore()
        if sim.interactive:
            out("")
    if code:
        sys.exit(code)
    return sim


if __name__ == "__main__":
    if run(sys.argv[1:]).rt.restart_requested:
        out("RESTART (firmware activated)")
        sys.exit(RESTART_EXIT)
