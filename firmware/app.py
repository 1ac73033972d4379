# The composition root: builds the meter and its DLMS server from provisioning
# data (provision.py) and injected hardware. main.py calls it with the board's
# hal objects; the virtual meter and the tests call it with stand-ins. No I/O
# of its own beyond what the injected file system does.
from store.fs import ensure_dir
from store.state import StateStore
from store.eventlog import EventLog
from meter.meter import Meter
from meter import keypad as kp

EVENT_CAPACITY = 120


# The boards' 4x4 keypad legends -> meter.keypad events (docs/sim.md):
# digits, # Enter, * backspace, C clear, A show credit; D is the safe-boot
# key (main.py) and does nothing else. E and B also work from a PC keyboard.
KEY_EVENTS = {"#": kp.ENTER, "E": kp.ENTER, "*": kp.BACK, "B": kp.BACK, "C": kp.CLEAR, "A": "A"}


class App:
    """fs: store.fs interface; clock: seconds, monotonic while powered;
    wallclock: seconds since 2000 UTC; relay: .set(closed); display: .show(text).
    Use: app.key(legend) per key press, app.tick() at least every 5 s,
    app.server is the sans-IO DLMS server for the optical port."""

    def __init__(self, provision, fs, clock, wallclock, relay, random_bytes, display=None,
                 data_dir="data", hdlc_settings=None, hdlc_addresses=(1,)):
        import binding
        import provision as prov
        from dlms import obis
        self.clock = clock
        self.display = display
        ensure_dir(fs, data_dir)
        self.eventlog = EventLog(fs, data_dir + "/events", EVENT_CAPACITY)
        self.store = StateStore(fs, data_dir + "/meter")
        meter_config = prov.value(provision, "meter")
        self.meter = Meter(meter_config, self.store, prov.sts_state(provision), clock, relay,
                           display, self.eventlog)
        self.server = binding.dlms_server(
            self.meter, prov.dlms_config(provision, random_bytes),
            tuple(prov.value(provision, "token_formats")),
            prov.value(provision, "token_reject_is_error"),
            store=StateStore(fs, data_dir + "/dlms"), wallclock=wallclock,
            hdlc_addresses=hdlc_addresses, hdlc_settings=hdlc_settings,
            auth_store=StateStore(fs, data_dir + "/auth"),
            auth_limits=prov.value(provision, "auth_lockout"), on_event=self.meter.log_event)
        self.keypad = kp.Keypad(self.meter, display, meter_config.get("keypad"))
        self.gateway = self.server.model.find(115, obis.TOKEN_GATEWAY)  # shows meter.last_token
        self.keypad.show_idle()

    def key(self, legend):
        """One key press on the meter's keypad (a board legend, see KEY_EVENTS).
        Returns the STS result of an entered token or short code, else None."""
        k = KEY_EVENTS.get(legend, legend)
        if k == "A":
            self.keypad.show_idle()
            return None
        if not ("0" <= k <= "9" or k in (kp.ENTER, kp.BACK, kp.CLEAR)):
            return None
        return self.keypad.key(k, self.clock())

    def tick(self):
        """Meter timers (CTS, metering commits, MPL reconnect) and the keypad's
        entry timeout; call at least every 5 s (CTS-14)."""
        now = self.clock()
        self.meter.tick(now)
        self.keypad.tick(now)


class ModeEPort:
    """IEC 62056-21 mode E in front of the DLMS server on one optical port
    (dlms.md 3): sign-on bytes go to `mode_e`, HDLC bytes to `server`; `line`
    follows mode E (hal.uart_port re-initialises the UART). When the HDLC link
    is disconnected the port goes back to sign-on at 300 baud."""

    def __init__(self, mode_e, server):
        self.mode_e = mode_e
        self.server = server
        self._was_connected = False

    @property
    def line(self):
        return self.mode_e.line

    def receive_data(self, data, now_ms=None):
        hdlc = self.mode_e.receive_data(data)
        if hdlc:
            self.server.receive_data(hdlc, now_ms)
            self._follow()

    def tick(self, now_ms):
        self.mode_e.tick(now_ms)
        self.server.tick(now_ms)
        self._follow()

    def _follow(self):
        up = self.server.link.connected
        if self._was_connected and not up:
            self.mode_e.reset()  # the HDLC session ended: sign-on again
        self._was_connected = up

    def data_to_send(self):
        return self.mode_e.data_to_send() + self.server.data_to_send()

