# Status LEDs: heartbeat, "load on" and "alarm" (board.LED_*). A board may
# leave an LED out (None): hal.make.led then returns a Led that drives nothing,
# so callers never test for None.
from hal.aio import sleep_ms


class Led:
    def __init__(self, pin=None, active_high=True):
        self.pin = pin
        self.active_high = active_high
        self.lit = False
        self.set(False)

    def set(self, lit):
        self.lit = bool(lit)
        if self.pin is not None:
            self.pin.value(1 if self.lit == self.active_high else 0)

    def toggle(self):
        self.set(not self.lit)

    async def heartbeat(self, on_ms=50, off_ms=950, alive=None):
        """Blink while the event loop runs: a frozen loop freezes the LED."""
        while True:
            self.set(True)
            await sleep_ms(on_ms)
            self.set(False)
            if alive is not None:
                alive()
            await sleep_ms(off_ms)
