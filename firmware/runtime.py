# The meter's asyncio task structure, shared by main.py (the boards) and the
# virtual meter (boards/host/vmeter.py): the same tasks, only the hardware
# objects handed in differ.
#
#   metering   every tick_ms: uptime from the tick source, energy pulses ->
#              Meter.consume, demand -> Meter.set_power, App.tick once per
#              meter or front-panel second (CTS-14 asks for at least every
#              5 s), relay/alarm LEDs, the idle display (front-panel time:
#              real time on the virtual meter too), a slice of background
#              work (App.work: a firmware image check; back to back while
#              there is some)
#   heartbeat  the status LED (a frozen loop freezes it)
#   watchdog   fed only while every registered task checks in (hal.watchdog)
#   + the board's own tasks: keypad scan, optical port (UART or TCP), ...
import asyncio

from hal.aio import sleep_ms

IDLE_SHOW_S = 10  # front-panel (real) seconds a message stays before the credit shows again
DEMAND_WINDOW_MS = 5000  # demand from pulses when no power source is given


class Uptime:
    """Monotonic time while powered from a take_ms() source (hal.ticker's
    Ticker.take_ms, or the virtual meter's scaled clock). Seconds and the
    millisecond remainder are kept apart so both stay small ints."""

    def __init__(self, take_ms):
        self.take_ms = take_ms
        self.s = 0
        self.ms = 0

    def update(self):
        ms = self.ms + self.take_ms()
        if ms >= 1000:
            self.s += ms // 1000
            ms %= 1000
        self.ms = ms
        return self.s

    def seconds(self):
        return self.s


class Runtime:
    """app: app.App built with clock=uptime.seconds; pulse: object with
    take_wh() (hal.pulse) or None; power: callable -> W or None (then demand
    is estimated from pulses); leds: (status, relay, alarm) hal.led.Led or
    None; export: like pulse, for export energy (a bidirectional meter's
    second pulse input; Meter.consume of negative Wh), or None; watchdog:
    hal.watchdog.Watchdog or None (bit 0 is the metering task; boards give
    their other tasks bits 1, 2 ...); reset: restarts the
    board (machine.reset) when App.work() asks for it after a firmware
    activation; None: the runtime stops with restart_requested set. ui: an
    Uptime of real time for the front panel (the App's ui_clock: keypad
    timeouts, how long a message stays) where `uptime` runs faster (the
    virtual meter's --speed); None: uptime, which is real time on a board."""

    def __init__(self, app, uptime, pulse=None, power=None, leds=None, watchdog=None,
                 tick_ms=100, on_update=None, reset=None, ui=None, export=None):
        self.app = app
        self.meter = app.meter
        self.uptime = uptime
        self.ui = ui
        self.pulse = pulse
        self.export = export
        self.power = power
        self.leds = leds
        self.watchdog = watchdog
        self.tick_ms = tick_ms
        self.on_update = on_update  # called after each metering round (the sim's screen)
        self.reset = reset
        self.restart_requested = False
        self.running = True
        self._last_s = -1
        self._last_ui = -1
        self._win_wh = 0
        self._win_ms = 0
        self._last_power = None
        self._seen_text = None
        self._seen_at = 0

    def alive(self, bit):
        """A check-in function for task `bit` (no-op without a watchdog)."""
        wd = self.watchdog
        if wd is None:
            return None
        return lambda: wd.alive(bit)

    def step(self):
        """One metering round (also callable without asyncio, e.g. in tests)."""
        m = self.meter
        before = self.uptime.s * 1000 + self.uptime.ms
        now = self.uptime.update()
        dt = now * 1000 + self.uptime.ms - before
        wh = self.pulse.take_wh() if self.pulse is not None else 0
        if wh:
            m.consume(wh)
        if self.export is not None:
            x = self.export.take_wh()
            if x:
                m.consume(-x)  # export (docs/payment.md)
        if self.power is not None:
            w = self.power()
            if w != self._last_power or now != self._last_s:
                self._last_power = w
                m.set_power(w)
        elif self.pulse is not None:
            self._win_wh += wh
            self._win_ms += dt
            if self._win_ms >= DEMAND_WINDOW_MS:
                m.set_power(self._win_wh * 3600000 // self._win_ms)
                self._win_wh = self._win_ms = 0
        ui = now if self.ui is None else self.ui.update()
        if now != self._last_s or ui != self._last_ui:
            self._last_s, self._last_ui = now, ui
            self.app.tick()
            self._idle_display(ui)
        if self.app.work():
            self.restart_requested = True
            if self.reset is not None:
                self.reset()
            self.stop()
        if self.leds is not None:
            self.leds[1].set(bool(m.relay_closed))
            self.leds[2].set(m.low_credit or m.fault or m.cts_ended() or m.account.tamper)
        if self.on_update is not None:
            self.on_update()

    def _idle_display(self, now):
        # a message (token result, short code) stays IDLE_SHOW_S (front-panel
        # seconds), then the credit shows again and is refreshed as often
        kp = self.app.keypad
        text = kp.last_message if self.app.display is None else \
            getattr(self.app.display, "text", kp.last_message)
        if text != self._seen_text:
            self._seen_text, self._seen_at = text, now
        elif not kp.entry and now - self._seen_at >= IDLE_SHOW_S:
            kp.show_idle()
            self._seen_at = now

    async def metering(self):
        alive = self.alive(0)
        while self.running:
            self.step()
            if alive is not None:
                alive()
            # an image check in the background (App.work) runs a slice per
            # round: then only yield to the other tasks between rounds
            await sleep_ms(0 if self.app.busy() else self.tick_ms)

    async def run(self, tasks=()):
        """Start the metering, heartbeat and watchdog tasks and the board's
        `tasks` (coroutines), then run until stop()."""
        started = [asyncio.create_task(self.metering())]
        if self.leds is not None and self.leds[0] is not None:
            started.append(asyncio.create_task(self.leds[0].heartbeat()))
        if self.watchdog is not None:
            started.append(asyncio.create_task(self.watchdog.run()))
        for t in tasks:
            started.append(asyncio.create_task(t))
        while self.running:
            await sleep_ms(200)
        for t in started:
            t.cancel()

    def stop(self):
        self.running = False
