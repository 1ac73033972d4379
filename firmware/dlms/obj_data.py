# COSEM classes 1 Data and 3 Register (dlms.md 7.1): a value the owner
# computes per read. Apart from dlms.obj_common so that an object of these
# classes (the invocation counter a client reads before a ciphered session,
# the logical device name, a register) loads only this small module when a
# client first reaches it (binding.object_list.objects).
from dlms import axdr
from dlms.cosem import CosemObject, AccessError, R0, NOBODY, READ_WRITE_DENIED


class Data(CosemObject):
    """Class 1. `value` is a callable (ctx) -> typed value; `store` (optional)
    a callable (ctx, typed value) for writable data."""
    class_id = 1

    def __init__(self, ln, value, access=R0, store=None):
        CosemObject.__init__(self, ln, (R0, access))
        self._value = value
        self._store = store

    def read(self, attr, ctx):
        return self._value(ctx)

    def write(self, attr, value, ctx):
        if self._store is None:
            raise AccessError(READ_WRITE_DENIED)
        self._store(ctx, value)


class Register(CosemObject):
    """Class 3: value, scaler_unit; method reset is not offered."""
    class_id = 3
    METHODS = (NOBODY,)

    def __init__(self, ln, value, scaler, unit, access=R0):
        CosemObject.__init__(self, ln, (R0, access, access))
        self._value = value
        self._scaler_unit = (axdr.STRUCTURE, [(axdr.INTEGER, scaler), (axdr.ENUM, unit)])

    def read(self, attr, ctx):
        if attr == 2:
            return self._value(ctx)
        return self._scaler_unit
