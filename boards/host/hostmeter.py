# The one way the PC builds a meter (issue 11): the virtual meter
# (vmeter.py), the fleet (tools/pctools/fleet.py), the benches and the tests
# all make a HostMeter. It is app.App over a host folder that plays the
# board's file system, with a clock, a wall clock and a relay; whatever is
# not given comes from the host (monotonic seconds since the meter was
# built, the host's UTC clock, a relay that remembers what it was told).
#
# Provisioning: a dict (the fleet's per-meter identity, a test's settings,
# None for the development keys) is used as it is, stored nowhere; with
# `board` the meter starts as that board does at power-up (start.start_meter:
# the stored provisioning record, else the folder's provision.json, else
# the development keys).
#
# Runs on CPython and on the micropython executable (vmeter.py).
import os
import time

# a sibling module: boards.host.folderfs for the fleet, folderfs for vmeter
FolderFS = __import__(__name__.rpartition(".")[0] + ".folderfs" if "." in __name__ else "folderfs",
                      None, None, ("FolderFS",)).FolderFS

EPOCH_2000 = 946684800  # 2000-01-01 UTC in Unix seconds


class Relay:
    """The load switch where no pin is simulated (hal.relay.Relay where one
    is): remembers what the meter told it."""

    def __init__(self):
        self.closed = None

    def set(self, closed):
        self.closed = bool(closed)


def wallclock():
    """The host's UTC clock as the meter's: seconds since 2000 (CPython)."""
    return int(time.time()) - EPOCH_2000


def _mkdirs(path):
    """The folder and its missing parents (os.makedirs is CPython's only)."""
    at = 0
    while at >= 0:
        at = path.find("/", at + 1)
        try:
            os.mkdir(path if at < 0 else path[:at])
        except OSError:
            pass  # there already


class HostMeter:
    """One meter; `app` (meter, store, DLMS server) is built on first use, so
    a fleet of idle meters costs little. With `board`, `source` tells where
    the keys came from (provision.STORED / FILE / DEV)."""

    def __init__(self, folder, provision=None, board=None, clock=None, wallclock=wallclock,
                 relay=None, display=None, fs=None, hdlc_addresses=(1,), ui_clock=None):
        self.folder = folder
        self.provision = provision
        self.board = board
        self.clock = clock or self._monotonic()
        self.wallclock = wallclock
        self.relay = relay or Relay()
        self.display = display
        self.fs = fs
        self.hdlc_addresses = hdlc_addresses
        self.ui_clock = ui_clock  # the front panel's seconds (app.App), default clock
        self.source = None
        self._app = None

    @staticmethod
    def _monotonic():
        t0 = time.monotonic()
        return lambda: int(time.monotonic() - t0)  # whole seconds: the store keeps integers

    @property
    def app(self):
        if self._app is None:
            self._build()
        return self._app

    def _build(self):
        _mkdirs(self.folder)
        fs = self.fs or FolderFS(self.folder)
        if self.board is not None:
            from compat import not_loaded, unload
            done = not_loaded(("start",))  # its code serves the build only (micropython)
            import start
            self._app, self.source = start.start_meter(self.board, fs, self.clock, self.wallclock,
                                                       self.relay, self.display, os.urandom,
                                                       ui_clock=self.ui_clock)
            unload(*done)
            return
        import app
        self._app = app.App(self.provision, fs, self.clock, self.wallclock, self.relay,
                            os.urandom, self.display, hdlc_addresses=self.hdlc_addresses,
                            ui_clock=self.ui_clock)

    def built(self):
        return self._app is not None

    def tick(self):
        """The board's periodic tick (Meter timers, keypad timeout)."""
        if self._app is not None:
            self._app.tick()
