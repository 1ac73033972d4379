# The hal adapters made from a board's pin numbers (board.py constants) and
# the machine classes main.py hands in: once per boot, by start.build, which
# then unloads this module (start.drop_builder; docs/benchmarks.md, heap).
import time

from hal.display import ConsoleDisplay
from hal.led import Led
from hal.pulse import PulseCounter
from hal.relay import Relay


def keypad_pins(Pin, rows, cols):
    """Configure GPIO numbers (or pin names) as the scanner expects."""
    r = [Pin(n, Pin.OPEN_DRAIN, value=1) for n in rows]
    c = [Pin(n, Pin.IN, Pin.PULL_UP) for n in cols]
    return r, c


def relay(Pin, pin_id, active_high=True, feedback_id=None, feedback_active_low=True):
    """Build a Relay from board constants; starts open (load disconnected)
    until the meter has loaded its state and decided."""
    out = Pin(pin_id, Pin.OUT, value=0 if active_high else 1)
    fb = None
    if feedback_id is not None:
        fb = Pin(feedback_id, Pin.IN, Pin.PULL_UP if feedback_active_low else None)
    return Relay(out, active_high, fb, feedback_active_low, closed=False)


def led(Pin, pin_id, active_high=True):
    """pin_id is a GPIO number, a pin name such as "LED" (Pico W), or None."""
    if pin_id is None:
        return Led(None, active_high)
    return Led(Pin(pin_id, Pin.OUT), active_high)


def display(I2C, Pin, bus, sda, scl, addr=0x27, cols=16, freq=100000,
            sleep_ms=None, write=print):
    """LCD when the board has one and it answers at `addr`, else console.
    No bus scan at boot (a scan of an empty bus took 5.6 s on an emulated
    RP2040): the LCD's first init write is the probe, and a missing display
    costs one NACK, or one I2C timeout on an unwired bus (docs/boards.md)."""
    if bus is not None:
        from hal.lcd import LcdDisplay
        try:
            return LcdDisplay(I2C(bus, sda=Pin(sda), scl=Pin(scl), freq=freq), addr, cols, 2,
                              sleep_ms)
        except OSError:
            pass
    return ConsoleDisplay(cols, write)


def pulse(Pin, pin_id, pulses_per_kwh, pull="up", min_gap_ms=0,
          ticks_ms=None, ticks_diff=None):
    if ticks_ms is None and hasattr(time, "ticks_ms"):
        ticks_ms, ticks_diff = time.ticks_ms, time.ticks_diff
    p = Pin(pin_id, Pin.IN, Pin.PULL_UP if pull == "up" else None)
    return PulseCounter(p, pulses_per_kwh, Pin.IRQ_FALLING, min_gap_ms,
                        ticks_ms, ticks_diff)


def uart(UART, Pin, uart_id, tx, rx, baud=9600, rxbuf=512):
    """A machine.UART for the optical port from board constants."""
    return UART(uart_id, baudrate=baud, tx=Pin(tx), rx=Pin(rx), rxbuf=rxbuf)
