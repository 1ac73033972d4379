# What an accepted token asks the meter to do (sts.md 3, 9). The processor
# never touches credit registers or hardware: the meter applies the effect.
# Kinds are short strings (interned on MicroPython, readable in logs).

CREDIT = "credit"  # register = class 0 sub-class 0..7; value = units (0.1 kWh/m3/..., or 1e-5 currency)
SET_MPL = "set_mpl"  # value = maximum power limit, W
CLEAR_CREDIT = "clear_credit"  # register = 0..7, or ALL_REGISTERS
CLEAR_TAMPER = "clear_tamper"
SET_MPPUL = "set_mppul"  # value = maximum phase power unbalance limit, W
SET_TARIFF = "set_tariff"  # value = the 16-bit rate field (meaning reserved by the STSA)
SET_WATER_FACTOR = "set_water_factor"  # value = the 16-bit factor field
SET_FLAG = "set_flag"  # class 2 sub 10: register = flag index, value = flag value
KEY_CHANGED = "key_changed"  # value = 1 when the TID memory was reset (RO = 1)
TEST = "test"  # class 1: value = control bits (bit n = test n), register = sub-class

ALL_REGISTERS = 0xFFFF


class Effect:
    def __init__(self, kind, value=0, register=0):
        self.kind = kind
        self.value = value
        self.register = register

    def __eq__(self, other):
        return (isinstance(other, Effect) and self.kind == other.kind
                and self.value == other.value and self.register == other.register)

    def __repr__(self):
        return "Effect(%s, value=%r, register=%r)" % (self.kind, self.value, self.register)
