# Image transfer, class 18 version 0 (DLMS UA 1000-1 4.4.6; dlms.md 7), the
# protocol side: attribute values and method parameters. Standard COSEM only;
# where the image goes is the target's business (the firmware's is
# update.image.ImageStore, docs/update.md). Loaded on first use through
# obj_common.ImageTransfer, which the object list holds.
#
# The target offers: block_size, enabled, status, received, size,
# blocks_total(), first_missing(), to_activate() -> [(size, id, signature)],
# set_enabled(bool) and initiate(id, size), write_block(n, data), verify(),
# activate(); the last five answer True (done), None (not now: the action
# gets temporary-failure; the client reads image_transfer_status until the
# job is done) or False (refused: other-reason).
from dlms import axdr
from dlms.cosem import (AccessError, expect, expect_int, TEMPORARY_FAILURE, TYPE_UNMATCHED,
                        OTHER_REASON)


def read(t, attr):
    if attr == 2:
        return (axdr.DOUBLE_LONG_UNSIGNED, t.block_size)
    if attr == 3:  # image_transferred_blocks_status: bit n = block n received
        n, have = t.blocks_total(), t.first_missing()
        bits = bytearray((n + 7) // 8)
        for i in range(have // 8):
            bits[i] = 0xFF
        if have % 8:
            bits[have // 8] = (0xFF00 >> (have % 8)) & 0xFF
        return axdr.bit_string(n, bits)
    if attr == 4:
        return (axdr.DOUBLE_LONG_UNSIGNED, t.first_missing())
    if attr == 5:
        return (axdr.BOOLEAN, t.enabled)
    if attr == 6:
        return (axdr.ENUM, t.status)
    return (axdr.ARRAY, [(axdr.STRUCTURE, [(axdr.DOUBLE_LONG_UNSIGNED, size),
                                           (axdr.OCTET_STRING, ident),
                                           (axdr.OCTET_STRING, sig)])
                         for size, ident, sig in t.to_activate()])


def write(t, attr, value):
    """Attribute 5 image_transfer_enabled is the only writable one."""
    _answer(t.set_enabled(expect(value, axdr.BOOLEAN)))


def invoke(t, method, param):
    if method == 1:  # image_transfer_initiate
        ident, size = _fields(param, (axdr.OCTET_STRING, axdr.DOUBLE_LONG_UNSIGNED))
        _answer(t.initiate(bytes(ident), size))
    elif method == 2:  # image_block_transfer
        n, block = _fields(param, (axdr.DOUBLE_LONG_UNSIGNED, axdr.OCTET_STRING))
        _answer(t.write_block(n, block))
    else:  # 3 image_verify, 4 image_activate: data integer (0)
        expect_int(param)
        _answer(t.verify() if method == 3 else t.activate())


def _fields(param, tags):
    """The values of a structure whose elements must have `tags`."""
    items = expect(param, axdr.STRUCTURE)
    if len(items) != len(tags):
        raise AccessError(TYPE_UNMATCHED)
    return [expect(v, tag) for v, tag in zip(items, tags)]


def _answer(done):
    if done is None:
        raise AccessError(TEMPORARY_FAILURE)
    if not done:
        raise AccessError(OTHER_REASON)
