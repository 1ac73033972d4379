"""Hardware adapters: cost of one keypad scan and one optical-port poll, and
what the interrupt handlers allocate (must be 0 on MicroPython: a hard IRQ
cannot allocate). The firmware .mpy size is bench_firmware.py's.

Options: none (-h, --help: this text).
Section in docs/benchmarks.md: "Hardware adapters (hal)".
"""
import benchutil

benchutil.usage(__name__)

from fakes import machine  # noqa: E402
from compat import TICKS_MASK  # noqa: E402
from benchutil import alloc_bytes, per_call_us, row  # noqa: E402
from hal.keypad import Keypad  # noqa: E402
from hal.make import keypad_pins as make_pins  # noqa: E402
from hal.pulse import PulseCounter  # noqa: E402
from hal.ticker import Ticker  # noqa: E402
from hal.uart_port import UartPort  # noqa: E402

S = "Hardware adapters (hal)"
rows, cols = make_pins(machine.Pin, (2, 3, 4, 5), (6, 7, 8, 9))
kp = Keypad(rows, cols, "123A456B789C*0#D", lambda k: None)
row(S, "keypad: one 4x4 scan + debounce step (stub pins)", per_call_us(kp.scan, 2000), "us/call")


class Quiet:
    """A protocol with nothing to say: measures the port's own cost."""

    line = (9600, 8, "N", 1)

    def receive_data(self, data):
        pass

    def data_to_send(self):
        return b""

    def tick(self, now_ms):
        pass


try:
    from time import ticks_ms
except ImportError:
    from time import monotonic_ns

    def ticks_ms():
        return (monotonic_ns() // 1000000) & TICKS_MASK

port = UartPort(machine.UART(0), Quiet(), ticks_ms=ticks_ms)
row(S, "optical port: one idle poll", per_call_us(port.poll, 2000), "us/call")
t = Ticker(machine.Timer, 100)
pin = machine.Pin(14, machine.Pin.IN, machine.Pin.PULL_UP)
pc = PulseCounter(pin, 1000)
a = alloc_bytes(kp.scan)
if a is not None:
    row(S, "bytes allocated per keypad scan", a, "bytes")
    row(S, "bytes allocated per idle optical-port poll", alloc_bytes(port.poll), "bytes")
    row(S, "bytes allocated in the tick IRQ handler", alloc_bytes(lambda: t._cb(None)), "bytes")
    row(S, "bytes allocated in the pulse IRQ handler", alloc_bytes(lambda: pc._cb(pin)), "bytes")
