# The construction of the DLMS server (dlms.server.DlmsServer) and of its key
# and authentication-failure stores (dlms.keystore.KeyStore,
# dlms.auth_guard.AuthGuard): reading their stored records, defaults and
# damage handling. A meter builds its server once per boot, so the classes'
# __init__ only call in here and app.App unloads this module after the build
# (docs/benchmarks.md, heap). Each function is its class's __init__.
# (Each imports what it needs itself: a KeyStore alone loads no HDLC code.)
from compat import retry_on_memory
import vocab


def server(self, config, objects, ldn, store=None, hdlc_addresses=(1,), hdlc_settings=None,
           levels=None, auth_store=None, auth_limits=None, on_event=None, store_expected=False):
    from dlms import cosem, hdlc_link
    from dlms.auth_guard import AuthGuard
    from dlms.keystore import KeyStore
    from dlms.server import DEFAULT_LEVELS
    from dlms.obis import SECURITY_SETUP  # the names are needed to build the server only
    self.config = config
    self.on_event = on_event
    self.keys = KeyStore(config.clients, store, on_event, store_expected)
    self.guard = AuthGuard(auth_limits, auth_store, on_event)
    self.levels = levels or DEFAULT_LEVELS
    self.link = hdlc_link.HdlcLink(hdlc_addresses, hdlc_settings)
    self.data_to_send = self.link.data_to_send  # the link's own (a call less per frame)
    self.send_early = None
    a0 = hdlc_addresses[0]
    self.logical_device = a0 if isinstance(a0, int) else a0[0]
    self.model = cosem.ObjectModel(objects)
    self.ldn = ldn
    self.system_title = config.system_title
    self.security_setup_ln = SECURITY_SETUP
    self.mode_e = False  # the port signs on with IEC 62056-21 mode E first (class 19)
    self.associations = {}


def keys(self, clients, store=None, on_event=None, expected=False):
    from dlms.keystore import IC_MAX, IC_RESERVE, KeySet
    self.store = store
    self.on_event = on_event
    self.sets = {}
    for sap, c in clients.items():
        if c.ek is not None:
            self.sets[sap] = KeySet(c.ek, c.ak)
    self._saved = None
    self._pending = None
    if store is not None:
        for k in self.sets.values():
            k.reserved = k.tx  # nothing is reserved before the first commit
        try:
            d = retry_on_memory(store.load)
            # a damaged copy beside the valid one may have been newer: its
            # counters may be ahead of the valid copy's, so both are unknown
            lost = (d is None and expected) or getattr(store, "recovered", False)
        except OSError:  # damaged (StoreCorruptError) or unreadable: counters unknown
            d, lost = None, True
        if lost:
            d = None
            for k in self.sets.values():
                k.tx = k.reserved = IC_MAX - IC_RESERVE + 1
                k.rx_last = IC_MAX - IC_RESERVE
            self._event(vocab.FAULT_RECORD)
        for sap, k in self.sets.items():
            rec = d.get(str(sap)) if d else None
            if rec:
                k.tx = k.reserved = rec[0]  # the reservation: never reuse an IC
                k.rx_last = rec[1]
                if len(rec) >= 4:  # renewed over DLMS: overrides provisioning
                    k.ek, k.ak, k.renewed = bytes(rec[2]), bytes(rec[3]), True
    try:
        self.save()
    except OSError:  # storage cannot be written: no ciphered answer until it can
        self._event(vocab.FAULT_SAVE)


def guard(self, limits=None, store=None, on_event=None):
    from dlms.auth_guard import DEFAULT_LIMITS
    lim = DEFAULT_LIMITS if limits is None else limits
    g = DEFAULT_LIMITS.get
    self.after = int(lim.get("after", g("after")))
    self.base_s = int(lim.get("base_s", g("base_s")))
    self.lock_s = int(lim.get("lock_s", g("lock_s")))
    self.store = store
    self.on_event = on_event
    self.now_s = 0
    self._ms = 0
    self._last_ms = None
    self.fails = {}  # SAP -> [failures in a row, closed until now_s]
    if store is not None:
        try:
            d = retry_on_memory(store.load) or {}
            for sap, rec in d.items():
                self.fails[int(sap)] = [int(rec[0]), int(rec[1])]  # remaining s from now 0
        except Exception as e:  # damaged, or no memory: must not stop the meter
            self.fails = {}  # start afresh (docs/security.md "Storage damage")
            if on_event is not None:
                on_event(vocab.EV_FAULT, vocab.FAULT_MEMORY if isinstance(e, MemoryError)
                         else vocab.FAULT_RECORD, vocab.AT_AUTH)
            if not isinstance(e, MemoryError):
                self._save()  # write the fresh record over the damaged one
