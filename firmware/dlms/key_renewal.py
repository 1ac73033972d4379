# Key renewal in the key store (class 64 key_transfer, dlms.md 6.5,
# docs/security.md): the new keys made durable in one commit, then switched
# to once the answer went out under the old ones. dlms.keystore.KeyStore
# methods kept out of the class, called f(store, ...): loaded only for a
# renewal (heap).
import vocab


def renew(self, sap, ek=None, ak=None):
    """KeyStore.renew: make new keys for client `sap` durable: one commit
    holds them and, when EK changes, counters reset to the start (with the
    same EK the counters go on: a reset would reuse GCM nonces). They take
    effect at apply_renewal(), once the answer went out under the old keys.
    Raises what the store raises; then nothing changed."""
    from dlms.keystore import KeySet
    k = self.sets[sap]
    new = KeySet(ek or k.ek, ak or k.ak)
    if new.ek == k.ek:
        new.tx, new.rx_last, new.reserved = k.tx, k.rx_last, k.reserved
    else:
        new.reserved = new.tx
        new.reserve()
    new.renewed = True
    self._commit(self._record(sap, new))
    self._pending = (sap, new)


def apply_renewal(self):
    """KeyStore.apply_renewal with a renewal pending: client `sap`'s key set
    takes the new keys, with a new EK also its counters and reservation."""
    sap, new = self._pending
    self._pending = None
    k = self.sets[sap]
    changed = (1 if new.ek != k.ek else 0) | (2 if new.ak != k.ak else 0)
    if changed & 1:
        k.tx, k.rx_last, k.reserved = new.tx, new.rx_last, new.reserved
        k.aes_gcm = None  # made again for the new EK
    k.ek, k.ak, k.renewed = new.ek, new.ak, True
    if self.on_event is not None:
        self.on_event(vocab.EV_DLMS_KEYS_RENEWED, sap, changed)
    return sap
