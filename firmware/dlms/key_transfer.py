# The parameter of security setup (class 64) method 2, key_transfer
# (global_key_transfer), dlms.md 6.5:
#
#   array of structure { key_id enum, key_wrapped octet-string }
#
# key_id 0 is the global unicast encryption key (EK), 2 the authentication
# key (AK); each key is wrapped under the client's KEK (RFC 3394, 24 bytes
# for a 16-byte key). The broadcast key (1) and the KEK itself (3) are not
# transferred here. Loaded only when a key transfer arrives.
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

