# Stand-ins for the machine classes firmware/hal uses (Pin, UART, Timer, WDT,
# RTC, I2C), for the virtual meter and the tests. They behave like the real
# ones as far as the adapters can tell, and expose a few extra hooks so a
# simulator or a test can play the other side: set an input pin, feed UART
# bytes, advance timers, read what was written to the I2C bus.
#
# Deliberately not called machine.py: it must never shadow a real machine
# module on an import path. The virtual meter can install it with
#   sys.modules["machine"] = machine_stub
# before importing code that does `import machine`.
#
# UART, Timer and I2C live in machine_bus.py and load on first use
# (__getattr__ below): the virtual meter drives only pins, the watchdog and
# the RTC, and on the micropython executable every class costs its heap.
import time

import civil  # firmware/civil.py: the host board runs with firmware/ on its path


class Pin:
    IN = 0
    OUT = 1
    OPEN_DRAIN = 2
    PULL_UP = 1
    PULL_DOWN = 2
    IRQ_FALLING = 4
    IRQ_RISING = 8

    def __init__(self, id, mode=-1, pull=-1, value=None):
        self.id = id
        self.mode = None
        self.pull = None
        self._v = 0
        self._handler = None
        self._trigger = 0
        self.init(mode, pull, value)

    def init(self, mode=-1, pull=-1, value=None):
        if mode != -1:
            self.mode = mode
        if pull != -1:
            self.pull = pull
            if pull == Pin.PULL_UP:
                self._v = 1
        if value is not None:
            self._v = 1 if value else 0

    def value(self, v=None):
        if v is None:
            return self._v
        self._v = 1 if v else 0

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)

    def __call__(self, v=None):
        return self.value(v)

    def irq(self, handler=None, trigger=IRQ_FALLING | IRQ_RISING):
        self._handler = handler
        self._trigger = trigger

    # simulator side ----------------------------------------------------
    def drive(self, v):
        """Set an input from outside, firing the IRQ on a matching edge."""
        v = 1 if v else 0
        old, self._v = self._v, v
        if self._handler is not None and old != v:
            if (v == 0 and self._trigger & Pin.IRQ_FALLING) or (
                    v == 1 and self._trigger & Pin.IRQ_RISING):
                self._handler(self)


class WDT:
    def __init__(self, id=0, timeout=5000):
        self.timeout = timeout
        self.feeds = 0
        self.left = timeout

    def feed(self):
        self.feeds += 1
        self.left = self.timeout

    # simulator side ----------------------------------------------------
    def advance(self, ms):
        """True when the watchdog would have reset the board."""
        self.left -= ms
        return self.left <= 0


class RTC:
    """Wall clock from the host's time.time(), settable; datetime tuples as
    on the boards (weekday 0 = Monday). `now` may be injected."""

    def __init__(self, id=0, now=None):
        self._now = now or time.time
        self._offset = 0

    def datetime(self, dt=None):
        # seconds since 1970 (the host's time.time() epoch on both interpreters)
        if dt is None:
            days, rem = divmod(int(self._now()) + self._offset, 86400)
            y, mo, d = civil.civil_from_days(days + _DAYS_1970)
            return (y, mo, d, (days + 3) % 7, rem // 3600, rem // 60 % 60, rem % 60, 0)
        days = civil.days_from_civil(dt[0], dt[1], dt[2]) - _DAYS_1970
        self._offset = days * 86400 + dt[4] * 3600 + dt[5] * 60 + dt[6] - int(self._now())


_DAYS_1970 = -10957  # 1970-01-01 as a civil.py day number (day 0 = 2000-01-01)


def idle():
    pass


_BUS = ("UART", "Timer", "I2C")


def __getattr__(name):  # PEP 562; MicroPython's module __getattr__
    if name not in _BUS:
        raise AttributeError(name)
    pkg = __name__.rpartition(".")[0]  # boards.host when imported as a package
    bus = __import__(pkg + ".machine_bus" if pkg else "machine_bus", None, None, _BUS)
    return getattr(bus, name)
