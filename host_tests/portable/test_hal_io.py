# mp32-skip: test_led_levels_absent_led_and_heartbeat test_watchdog_feeder_task_runs_under_asyncio: asyncio.run is missing on the WebAssembly port (its asyncio runs on the JavaScript event loop)
# hal relay, ticker, watchdog, pulse counter and display, driven through the
# host board's machine stand-ins.
from fakes import machine  # first: sets the path for asyncio
import asyncio

from hal import display, lcd as hal_lcd, make, pulse, relay
from hal.ticker import Ticker
from hal.watchdog import Watchdog


def test_relay_active_high_and_low_levels():
    p = machine.Pin(15, machine.Pin.OUT)
    r = relay.Relay(p, active_high=True)
    assert r.closed is False and p.value() == 0
    r.close()
    assert r.closed is True and p.value() == 1
    q = machine.Pin(16, machine.Pin.OUT)
    r = relay.Relay(q, active_high=False)
    assert q.value() == 1  # open = pin high on an active-low module
    r.set(True)
    assert q.value() == 0 and r.closed
    r.open()
    assert q.value() == 1 and not r.closed


def test_relay_feedback_agrees_or_not():
    out = machine.Pin(15, machine.Pin.OUT)
    aux = machine.Pin(20, machine.Pin.IN, machine.Pin.PULL_UP)
    r = relay.Relay(out, feedback=aux, feedback_active_low=True)
    assert r.sensed() is False and r.agrees()
    r.close()
    assert not r.agrees()  # contact did not follow (relay unpowered?)
    aux.drive(0)
    assert r.sensed() is True and r.agrees()
    r.open()
    assert not r.agrees()  # welded contact
    assert relay.Relay(machine.Pin(1)).sensed() is None


def test_relay_make_starts_open_without_a_glitch():
    r = make.relay(machine.Pin, 15, active_high=False, feedback_id=20)
    assert r.pin.value() == 1 and r.closed is False
    assert r.feedback.pull == machine.Pin.PULL_UP


def test_ticker_counts_timer_periods():
    machine.Timer.running = []
    t = Ticker(machine.Timer, 100, timer_id=-1)
    t.start()
    machine.Timer.advance_all(1050)
    assert t.take() == 10
    assert t.take() == 0
    machine.Timer.advance_all(50)
    assert t.take() == 1  # the half period carried over
    machine.Timer.advance_all(300)
    assert t.take_ms() == 300
    t.stop()
    machine.Timer.advance_all(1000)
    assert t.take() == 0


def test_ticker_wraps_at_30_bits():
    t = Ticker(machine.Timer, 10)
    t.count = 0x3FFFFFFE
    t._seen = 0x3FFFFFFE
    t._irq(None)
    t._irq(None)
    t._irq(None)
    assert t.count == 1
    assert t.take() == 3


def test_watchdog_fed_only_when_every_task_checked_in():
    w = Watchdog(machine.WDT, 4000, tasks=2)
    assert not w.check()  # not started
    w.start()
    w.alive(0)
    assert not w.check()
    assert w._wdt.advance(3000) is False
    w.alive(1)
    assert w.check() and w._wdt.feeds == 1
    assert w._wdt.advance(3000) is False  # fed in time
    w.alive(0)  # task 1 is stuck from now on
    for _ in range(3):
        assert not w.check()
    assert w._wdt.advance(1500) is True  # the board would reset


def test_watchdog_feeder_task_runs_under_asyncio():
    w = Watchdog(machine.WDT, 40, tasks=1)

    async def worker():
        for _ in range(10):
            w.alive(0)
            await asyncio.sleep(0.005)

    async def main():
        feeder = asyncio.create_task(w.run(period_ms=5))
        await worker()
        feeder.cancel()

    asyncio.run(main())
    assert w.feeds >= 2


def test_pulse_counter_irq_and_wh_with_carry():
    pin = machine.Pin(14, machine.Pin.IN, machine.Pin.PULL_UP)
    pc = pulse.PulseCounter(pin, 800, machine.Pin.IRQ_FALLING)
    for _ in range(5):
        pin.drive(0)
        pin.drive(1)
    assert pc.take() == 5
    for _ in range(3):
        pin.drive(0)
        pin.drive(1)
    # 800 pulses/kWh: 1.25 Wh per pulse, 3 pulses = 3.75 Wh -> 3 now
    assert pc.take_wh() == 3
    pin.drive(0)
    pin.drive(1)
    assert pc.take_wh() == 2  # 0.75 carried + 1.25
    total = 0
    for _ in range(800):
        pc._irq(pin)
        total += pc.take_wh()
    assert total == 1000  # exactly one kWh, nothing lost to rounding


def test_pulse_counter_ignores_bounce_inside_min_gap():
    now = [1000]
    pin = machine.Pin(14, machine.Pin.IN, machine.Pin.PULL_UP)
    pc = pulse.PulseCounter(pin, 1000, machine.Pin.IRQ_FALLING, min_gap_ms=20,
                            ticks_ms=lambda: now[0], ticks_diff=lambda a, b: a - b)
    for step in (0, 2, 3, 30, 31, 60):
        now[0] = 1000 + step
        pin.drive(0)
        pin.drive(1)
    assert pc.take() == 3  # at +0, +30, +60


def test_pulse_make_uses_board_pull():
    pc = make.pulse(machine.Pin, 34, 1000, pull=None, min_gap_ms=20)
    for v in (1, 0, 1, 0):  # the second falling edge comes within 20 ms:
        pc.pin.drive(v)  # dropped where time.ticks_ms exists
    import sys
    assert pc.take() == (1 if sys.implementation.name == "micropython" else 2)
    assert pc.pin.pull is None and pc.pin._handler is not None
    try:
        pulse.PulseCounter(pc.pin, 0)
    except ValueError:
        return
    raise AssertionError("0 pulses/kWh accepted")


def _lcd_bytes(writes):
    """Decode the PCF8574 byte stream back to (rs, byte) pairs: a nibble is
    latched on each E high -> low edge; D4..D7 are P4..P7."""
    out = []
    half = None
    prev = 0
    for _, data in writes:
        for b in data:
            if prev & 0x04 and not b & 0x04:
                if half is None:
                    half = (prev & 0x01, prev >> 4)
                else:
                    out.append((half[0], (half[1] << 4) | (prev >> 4)))
                    half = None
            prev = b
    return out, half


def test_lcd_init_and_text_on_the_bus():
    bus = machine.I2C(0)
    naps = []
    lcd = hal_lcd.LcdDisplay(bus, 0x27, cols=16, sleep_ms=naps.append)
    bus.writes = bus.writes[5:]  # after the four single init nibbles (and BL byte)
    seq, half = _lcd_bytes(bus.writes)
    assert half is None
    assert seq[:4] == [(0, 0x28), (0, 0x0C), (0, 0x06), (0, 0x01)]
    assert naps == [50, 5, 1, 2]  # HD44780 power-on, 4-bit entry and clear waits
    bus.writes = []
    lcd.show("Credit 12.3kWh")
    seq, _ = _lcd_bytes(bus.writes)
    assert seq[0] == (0, 0x80)  # DDRAM address of line 0
    assert bytes(b for rs, b in seq[1:]) == b"Credit 12.3kWh  "
    assert all(rs == 1 for rs, b in seq[1:])
    bus.writes = []
    lcd.show("Credit 12.3kWh")
    assert bus.writes == []  # unchanged text is not rewritten
    lcd.show("\u00b0C", line=1)
    seq, _ = _lcd_bytes(bus.writes)
    assert seq[0] == (0, 0xC0) and bytes(b for rs, b in seq[1:3]) == b"?C"
    assert all(d[1][0] & 0x08 for d in bus.writes)  # backlight bit kept on


def _lines(seq):
    """The LCD's two lines from (rs, byte) pairs: DDRAM address, then text."""
    shown = {}
    line = None
    for rs, b in seq:
        if not rs:
            line = {0x80: 0, 0xC0: 1}[b]
            shown[line] = b""
        else:
            shown[line] += bytes((b,))
    return shown


def test_wrap_keeps_groups_whole():
    entry = "1234 5678 9012 3456 7890"  # a token entry as meter.keypad groups it
    assert display.wrap(entry, 16, 2) == ["1234 5678 9012", "3456 7890"]
    assert display.wrap("1234 5678 9012 3", 16, 2) == ["1234 5678 9012 3"]
    assert display.wrap("12345678901234567890", 16, 2) == ["1234567890123456", "7890"]
    assert display.wrap(entry, 16, 1) == [entry]  # one line: the LCD cuts it
    assert display.wrap(entry, 20, 4) == ["1234 5678 9012 3456", "7890"]


def test_lcd_shows_a_whole_token_entry_on_two_lines():
    bus = machine.I2C(0)
    lcd = hal_lcd.LcdDisplay(bus, 0x27, cols=16, sleep_ms=lambda ms: None)
    lcd.show("DEV KEYS", 1)
    bus.writes = []
    lcd.show("1234 5678 9012 3456 7890")
    assert _lines(_lcd_bytes(bus.writes)[0]) == {0: b"1234 5678 9012  ", 1: b"3456 7890       "}
    assert lcd.text == "1234 5678 9012 3456 7890"
    bus.writes = []
    lcd.show("Accept 01")  # line 1 shows again what was shown on it
    assert _lines(_lcd_bytes(bus.writes)[0]) == {0: b"Accept 01       ", 1: b"DEV KEYS        "}
    bus.writes = []
    lcd.show("1234 5678 9012 3456 7890")
    lcd.show("Test", 1)  # line 1 is taken: kept for later
    lcd.show("Cr 5.0")
    assert _lines(_lcd_bytes(bus.writes)[0])[1] == b"Test            "


def test_display_make_falls_back_to_console():
    lines = []
    d = make.display(machine.I2C, machine.Pin, None, 16, 17, write=lines.append)
    d.show("Enter token")
    d.show("Enter token")
    assert lines == ["[display] Enter token"]

    tries = []

    class NoScan(machine.I2C):
        """A bus that fails the test if scanned (boot must not block on a scan)."""

        def scan(self):
            raise AssertionError("I2C scan at boot")

        def writeto(self, addr, buf, stop=True):
            tries.append(addr)
            return machine.I2C.writeto(self, addr, buf, stop)

    class NoLcd(NoScan):
        def __init__(self, *a, **k):
            machine.I2C.__init__(self, devices=())

    d = make.display(NoLcd, machine.Pin, 0, 16, 17, write=lines.append)
    assert isinstance(d, display.ConsoleDisplay)
    assert tries == [0x27]  # one addressed write was the whole probe
    d.show("No LCD")
    assert lines[-1] == "[display] No LCD"
    d.show("1234 5678 9012 3456 7890")  # a console is not 16 columns wide: all of it
    assert lines[-1] == "[display] 1234 5678 9012 3456 7890"
    d = make.display(NoScan, machine.Pin, 0, 16, 17, sleep_ms=lambda ms: None)
    assert isinstance(d, hal_lcd.LcdDisplay)


def test_led_levels_absent_led_and_heartbeat():
    from hal import led
    a = make.led(machine.Pin, "LED")
    assert a.pin.id == "LED" and a.pin.value() == 0
    a.set(True)
    assert a.pin.value() == 1
    b = led.Led(machine.Pin(3, machine.Pin.OUT), active_high=False)
    assert b.pin.value() == 1
    b.toggle()
    assert b.lit and b.pin.value() == 0
    none = make.led(machine.Pin, None)
    none.set(True)
    assert none.lit and none.pin is None
    seen = []

    async def main():
        t = asyncio.create_task(a.heartbeat(1, 1, alive=lambda: seen.append(a.lit)))
        await asyncio.sleep(0.02)
        t.cancel()

    asyncio.run(main())
    assert seen and not any(seen)  # checks in after each blink, LED off then
