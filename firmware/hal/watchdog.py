# The hardware watchdog, fed only while every registered task is alive.
#
# A lone feeder task would keep feeding while, say, the UART task is stuck.
# Instead each task calls alive(bit) in its loop; the feeder task feeds the
# WDT only when every expected bit has been set since the last feed, then
# clears them. A stuck task therefore resets the board after timeout_ms.
# machine.WDT cannot be stopped once started (RP2040 maximum 8388 ms).
from hal.aio import sleep_ms


class Watchdog:
    def __init__(self, WDT, timeout_ms, tasks=1):
        self.WDT = WDT
        self.timeout_ms = timeout_ms
        self.expect = (1 << tasks) - 1
        self.seen = 0
        self.feeds = 0
        self._wdt = None

    def start(self):
        if self._wdt is None:
            self._wdt = self.WDT(timeout=self.timeout_ms)

    def alive(self, bit=0):
        self.seen |= 1 << bit

    def check(self):
        """Feed if every task has reported; returns True when fed."""
        if self._wdt is None or self.seen & self.expect != self.expect:
            return False
        self._wdt.feed()
        self.seen = 0
        self.feeds += 1
        return True

    async def run(self, period_ms=None):
        """The feeder task; checks four times per timeout."""
        self.start()
        period_ms = period_ms or self.timeout_ms // 4
        while True:
            self.check()
            await sleep_ms(period_ms)
