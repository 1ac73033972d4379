"""CPython test helper: a host meter (boards/host/hostmeter) behind the host
board's HDLC-over-TCP adapter (boards/host/tcp_optical) on a free loopback
port, in a background asyncio thread; and STS tokens from tools/sts.py vend (its
code, in this process) for the meter's development keys (provision.DEV_PROVISION)."""
import asyncio
import contextlib
import io
import threading

import provision
from boards.host import tcp_optical
from boards.host.hostmeter import HostMeter
from pctools import tokens
from pctools.gateway import pack  # noqa: F401 (for the tests)


class MeterTcp:
    """A HostMeter on data_dir (its other options in host: provision, clock,
    wallclock ...) served on 127.0.0.1:<free port>, ticked every tick_s
    seconds like a board (None: never). `restart()` builds a new HostMeter on
    the same folder (a power cycle). port_options go to tcp_optical.OpticalPort
    (pre_snrm_ms, max_waiting, log); mode_e: the port starts with the IEC
    62056-21 mode E sign-on (app.App.mode_e_port, as vmeter --mode-e)."""

    def __init__(self, data_dir, provision=None, tick_s=None, port_options=None, mode_e=False,
                 **host):
        self.data_dir = data_dir
        self.host_options = dict(host, provision=provision)
        self.tick_s = tick_s
        self.port_options = port_options or {}
        self.mode_e = mode_e
        self.loop = None
        self.thread = None
        self.start()

    def start(self):
        self.host = HostMeter(self.data_dir, **self.host_options)
        self.host.app  # built here, not on the server's thread
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()

        async def ticker():  # the board's tick (Meter.tick: CTS timer, relay)
            while True:
                await asyncio.sleep(self.tick_s)
                self.host.tick()

        async def main():
            opts = dict(self.port_options)
            if self.mode_e:
                opts["mode_e"] = self.app.mode_e_port()
            self._srv = await tcp_optical.start(self.app.server, "127.0.0.1", 0, **opts)
            self.port = self._srv.sockets[0].getsockname()[1]
            if self.tick_s:
                self._ticker = asyncio.ensure_future(ticker())
            ready.set()

        def run():
            asyncio.set_event_loop(self.loop)
            self.loop.run_until_complete(main())
            self.loop.run_forever()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        assert ready.wait(5), "tcp_optical did not start"

    def stop(self):
        """Stop serving (a power cut); once stopped, nothing more happens."""
        if self.loop is None:
            return

        async def close():
            if self.tick_s:
                self._ticker.cancel()
            self._srv.close()  # also closes the connections: the server releases the link
            await self._srv.wait_closed()

        fut = asyncio.run_coroutine_threadsafe(close(), self.loop)
        try:
            fut.result(5)
        except Exception:
            pass
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()
        self.loop = None

    def restart(self):
        self.stop()
        self.start()

    def call(self, fn):
        """Run fn() on the server's thread (consistent reads of the meter)."""
        async def run():
            return fn()
        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(5)

    @property
    def url(self):
        return "socket://127.0.0.1:%d" % self.port

    @property
    def app(self):
        return self.host.app

    @property
    def meter(self):
        return self.app.meter

    @property
    def relay(self):
        return self.host.relay

    def credit(self):
        a = self.app.meter.account
        return self.call(lambda: a.credit[a.metered])


def vend(amount="10", minute=0, **kw):
    """A class 0 credit token for the development meter (EA07, base date 2014,
    decoder key of provision.DEV_PROVISION), issued `minute` minutes past
    2026-01-01 00:10, as 20 digits."""
    p = provision.DEV_PROVISION
    h, m = divmod(10 + minute, 60)
    argv = ["vend", "--key", p["key"], "--ea", "07", "--class", "0", "--subclass", "0",
            "--base-date", str(p["base_date"]), "--date", "2026-01-01 %02d:%02d" % (h, m),
            "--amount", amount]
    for k, v in kw.items():
        argv += ["--" + k.replace("_", "-"), str(v)]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):  # the command line's code, in this process
        assert tokens.main(argv) == 0
    out = out.getvalue().split()
    assert len(out[0]) == 20 and out[0].isdigit(), out
    return out[0]


class ApduLog:
    """Records every complete APDU the server receives (per client SAP)."""

    def __init__(self, server):
        self.apdus = []
        inner = server.handle_apdu

        def handle(sap, apdu):
            self.apdus.append((sap, bytes(apdu)))
            return inner(sap, apdu)

        server.handle_apdu = handle

    def tags(self, sap):
        return [a[0] for s, a in self.apdus if s == sap]


try:
    import pytest
except ImportError:  # pragma: no cover
    pytest = None

if pytest is not None:
    @pytest.fixture
    def meter(tmp_path):
        """The running meter, fresh data directory per test."""
        m = MeterTcp(str(tmp_path))
        yield m
        m.stop()
