# The virtual meter's start (vmeter.py), run once: the firmware slot, the
# command line (vmeter_args), the meter on the host's stand-ins and the TCP
# ports. vmeter unloads this module once the ports are open: on the
# micropython executable its code would otherwise stay in the heap for the
# whole run (docs/sim.md).
import os
import sys

import board
import machine_stub


def _mkdir(path):
    try:
        os.mkdir(path)
    except OSError:
        pass


def select_slot(argv):
    """bootslot's choice for the data folder in argv (--data), put first on
    sys.path when that slot holds an installed image. Before any import of
    the firmware: it must come from the slot."""
    import bootslot  # (firmware/bootslot.py and main.py: outside the slots)
    import main
    root = argv[argv.index("--data") + 1] if "--data" in argv[:-1] else board.SIM_ROOT
    _mkdir(root)
    fs = main.RootFs(os, root)
    slot = bootslot.select(fs)
    if bootslot.complete(fs, slot):
        sys.path.insert(0, root + bootslot.SLOT_DIRS[slot])
    sys.modules.pop("main", None)  # main.RootFs served the slot choice: its code leaves the heap
    return slot


def build(vm, sim, argv):
    """Fill `sim` (a vm.Sim; vm: the vmeter module) from the command line:
    the meter as the board starts it (start.start_meter through
    hostmeter.HostMeter), the host's stand-ins, the runtime."""
    import runtime
    from compat import unload
    from hal import display, led, pulse, relay, watchdog
    from hal.rtc import Clock
    import vmeter_args
    try:
        opts = sim.opts = vmeter_args.parse(argv, vm.out)
    finally:
        unload("vmeter_args")  # read once (the control line's `speed` loads it again)
    Pin = machine_stub.Pin
    sim.json, sim.step = opts["json"], opts["step"]
    sim.interactive = not opts["headless"] and hasattr(sys.stdin, "fileno") and _isatty()
    sim.screen = vm.Screen(sim, sim.interactive, board.DISPLAY_COLS)
    rel = relay.Relay(Pin("relay", Pin.OUT))
    sim.leds = tuple(led.Led(Pin(n, Pin.OUT)) for n in ("status", "relay", "alarm"))
    disp = display.ConsoleDisplay(board.DISPLAY_COLS, sim.screen.write)
    ppk = board.PULSES_PER_KWH
    s0, s0x = Pin("s0", Pin.IN, Pin.PULL_UP), Pin("s0x", Pin.IN, Pin.PULL_UP)
    sim.load = load = vm.SimLoad(opts["load"], rel,
                                 s0, pulse.PulseCounter(s0, ppk, Pin.IRQ_FALLING),
                                 s0x, pulse.PulseCounter(s0x, ppk, Pin.IRQ_FALLING), ppk)
    if opts["step"]:
        import vmeter_opt
        scaled = vmeter_opt.StepClock(opts, load, vm.out)
        Rt = vmeter_opt.StepRuntime
    else:
        scaled, Rt = vm.ScaledClock(opts["speed"], load, opts["clock"]), runtime.Runtime
    sim.clock = scaled
    up = runtime.Uptime(scaled.take_ms)
    ui = runtime.Uptime(vm.ScaledClock(1).take_ms)  # people's time, whatever --speed is
    fs = None
    if opts["hold"]:
        from vmeter_opt import HoldFS
        fs = HoldFS(opts["data"], opts["hold"], vm.out)
    sim.rtc = machine_stub.RTC(now=scaled.now)  # the clock runs x --speed too
    # as the board starts (start.start_meter), on the host's stand-ins
    import hostmeter
    host = hostmeter.HostMeter(opts["data"], board=board, clock=up.seconds,
                               wallclock=Clock(sim.rtc).now, relay=rel, display=disp,
                               fs=fs, ui_clock=ui.seconds)
    sim.app, sim.source = host.app, host.source
    del host
    unload("hostmeter")  # the meter keeps none of its objects: its code leaves the heap
    wd = watchdog.Watchdog(machine_stub.WDT, board.WDT_TIMEOUT_MS, tasks=1)
    sim.rt = Rt(sim.app, up, load.counter, load.power, sim.leds, wd, board.TICK_MS,
                sim.screen.update, ui=ui, export=load.export)
    sim.rt.clock = scaled  # StepRuntime's
    unload("board")  # its settings served the build
    unload("bootslot")  # the slot choice's (select_slot): App loads it again when it needs it
    return sim


def _isatty():
    try:
        return os.isatty(sys.stdin.fileno()) if sys.implementation.name == "cpython" else True
    except Exception:
        return False


def cbreak():
    """CPython's terminal in cbreak mode (keys without Enter); returns the
    function that restores it."""
    import termios
    import tty
    fd = sys.stdin.fileno()
    old = termios.tcgetattr(fd)
    tty.setcbreak(fd)
    return lambda: termios.tcsetattr(fd, termios.TCSADRAIN, old)


async def serve(sim, slot, out):
    """Open the optical port (TCP, with --pty a pseudo-terminal too) and the
    control line, print READY; returns the board's tasks for Runtime.run."""
    import asyncio
    import tcp_optical
    o = sim.opts
    tasks = []
    mode_e = sim.app.mode_e_port if o["mode_e"] else lambda: None
    await tcp_optical.start(sim.app.server, o["host"], o["port"], log=out, mode_e=mode_e())
    msg = "virtual meter %s (%s keys, firmware slot %s): optical port%s tcp %s:%d" % (
        sim.app.meter.sts.drn, sim.source, "AB"[slot], " (mode E)" if o["mode_e"] else "",
        o["host"], o["port"])
    if o["control"]:
        try:
            await asyncio.start_server(sim.control, o["host"], o["control"])
        except OSError as e:
            raise tcp_optical.ListenError(
                "--control: " + tcp_optical.listen_error(e, o["host"], o["control"]))
        msg += ", control tcp %d" % o["control"]
    if o["pty"]:
        if sys.implementation.name != "cpython":
            raise SystemExit("--pty needs CPython")
        from hal.uart_port import UartPort
        from vmeter_opt import PtyUart
        pu = PtyUart()
        tasks.append(UartPort(pu, mode_e() or sim.app.server, ticks_ms=tcp_optical.ticks_ms).run())
        msg += ", serial %s" % pu.name
    out('{"ready": "%s"}' % msg if o["json"] else "READY " + msg)
    del sim.opts  # read: what the running meter needs is in its fields
    if sim.interactive:
        out("keys: 0-9, # or Enter = Enter, * = back, C = clear, A = credit, q = quit")
        tasks.append(sim.terminal())
    return tasks
