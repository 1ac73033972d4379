# The meter on a board: builds the hardware adapters (firmware/hal) from
# board.py and hands them to the shared parts: provision.load (first start),
# app.App (meter + DLMS server) and runtime.Runtime (the asyncio tasks).
# main.py calls run() once it has put the firmware slot on sys.path; this
# module is in the slot, so an update replaces it (docs/update.md). The
# virtual meter (boards/host/vmeter.py) uses start_meter() and
# runtime.Runtime too, with host stand-ins.
#
# Power cuts: nothing here keeps state. The meter loads its last committed
# record (a cut mid-token leaves the old or the new record, never half of it;
# CTS mode resumes from its reservation; after CTS exit the meter stays
# locked, cts-mode CTS-18/19), provisioning finishes an interrupted step, and
# the relay starts open until the meter has decided.
#
# Safe boot: hold D on the keypad while powering up: the meter and the
# watchdog are not started, so mpremote can flash (docs/boards.md).
import asyncio
import os

import app
import runtime


def start_meter(board, fs, clock, wallclock, relay, display, random_bytes,
                provision_path="/provision.json", ui_clock=None):
    """Provisioning + App; returns (app, provision source). clock: the
    uptime's seconds; ui_clock: the front panel's where uptime is not real
    time (App)."""
    from compat import module, unload
    # boot only: app.App unloads it before the DLMS server's code loads
    p, source = module("provision").load(fs, board.DATA_DIR, provision_path)
    a = app.App(p, fs, clock, wallclock, relay, random_bytes, display,
                data_dir=board.DATA_DIR, ui_clock=ui_clock, rtc_battery=board.RTC_BATTERY)
    provision = module("provision")  # (again, once the meter is built)
    provision.finish(fs, provision_path)
    if source == provision.DEV and display is not None:
        display.show("DEV KEYS", 1)  # development keys (provision.DEV_PROVISION)
    unload("provision")
    return a, source


def build(board, machine, fs=None):
    """The meter on `board`'s hardware: (Runtime, tasks), or None on safe boot."""
    import time
    from hal import keypad, make, ticker, watchdog, rtc, uart_port
    from hal.fs import FileSystem
    Pin = machine.Pin
    rows, cols = make.keypad_pins(Pin, board.KEYPAD_ROWS, board.KEYPAD_COLS)
    keys = keypad.Keypad(rows, cols, board.KEYPAD_MAP, None, board.KEYPAD_SCAN_MS,
                         board.KEYPAD_DEBOUNCE)
    if keys.is_down("D"):
        print("safe boot: D held, meter and watchdog not started")
        return None
    rel = make.relay(Pin, board.RELAY_PIN, board.RELAY_ACTIVE_HIGH, board.RELAY_FEEDBACK_PIN,
                     board.RELAY_FEEDBACK_ACTIVE_LOW)
    leds = (make.led(Pin, board.LED_STATUS), make.led(Pin, board.LED_RELAY),
            make.led(Pin, board.LED_ALARM))
    disp = make.display(machine.I2C, Pin, board.DISPLAY_I2C, board.DISPLAY_SDA,
                        board.DISPLAY_SCL, board.DISPLAY_ADDR, board.DISPLAY_COLS,
                        board.DISPLAY_FREQ)
    tick = ticker.Ticker(machine.Timer, board.TICK_MS, board.TICK_TIMER_ID)
    tick.start()
    up = runtime.Uptime(tick.take_ms)
    clock = rtc.Clock(machine.RTC())
    a, _ = start_meter(board, fs or FileSystem(""), up.seconds, clock.now, rel, disp,
                       os.urandom)
    counter = make.pulse(Pin, board.PULSE_PIN, board.PULSES_PER_KWH, board.PULSE_PULL,
                         board.PULSE_MIN_GAP_MS)
    wd = watchdog.Watchdog(machine.WDT, board.WDT_TIMEOUT_MS, tasks=3)
    rt = runtime.Runtime(a, up, counter, None, leds, wd, board.TICK_MS,
                         reset=getattr(machine, "reset", None))
    keys.on_key = a.key
    uart = make.uart(machine.UART, Pin, board.OPTICAL_UART, board.OPTICAL_TX,
                          board.OPTICAL_RX, board.OPTICAL_BAUD, board.OPTICAL_RXBUF)
    proto = a.mode_e_port() if board.OPTICAL_MODE_E else a.server
    port = uart_port.UartPort(uart, proto, board.OPTICAL_BAUD,
                              ticks_ms=getattr(time, "ticks_ms", None))
    return rt, (keys.run(rt.alive(1)), port.run(rt.alive(2)))


def drop_builder():
    """Free the code that built the meter (build, start_meter, hal.make) for
    the rest of the boot: run() keeps this module's globals alive while the
    meter runs, and a board builds once (docs/benchmarks.md, heap).
    MicroPython only, as compat.unload."""
    import sys
    if sys.implementation.name == "micropython":
        g = globals()
        for name in ("build", "start_meter"):
            g.pop(name, None)
        from compat import unload
        unload("hal.make")


def run(board, machine):
    """Build and run the meter; main.py hands in `machine` (only hal and main
    import it: tools/ci/check_firmware.py LAYERS)."""
    built = build(board, machine)
    if built is None:
        return None
    import gc
    if hasattr(gc, "threshold"):
        gc.threshold(-1)  # collect when the heap is full again (main.GC_THRESHOLD_AT_BOOT)
    drop_builder()
    rt, tasks = built
    asyncio.run(rt.run(tasks))
    return rt

