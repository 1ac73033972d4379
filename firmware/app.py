# The composition root: builds the meter and its DLMS server from provisioning
# data (provision.py) and injected hardware. start.py calls it with the board's
# hal objects; the virtual meter and the tests call it with stand-ins. No I/O
# of its own beyond what the injected file system does.
import vocab
from compat import const, module, not_loaded, unload
from store.ring import Ring
from meter import keypad as kp

# A firmware on trial after an update (bootslot) is confirmed once it has run
# this many meter seconds: a stuck task would have had the watchdog restart
# the board long before (docs/update.md).
FIRMWARE_HEALTHY_S = 60
_CAPTURE_S = const(900)  # meter.recorder.CAPTURE_S: a quarter hour's tick loads the recorder
_RECORDER = ("meter.recorder",)
RESTART_ROUNDS = 10  # runtime rounds between an activation and the restart (answer sent)


# The boards' 4x4 keypad legends -> meter.keypad events (docs/sim.md):
# digits, # Enter, * backspace, C clear, A show credit; D is the safe-boot
# key (start.py) and does nothing else. E and B also work from a PC keyboard.
KEY_EVENTS = {"#": kp.ENTER, "E": kp.ENTER, "*": kp.BACK, "B": kp.BACK, "C": kp.CLEAR, "A": "A"}


class App:
    """App(provision, fs, clock, wallclock, relay, random_bytes, display=None,
    data_dir="data", hdlc_settings=None, hdlc_addresses=(1,), ui_clock=None,
    rtc_battery=True). fs: store.fs interface; clock: seconds, monotonic while powered;
    wallclock: the board's RTC, seconds since 2000 UTC (hal.rtc.Clock.now;
    rtc_battery: it runs through power cuts, meter.realtime); relay:
    .set(closed); display: .show(text); ui_clock: seconds of the front
    panel's timeouts (keypad entry, message hold), default clock: real time
    where clock runs faster (the virtual meter's --speed). Use:
    app.key(legend) per key press, app.tick() at least every 5 s, app.server
    is the sans-IO DLMS server for the optical port."""

    def __init__(self, *args, **kw):
        # the build runs once per boot: its code (app_build.build, with the
        # arguments above) is loaded for it and unloaded with the rest of
        # the build's code (docs/benchmarks.md, heap)
        import app_build
        app_build.build(self, *args, **kw)

    def key(self, legend):
        """One key press on the meter's keypad (a board legend, see KEY_EVENTS).
        Returns the STS result of an entered token or short code, else None."""
        k = KEY_EVENTS.get(legend, legend)
        if k == "A":
            self.keypad.show_idle()
            return None
        if not ("0" <= k <= "9" or k in (kp.ENTER, kp.BACK, kp.CLEAR)):
            return None
        return self.keypad.key(k, self.clock(), self.ui_clock())

    def local(self):
        """The local time of the COSEM clock (time zone and DST, meter.realtime)."""
        return self.realtime.local()

    def tick(self):
        """Meter timers (CTS, metering commits, MPL reconnect), the clock
        (jumps, saving it), the profiles' captures and the keypad's entry
        timeout; call at least every 5 s (CTS-14)."""
        now = self.clock()
        self.realtime.tick()
        self.meter.tick(now)
        st, t = self._rec_state, self.realtime.now()
        if self._filing or t - t % _CAPTURE_S != st[1]:
            self._recorded(t)  # events to file, or a quarter hour began (or went back)
        self.keypad.tick(now, self.ui_clock())
        if self.firmware_on_trial and now >= FIRMWARE_HEALTHY_S:
            slots = module("bootslot")  # (the boot's: App does not hold it)
            self.meter.log_event(vocab.EV_FW_CONFIRMED, slots.running(self.fs))
            slots.confirm(self.fs)
            self.firmware_on_trial = False

    # -- the profiles and event logs (meter.recorder, docs/dlms.md) ---------------
    def recorder(self):
        """The profile recorder (meter.recorder.Recorder) with every logged
        event filed, made on first use; it stays while its module stays (a
        profile object was read)."""
        r = self._rec
        if r is None:
            from meter.recorder import Recorder
            r = self._rec = Recorder((Ring, self.fs, self._logs), self.realtime, self.meter,
                                     self._rec_state)
        if self._filing:  # events logged since the last tick: filed first
            q, self._filing = self._filing, []
            r.file(q)
        return r

    def _recorded(self, t=None):
        """The waiting events filed and, at UTC time t, Recorder.tick: the
        recorder loaded for it and unloaded after unless something else had
        loaded it. Best effort: the journal (store.eventlog) has every event."""
        loads = not_loaded(_RECORDER)
        try:
            r = self.recorder()
            if t is not None:
                r.tick(t)
        except Exception:
            pass
        if loads:
            self._rec = None
            unload(*loads)

    def record(self, e):
        """A meter event, after the journal, for its event log (Meter's
        record): filed at the next tick, so the recorder never loads inside
        a token's or an association's job (heap), or now at a power-down."""
        self._filing.append(e)
        if e[1] == vocab.EV_POWER_DOWN:
            self._recorded()

    def mode_e_port(self, **options):
        """The optical port's protocol with IEC 62056-21 mode E in front of
        the server (dlms.md 3; options go to dlms.iec62056_21.ModeE): the
        identification is the DRN, and the IEC local port setup object
        (class 19) reports mode E as the port's default mode."""
        from dlms.iec62056_21 import ModeE, ModeEPort
        self.server.mode_e = True
        return ModeEPort(ModeE(self.meter.sts.drn, **options), self.server)

    # -- the running firmware and its update (docs/update.md) --------------------
    def firmware_info(self):
        """(identifier, signature, version) of the running firmware, from its slot."""
        from update import bundle
        slots = module("bootslot")
        info = bundle.read_info(self.fs, slots.SLOT_DIRS[slots.running(self.fs)] + "/"
                                + slots.INFO)
        return (info.get("id", "").encode(), bytes.fromhex(info.get("signature", "")),
                info.get("version", "").encode())

    def image_store(self):
        """The image store behind the image transfer object, loaded on first use."""
        if self._images is None:
            import sys
            from update import bundle, image
            self._images = image.ImageStore(self.fs, self._image_key,
                                            bundle.runnable_formats(sys.implementation),
                                            self.meter.log_event)
        return self._images

    def busy(self):
        """True while background work waits (an image check): the runtime
        then yields between rounds instead of sleeping."""
        return self._images is not None and self._images.busy()

    def work(self):
        """Background work, called every runtime round: a slice of an image
        check. True when the meter must restart now (an image was activated
        and the answer has had RESTART_ROUNDS rounds to go out)."""
        s = self._images
        if s is None:
            return False
        if s.busy():
            s.step()
        if s.reset_due:
            left = RESTART_ROUNDS if self._restart_in is None else self._restart_in
            self._restart_in = left - 1
            return left <= 1
        return False
