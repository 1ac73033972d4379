# COSEM objects of single facts (dlms.md 7.1-7.3): the data and registers
# that show one value of the meter, the server or the firmware (Fact,
# FactRegister), such as the invocation counter a client reads before a
# ciphered session. binding.object_list.objects makes them on first access;
# a module of their own, so such a read loads no more than dlms.obj_data.
from dlms import axdr
from dlms.obj_data import Data, Register


def _fact(what, src, ctx):
    """The typed value of the fact `what` (binding.object_list.objects names
    them) of src: the Meter, the firmware (app.App) or the manufacturer's name."""
    if what == "ldn":
        return (axdr.OCTET_STRING, ctx.server.ldn)
    if what == "ic":  # the management client's next invocation counter
        return (axdr.DOUBLE_LONG_UNSIGNED, ctx.server.expected_ic(1))
    if what == "drn":
        return (axdr.VISIBLE_STRING, src.sts.drn.encode())
    if what == "manufacturer":
        return (axdr.VISIBLE_STRING, src)
    if what == "energy":
        return (axdr.DOUBLE_LONG_UNSIGNED, src.published_energy_wh() & 0xFFFFFFFF)
    if what == "mpl":
        return (axdr.DOUBLE_LONG_UNSIGNED, src.account.mpl_w)
    info = src.firmware_info()  # (identifier, signature, version)
    return (axdr.OCTET_STRING, info[("firmware id", "firmware signature",
                                     "firmware version").index(what)])


class Fact(Data):
    """Class 1 showing one fact (_fact)."""

    def __init__(self, ln, what, src=None):
        Data.__init__(self, ln, None)
        self.what = what
        self.src = src

    def read(self, attr, ctx):
        return _fact(self.what, self.src, ctx)


class FactRegister(Register):
    """Class 3 showing one fact (_fact) with its scaler and unit."""

    def __init__(self, ln, what, src, scaler, unit):
        Register.__init__(self, ln, None, scaler, unit)
        self.what = what
        self.src = src

    def read(self, attr, ctx):
        if attr == 2:
            return _fact(self.what, self.src, ctx)
        return Register.read(self, attr, ctx)
