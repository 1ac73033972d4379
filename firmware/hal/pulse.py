# Energy pulse input: counts falling edges of an S0 output (DIN 43864 /
# IEC 62053-31: an open collector that closes for >= 30 ms per pulse) in a
# pin interrupt, and converts pulses to whole Wh for Meter.consume().
#
# The IRQ does integer work on small ints only: no allocation. Edges closer
# than min_gap_ms to the last counted one are contact bounce and ignored
# (needs the ticks functions; without them every edge counts). Made from the
# board's pin by hal.make.pulse.
from compat import TICKS_MASK


class PulseCounter:
    def __init__(self, pin, pulses_per_kwh, trigger=None, min_gap_ms=0,
                 ticks_ms=None, ticks_diff=None):
        if pulses_per_kwh <= 0:
            raise ValueError("pulses_per_kwh must be > 0")
        self.pin = pin
        self.ppk = pulses_per_kwh
        self.count = 0  # written only by the IRQ
        self._seen = 0
        self._rem = 0  # Wh x ppk not yet handed out
        self._gap = min_gap_ms
        self._ticks = ticks_ms if min_gap_ms else None
        self._diff = ticks_diff
        self._last = ticks_ms() - min_gap_ms if self._ticks else 0
        self._cb = self._irq
        if trigger is not None:
            pin.irq(trigger=trigger, handler=self._cb)

    def _irq(self, _pin):
        if self._ticks is not None:
            t = self._ticks()
            if self._diff(t, self._last) < self._gap:
                return
            self._last = t
        self.count = (self.count + 1) & TICKS_MASK

    def take(self):
        """Pulses since the previous take()."""
        c = self.count
        n = (c - self._seen) & TICKS_MASK
        self._seen = c
        return n

    def take_wh(self):
        """Whole Wh since the previous call; the fraction is carried over,
        so no energy is lost to rounding (1000 pulses/kWh = 1 Wh each)."""
        self._rem += self.take() * 1000
        wh = self._rem // self.ppk
        self._rem -= wh * self.ppk
        return wh
