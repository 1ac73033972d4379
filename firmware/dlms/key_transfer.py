# The parameter of security setup (class 64) method 2, key_transfer
# (global_key_transfer), dlms.md 6.5:
#
#   array of structure { key_id enum, key_wrapped octet-string }
#
# key_id 0 is the global unicast encryption key (EK), 2 the authentication
# key (AK); each key is wrapped under the client's KEK (RFC 3394, 24 bytes
# for a 16-byte key). The broadcast key (1) and the KEK itself (3) are not
# transferred here. Loaded only when a key transfer arrives.
import vocab
from dlms import axdr, keywrap
from dlms.cosem import (AccessError, expect, OTHER_REASON, READ_WRITE_DENIED,
                        TYPE_UNMATCHED)

KEY_EK = 0
KEY_AK = 2


def unwrap_keys(param, kek):
    """(new EK or None, new AK or None) from the method parameter. Raises
    AccessError: TYPE_UNMATCHED for a malformed parameter, READ_WRITE_DENIED
    for a key this meter does not take (or no KEK), OTHER_REASON when a key
    fails the unwrap integrity check (wrong KEK, damaged). All or nothing."""
    items = expect(param, axdr.ARRAY)
    if not items or len(items) > 2:
        raise AccessError(TYPE_UNMATCHED)
    wrapped = {}
    for it in items:
        f = expect(it, axdr.STRUCTURE)
        if len(f) != 2:
            raise AccessError(TYPE_UNMATCHED)
        key_id = expect(f[0], axdr.ENUM)
        w = expect(f[1], axdr.OCTET_STRING)
        if key_id in wrapped or len(w) != 24:
            raise AccessError(TYPE_UNMATCHED)
        if key_id != KEY_EK and key_id != KEY_AK:
            raise AccessError(READ_WRITE_DENIED)
        wrapped[key_id] = w
    if kek is None:
        raise AccessError(READ_WRITE_DENIED)
    keys = {}
    for key_id, w in wrapped.items():
        k = keywrap.unwrap(kek, bytes(w))
        if k is None:
            raise AccessError(OTHER_REASON)
        keys[key_id] = k
    return keys.get(KEY_EK), keys.get(KEY_AK)


# -- the key store's renewal (dlms.keystore.KeyStore methods kept out of the
# class, called f(store, ...): loaded with the key transfer that needs them)

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
