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
# Machine stand-ins come from boards/host/machine_stub.py only. The start
# (slot, command line, build, ports) is vmeter_build.py, the control line's
# commands (but keys and mem) vmeter_ctl.py: on micropython both leave the
# heap after use, as this module's code stays for the whole run.
import sys

try:
    _here = sys.argv[0].rsplit("/", 1)[0] if "/" in sys.argv[0] else "."
except Exception:
    _here = "."
for _p in (_here, _here + "/../../firmware"):
    if _p not in sys.path:
        sys.path.append(_p)  # after MICROPYPATH: precompiled .mpy files win

import os  # noqa: E402
import gc  # noqa: E402
import time  # noqa: E402  (ScaledClock.now: the RTC starts at the PC's time)

import machine_stub  # noqa: E402

sys.modules["machine"] = machine_stub

# Collect every 4 KB allocated until the meter is ready (main.py on a board:
# 16 KB until it is built): on the 64-bit port the heap is near its limit,
# and the build's code, unloaded after it, must not leave the long-lived
# objects in pieces (docs/sim.md: largest free block at ready with 288k, 11
# KB at 16 KB, 36 KB at 4 KB). Then one collection (_run), once.
_GC_THRESHOLD_AT_BOOT = 4096

if hasattr(gc, "threshold"):  # micropython: as main.py, until the meter is ready
    gc.threshold(_GC_THRESHOLD_AT_BOOT)

RESTART_EXIT = 3

# the start's code (vmeter_build.py) leaves the heap once the ports are open (_run)
SLOT = __import__("vmeter_build").select_slot(sys.argv[1:])
from compat import module, unload  # noqa: E402  (after the slot: the firmware comes from it)
from hal.aio import sleep_ms  # noqa: E402
from hal.display import wrap  # noqa: E402

CPYTHON = sys.implementation.name == "cpython"

try:
    from time import ticks_diff as _ticks_diff, ticks_ms as _ticks_ms
except ImportError:  # CPython: tcp_optical's shims
    from tcp_optical import ticks_diff as _ticks_diff, ticks_ms as _ticks_ms


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
    output (`pulses_per_kwh`, board.py's) wired to a stand-in pin: the pulses reach
    the meter through hal.pulse exactly as on a board (`counter`, a
    hal.pulse.PulseCounter on `pin`). Negative watts are export (a generator
    behind the relay) on a second S0 output, `pin_x` counted by `export`.
    `extra`: the load schedule's watts for the current step (--step)."""

    def __init__(self, watts, relay, pin, counter, pin_x, export, pulses_per_kwh):
        self.watts = watts
        self.extra = 0
        self.relay = relay
        self.pin, self.counter = pin, counter
        self.pin_x, self.export = pin_x, export
        self.acc = 0  # W x ms not yet turned into pulses (signed: negative is export)
        self.per_pulse = 3600000 * 1000 // pulses_per_kwh  # W x ms per pulse

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

    def __init__(self, sim, interactive, cols):
        self.sim = sim
        self.interactive = interactive
        self.cols = cols  # the LCD's (board.py)
        self.text = ""
        self.last = None

    def write(self, line):  # hal.display.ConsoleDisplay output
        self.text = line[len("[display] "):] if line.startswith("[display] ") else line

    def update(self):
        s = self.sim
        st = (self.text, bool(s.app.meter.relay_closed), s.leds[0].lit, s.leds[1].lit,
              s.leds[2].lit, s.load.power())
        if st == self.last:
            return
        changed_text = self.last is None or st[:2] != self.last[:2]
        self.last = st
        lamp = lambda on: "*" if on else "."  # noqa: E731
        if self.interactive:  # the board's 16x2 LCD: a long text on two lines
            lines = wrap(st[0], self.cols, 2) + [""]
            sys.stdout.write("\r|%-16s|%-16s| relay %-3s LED %s%s%s  load %5d W  x%s  " % (
                lines[0][:16], lines[1][:16], "ON" if st[1] else "OFF", lamp(st[2]),
                lamp(st[3]), lamp(st[4]), st[5], self.sim.clock.speed))
            f = getattr(sys.stdout, "flush", None)
            if f is not None:
                f()
        elif changed_text:
            out(module("vmeter_ctl").status(self.sim) if self.sim.json else
                "DISPLAY %s | RELAY %s" % (st[0], "ON" if st[1] else "OFF"))


class Sim:
    """The virtual meter: its parts (app, rt, screen, load, clock, rtc, leds,
    json, step, ...) are made by vmeter_build.build."""

    def key(self, ch):
        if ch in "\r\n":
            ch = "#"
        self.app.key(ch.upper())

    def command(self, line):
        """The control protocol: one command per line, one answer line; all
        but `keys` and `mem` in vmeter_ctl.py, loaded for the command."""
        words = line.split()
        if not words:
            return "ERR empty"
        cmd = words[0]
        if cmd == "keys" and len(words) > 1:
            for ch in " ".join(words[1:]):
                if ch != " ":
                    self.key(ch)
            return "OK " + self.screen.text
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
        try:
            return module("vmeter_ctl").command(self, words)
        finally:
            if not self.json:  # (--json prints status() on every change)
                unload("vmeter_ctl", "vmeter_args")

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
            await sleep_ms(20)


async def _run(sim):
    tasks = await __import__("vmeter_build").serve(sim, SLOT, out)
    unload("vmeter_build")
    if hasattr(gc, "threshold"):  # micropython
        gc.threshold(-1)  # as start.run() once the meter is built
        # the start's garbage (its code, vmeter_build's) is freed before the
        # meter runs, so the first allocations fill its holes rather than cut
        # the heap's largest free block (at 256k: 6.6 to 13 KB at ready)
        gc.collect()
    await sim.rt.run(tasks)


def run(argv):
    sim = __import__("vmeter_build").build(sys.modules[__name__], Sim(), argv)
    # the optical port's code loads once the meter is built (not in the heap at the build's peak)
    tcp_optical = module("tcp_optical")
    restore = __import__("vmeter_build").cbreak() if CPYTHON and sim.interactive else None
    code = 0
    try:
        tcp_optical.run(_run(sim))
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
