"""CPython test helper: the whole meter (firmware/app.App) behind the host
board's HDLC-over-TCP adapter (boards/host/tcp_optical) on a free loopback
port, in a background asyncio thread; and STS tokens from tools/sts.py vend
for the meter's development keys (provision.DEV_PROVISION)."""
import asyncio
import os
import subprocess
import sys
import threading
import time

import app as appmod
import provision
from boards.host import tcp_optical
from hal.fs import FileSystem

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STS_TOOL = os.path.join(ROOT, "tools", "sts.py")
EPOCH_2000 = 946684800


class Relay:
    def __init__(self):
        self.closed = None
        self.history = []

    def set(self, closed):
        self.closed = closed
        self.history.append(closed)


class MeterTcp:
    """App + tcp_optical on 127.0.0.1:<free port>. `restart()` rebuilds the
    App on the same data directory (a power cycle). port_options go to
    tcp_optical.OpticalPort (pre_snrm_ms, max_waiting, log)."""

    def __init__(self, data_dir, provision=None, **port_options):
        self.data_dir = data_dir
        self.provision = provision
        self.port_options = port_options
        self.loop = None
        self.thread = None
        self.start()

    def _build(self):
        self.relay = Relay()
        t0 = time.monotonic()
        self.app = appmod.App(self.provision, FileSystem(self.data_dir),
                              clock=lambda: int(time.monotonic() - t0),
                              wallclock=lambda: int(time.time()) - EPOCH_2000,
                              relay=self.relay, random_bytes=os.urandom)

    def start(self):
        self._build()
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()

        async def main():
            self._srv = await tcp_optical.start(self.app.server, "127.0.0.1", 0,
                                                **self.port_options)
            self.port = self._srv.sockets[0].getsockname()[1]
            ready.set()

        def run():
            asyncio.set_event_loop(self.loop)
            self.loop.run_until_complete(main())
            self.loop.run_forever()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        assert ready.wait(5), "tcp_optical did not start"

    def stop(self):
        async def close():
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
    def meter(self):
        return self.app.meter

    def credit(self):
        a = self.app.meter.account
        return self.call(lambda: a.credit[a.metered])


def vend(amount="10", minute=0, **kw):
    """A class 0 credit token for the development meter (EA07, base date 2014,
    decoder key of provision.DEV_PROVISION), issued `minute` minutes past
    2026-01-01 00:10, as 20 digits."""
    p = provision.DEV_PROVISION
    h, m = divmod(10 + minute, 60)
    cmd = [sys.executable, STS_TOOL, "vend", "--key", p["key"], "--ea", "07", "--class", "0",
           "--subclass", "0", "--base-date", str(p["base_date"]),
           "--date", "2026-01-01 %02d:%02d" % (h, m), "--amount", amount]
    for k, v in kw.items():
        cmd += ["--" + k.replace("_", "-"), str(v)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.split()
    assert len(out[0]) == 20 and out[0].isdigit(), out
    return out[0]


def pack(digits, encoding):
    """20 digits -> the octet-string for `enter` (docs/dlms.md)."""
    if encoding == "ascii":
        return digits.encode()
    if encoding == "bcd":
        return bytes.fromhex(digits)
    return int(digits).to_bytes(9, "big")


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
