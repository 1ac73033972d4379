# A machine.Timer-driven tick counter for the CTS powered-up timer
# (cts-mode.md CTS-10..14) and metering. The timer interrupt only adds one
# to a small integer, masked to 30 bits so it never becomes a heap-allocated
# big int: nothing is allocated in the interrupt. A task reads how many
# ticks passed since its last read with take() and does the real work.
# The handler is a bound method made once in __init__ (Hinch's advice:
# evaluating `self._irq` creates a bound-method object), and the IRQ body
# only rebinds an existing attribute.
from compat import TICKS_MASK


class Ticker:
    def __init__(self, Timer, period_ms, timer_id=-1):
        self.Timer = Timer
        self.period_ms = period_ms
        self.timer_id = timer_id
        self.count = 0  # written only by the IRQ
        self._seen = 0
        self._timer = None
        self._cb = self._irq

    def _irq(self, _t):
        self.count = (self.count + 1) & TICKS_MASK

    def start(self):
        if self._timer is None:
            self._timer = self.Timer(self.timer_id)
        self._timer.init(mode=self.Timer.PERIODIC, period=self.period_ms,
                         callback=self._cb)

    def stop(self):
        if self._timer is not None:
            self._timer.deinit()

    def take(self):
        """Ticks since the previous take() (wraps correctly at 2**30)."""
        c = self.count  # one read: the IRQ may run between statements
        n = (c - self._seen) & TICKS_MASK
        self._seen = c
        return n

    def take_ms(self):
        return self.take() * self.period_ms
