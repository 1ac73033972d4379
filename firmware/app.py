# The composition root: builds the meter and its DLMS server from provisioning
# data and injected hardware. main.py calls it with the board's hal objects;
# the virtual meter and the tests call it with stand-ins. No I/O of its own
# beyond what the injected file system does.
from sts.state import StsState
from store.fs import ensure_dir
from store.state import StateStore
from store.eventlog import EventLog
from meter.meter import Meter
from meter import keypad as kp
from dlms import association, acse, security, obis
from dlms.server import DlmsServer

EVENT_CAPACITY = 120

# DEVELOPMENT ONLY (docs/provisioning.md): a fresh development board is this
# meter. DRN 11111111115 (PAN 600727111111111153, the CTS vectors' third PAN),
# decoder key DKGA02 from the CTS test vending key abababababababab, KT 2,
# SGC 123456, TI 1, KRN 1, base date 2014 (the 1993 TIDs ran out in 2024), EA07. DLMS keys: the widely used
# Gurux demo keys. Never ship a meter with these.
DEV_PROVISION = {
    "drn": "11111111115",
    "ea": 7,
    "key": "9ca1fc37b27dac93",
    "kt": 2, "krn": 1, "ti": 1, "sgc": 123456, "ken": 255, "base_date": 2014,
    "system_title": "5354530000000001",  # "STS" 00 00 00 00 01
    "ek": "000102030405060708090a0b0c0d0e0f",
    "ak": "d0d1d2d3d4d5d6d7d8d9dadbdcdddedf",
    "kek": "101112131415161718191a1b1c1d1e1f",  # key_transfer (docs/security.md)
    "lls_password": "Gurux",
    # authentication failures per client: delays base_s, 2*base_s ..., then
    # lock_s from failure `after` on (0: no limit); docs/security.md
    "auth_lockout": {"after": 5, "base_s": 1, "lock_s": 900},
    "meter": {},  # meter.meter.Meter configuration (account, control mode, ...)
    "token_formats": ["ascii", "bcd", "binary"],
    # a refused STS token: False = ACTION success, outcome in token_status only;
    # True = also action-result other-reason (docs/dlms.md, dlms.md 10 item 2)
    "token_reject_is_error": False,
}


def provision_value(p, key):
    return p[key] if key in p else DEV_PROVISION[key]


def sts_state(p):
    g = lambda k: provision_value(p, k)  # noqa: E731
    return StsState(g("ea"), bytes.fromhex(g("key")), kt=g("kt"), krn=g("krn"), ti=g("ti"),
                    sgc=g("sgc"), ken=g("ken"), base_date=g("base_date"), drn=g("drn"))


def dlms_config(p, random_bytes):
    """Association parameters per client SAP (docs/dlms.md)."""
    g = lambda k: provision_value(p, k)  # noqa: E731
    ek, ak, kek = bytes.fromhex(g("ek")), bytes.fromhex(g("ak")), bytes.fromhex(g("kek"))
    read = (association.CONF_GET | association.CONF_BLOCK_GET
            | association.CONF_MULTIPLE_REFERENCES)
    clients = {
        16: association.ClientConfig(16, conformance=read),
        17: association.ClientConfig(17, acse.MECHANISM_LLS, secret=g("lls_password").encode(),
                                     conformance=read),
        1: association.ClientConfig(1, acse.MECHANISM_HLS_GMAC, ek=ek, ak=ak, kek=kek,
                                    policy=security.SC_AUTHENTICATED | security.SC_ENCRYPTED,
                                    contexts=(acse.CONTEXT_LN_CIPHERED,)),
    }
    return association.ServerConfig(bytes.fromhex(g("system_title")), clients, random_bytes)


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
        p = provision or {}
        self.clock = clock
        self.display = display
        ensure_dir(fs, data_dir)
        self.eventlog = EventLog(fs, data_dir + "/events", EVENT_CAPACITY)
        self.store = StateStore(fs, data_dir + "/meter")
        self.meter = Meter(provision_value(p, "meter"), self.store, sts_state(p), clock, relay,
                           display, self.eventlog)
        from dlms.server import default_objects
        self.server = DlmsServer(
            self.meter, dlms_config(p, random_bytes),
            objects=default_objects(tuple(provision_value(p, "token_formats")),
                                    provision_value(p, "token_reject_is_error")),
            store=StateStore(fs, data_dir + "/dlms"), wallclock=wallclock,
            hdlc_addresses=hdlc_addresses, hdlc_settings=hdlc_settings,
            auth_store=StateStore(fs, data_dir + "/auth"),
            auth_limits=provision_value(p, "auth_lockout"), on_event=self.meter.log_event)
        self.keypad = kp.Keypad(self.meter, display, provision_value(p, "meter").get("keypad"))
        self.gateway = self.server.model.find(115, obis.TOKEN_GATEWAY)
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
        entry = self.keypad.entry
        code = self.keypad.key(k, self.clock())
        if k == kp.ENTER and len(entry) == kp.TOKEN_DIGITS and code is not None:
            # the token gateway (class 115) describes the last token, keypad or remote
            self.gateway.note_keypad(entry, code, self.server.wall_seconds())
        return code

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


def _mkdirs(fs, path):
    parts = [x for x in path.split("/") if x]
    cur = "/" if path.startswith("/") else ""
    for x in parts:
        cur = cur + x if cur in ("", "/") else cur + "/" + x
        try:
            fs.mkdir(cur)
        except OSError:
            pass
