# tcp_optical's front end on CPython, loaded by it at its end (never on
# micropython, where its code would cost heap): each connection is an
# asyncio.Protocol with events straight from the loop (no task, timer or
# drain() per read), the timeouts run on one timer per port while connections
# exist, on uvloop's event loop when it is installed (requirements.txt).
import asyncio
import sys
from time import monotonic

from compat import TICKS_MASK

_base = sys.modules[__name__[:-len("_cpython")]]  # tcp_optical (importing this module)


def ticks_ms():
    return int(monotonic() * 1000) & TICKS_MASK


def ticks_diff(a, b):
    half = (TICKS_MASK + 1) >> 1
    return ((a - b + half) & TICKS_MASK) - half


class Listener(_base.Listener):
    """tcp_optical.Listener with the tick timer on the loop (call_later),
    and what the fleet and the tests use to stop it."""

    def __init__(self, target):
        super().__init__(target)
        self._loop = asyncio.get_event_loop()  # the running loop

    @property
    def sockets(self):
        return self.server.sockets

    def close(self):
        """Stop listening and close every connection (the server releases
        the link of the active one)."""
        self.server.close()
        now = ticks_ms()
        for c in list(self.conns):
            if not c.closed:
                c.port.drop(c, now)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    async def wait_closed(self):
        await self.server.wait_closed()

    def _arm(self):
        if self._timer is None:
            self._timer = self._loop.call_later(_base.TICK_MS / 1000, self._tick)

    def _tick(self):
        self._timer = None
        if self.ticked.tick(ticks_ms()):
            self._arm()


class _Conn(asyncio.Protocol):
    """One TCP connection: events straight from the loop."""

    def __init__(self, listener):
        self.listener = listener
        self.closed = False
        self.port = None
        self.transport = None

    @property
    def name(self):
        """The peer's address, for the log lines: made when one is written."""
        t = self.transport
        return "?" if t is None else _base._peer(t.get_extra_info("peername"))

    def connection_made(self, transport):
        self.transport = transport
        self.write = transport.write  # (the port's writes call it: no Python frame between)
        self.listener._accept(self)

    def data_received(self, data):
        if not self.closed:  # (ticks_ms() inline: a call less per read)
            self.port.received(self, data, int(monotonic() * 1000) & TICKS_MASK)

    def connection_lost(self, exc):
        self.listener.conns.remove(self)
        if not self.closed:
            self.closed = True
            self.port.closed(self, ticks_ms(), exc)

    def close(self):
        if not self.closed:
            self.closed = True
            self.transport.close()


async def _serve(listener, host, port):
    return await listener._loop.create_server(lambda: _Conn(listener), host, port)


def run(main):
    """asyncio.run(main), on uvloop's event loop when CPython has it
    (requirements.txt): its loop and transports are C, which cuts the server's
    time per connection and per frame (docs/benchmarks.md, "Virtual meter over
    TCP"). Without uvloop, the standard loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)
