# The one store of the clients' global keys and invocation counters (dlms.md
# 6.2): for each client SAP with a key set, the unicast encryption key (EK)
# and authentication key (AK) in use, the IC the server sends next (tx) and
# the last IC accepted from the client (rx_last). Keys renewed over DLMS
# (class 64 key_transfer) replace the provisioned ones here and persist.
#
# One StateStore record {"<sap>": [tx reserved, rx_last] (+ [ek, ak] once
# renewed)}:
# - tx is reserved IC_AHEAD ahead, so a power cut never makes the server
#   reuse a GCM nonce; after a restart tx starts at the reservation;
# - rx_last is committed when the caller says (the server: when an
#   association ends and before a SET or ACTION runs), so no recorded
#   command replays after a power cut;
# - a renewal writes the new keys and the reset counters in one commit;
# - an unchanged record is not written again (flash wear);
# - the reservation moves only once it is durable: while the store cannot be
#   written, tx stops at the stored reservation (next_tx gives None);
# - a damaged record (counters unknown, issue 12 item 2) puts both counters at
#   the start of the renewal reserve: no ordinary exchange can reuse a nonce
#   or replay a command, and a key renewal (new EK) resets them (docs/security.md).
#
# Room (issue 12): an IC after which no IC is left would lock the client out
# for good. The last IC_RESERVE counters are kept for a key renewal: an
# ordinary request or response needs that much room after its IC, the steps
# of a renewal only what the rest of the renewal needs (ROOM_*), and no IC
# leaves less than 1, so the published next IC always fits in 32 bits.
from compat import const
import vocab
from dlms import gcm

IC_MAX = 0xFFFFFFFF
IC_RESERVE = const(1024)  # the last counters, kept for a key renewal
ROOM_AARQ = const(8)  # AARQ/AARE, then HLS pass 3/4 and key_transfer
ROOM_HLS = const(4)  # HLS pass 3/4 (two server ICs), then key_transfer
ROOM_KEY_TRANSFER = const(1)  # key_transfer: the last step
IC_AHEAD = const(1000)  # tx reservation step
_AHEAD_NEAR_END = const(16)  # inside the reserve: a restart wastes less of it
_MARGIN = const(8)  # reserve again when tx comes this close
IC_WARN = IC_MAX - 0xFFFFFF  # a counter past this nears its end: an event

RX = const(1)  # KeySet.near_end bits: the client's counter,
TX = const(2)  # the server's


class KeySet:
    """One client's keys and counters. tx starts at 1 (dlms-cosem refuses a
    meter IC of 0); rx_last -1: nothing accepted yet."""

    def __init__(self, ek, ak, tx=1, rx_last=-1):
        self.ek = ek
        self.ak = ak
        self.tx = tx
        self.rx_last = rx_last
        self.reserved = IC_MAX + 1  # the tx held by the store (KeyStore); no limit without one
        self.renewed = False  # keys from a key transfer, not provisioning
        self.near_end = 0  # RX | TX: a counter passed IC_WARN (not reported yet)
        self.aes_gcm = None  # the AES-GCM of ek, made on first use (cipher())

    def cipher(self):
        """The AES-GCM instance for EK (its GHASH tables are built once)."""
        if self.aes_gcm is None:
            self.aes_gcm = gcm.Gcm(self.ek)
        return self.aes_gcm

    def fresh(self, ic):
        """Worth deciphering: newer than the last accepted IC, not the last IC."""
        return self.rx_last < ic < IC_MAX

    @staticmethod
    def fits(ic, room):
        return ic <= IC_MAX - room

    def expected(self):
        """The next IC the client may use (published at 0.0.43.1.0.255)."""
        e = self.rx_last + 1
        return e if e <= IC_MAX else IC_MAX  # a record written before the room rule

    def accept(self, ic):
        """Record an IC whose APDU has been verified; False if stale."""
        if ic <= self.rx_last:
            return False
        if self.rx_last < IC_WARN <= ic:
            self.near_end |= RX
        self.rx_last = ic
        return True

    def next_tx(self, room=IC_RESERVE):
        """Take the next IC for sending; None when it would leave less than
        `room` (then only a key renewal helps) or is not reserved durably."""
        ic = self.tx
        if ic > IC_MAX - room or ic >= self.reserved:
            return None
        if ic == IC_WARN:
            self.near_end |= TX
        self.tx = ic + 1
        return ic

    def reserve(self):
        """Move the reservation ahead if tx came close to it; True if moved."""
        tx = self.tx
        if tx + _MARGIN < self.reserved:
            return False
        r = tx + (IC_AHEAD if tx + IC_AHEAD <= IC_MAX - IC_RESERVE else _AHEAD_NEAR_END)
        self.reserved = r if r <= IC_MAX + 1 else IC_MAX + 1
        return True

    def record(self):
        if self.renewed:
            return [self.reserved, self.rx_last, self.ek, self.ak]
        return [self.reserved, self.rx_last]


class KeyStore:
    """clients: dict SAP -> association.ClientConfig (the provisioned keys);
    store: a StateStore (None: RAM only); on_event(code, a, b) for the
    meter's event log, or None; expected: the record must exist (the meter
    is not new), so a missing one counts as damaged."""

    def __init__(self, *args, **kw):
        # KeyStore(clients, store=None, on_event=None, expected=False):
        # dlms.server_build.keys
        from dlms import server_build
        server_build.keys(self, *args, **kw)

    def _event(self, fault):
        if self.on_event is not None:
            self.on_event(vocab.EV_FAULT, fault, vocab.AT_KEYS)

    def get(self, sap):
        return self.sets.get(sap)

    def save(self):
        """Commit the counters if they changed, reserving tx ahead as needed.
        Raises what the store raises; then the reservations stay as stored."""
        held = [(k, k.reserved) for k in self.sets.values()]
        for k in self.sets.values():
            k.reserve()
        try:
            self._commit(self._record())
        except Exception:
            for k, r in held:
                k.reserved = r
            raise

    def after_apdu(self, sap):
        """After each APDU of client `sap`: store a new reservation when tx
        comes close to the stored one; report a counter near its end."""
        k = self.sets.get(sap)
        if k is None:
            return
        if k.tx + _MARGIN >= k.reserved:
            try:
                self.save()
            except OSError:
                self._event(vocab.FAULT_SAVE)  # tx stops at the reservation
        if k.near_end:
            if self.on_event is not None:
                self.on_event(vocab.EV_DLMS_COUNTER_NEAR_END, sap, k.near_end)
            k.near_end = 0

    def _record(self, sap=None, replacement=None):
        # the names of the last record again: each new str costs a search of the interned ones
        d = {}
        for name in self._saved or map(str, self.sets):
            s = int(name)
            d[name] = (replacement if s == sap else self.sets[s]).record()
        return d

    def _commit(self, d):
        if self.store is None or d == self._saved:
            return
        self.store.commit(d)
        self._saved = d

    # -- key renewal (class 64 key_transfer): dlms.key_renewal's code -------------
    def renew(self, sap, ek=None, ak=None):
        """Make new keys for client `sap` durable; they take effect at
        apply_renewal() (dlms.key_renewal.renew)."""
        from dlms import key_renewal
        key_renewal.renew(self, sap, ek, ak)

    def apply_renewal(self):
        """Switch to the keys of the last renew(); returns the SAP or None."""
        if self._pending is None:  # (every ACTION asks: key_renewal loads only for one)
            return None
        from dlms import key_renewal
        return key_renewal.apply_renewal(self)
