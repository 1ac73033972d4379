# The composition root: builds the meter and its DLMS server from provisioning
# data and injected hardware. main.py calls it with the board's hal objects;
# the virtual meter and the tests call it with stand-ins. No I/O of its own
# beyond what the injected file system does.
from sts.state import StsState
from store.fs import ensure_dir
from store.state import StateStore
from store.eventlog import EventLog
from meter.meter import Meter
from dlms import association, acse, security
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
    "lls_password": "Gurux",
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
    ek, ak = bytes.fromhex(g("ek")), bytes.fromhex(g("ak"))
    read = (association.CONF_GET | association.CONF_BLOCK_GET
            | association.CONF_MULTIPLE_REFERENCES)
    clients = {
        16: association.ClientConfig(16, conformance=read),
        17: association.ClientConfig(17, acse.MECHANISM_LLS, secret=g("lls_password").encode(),
                                     conformance=read),
        1: association.ClientConfig(1, acse.MECHANISM_HLS_GMAC, ek=ek, ak=ak,
                                    policy=security.SC_AUTHENTICATED | security.SC_ENCRYPTED,
                                    contexts=(acse.CONTEXT_LN_CIPHERED,)),
    }
    return association.ServerConfig(bytes.fromhex(g("system_title")), clients, random_bytes)


class App:
    """fs: store.fs interface; clock: seconds, monotonic while powered;
    wallclock: seconds since 2000 UTC; relay: .set(closed); display: .show(text)."""

    def __init__(self, provision, fs, clock, wallclock, relay, random_bytes, display=None,
                 data_dir="data", hdlc_settings=None, hdlc_addresses=(1,)):
        p = provision or {}
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
            hdlc_addresses=hdlc_addresses, hdlc_settings=hdlc_settings)
