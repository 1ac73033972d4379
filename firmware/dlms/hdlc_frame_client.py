# What a client builds and checks in HDLC frames (dlms.md 2.3, 2.4): the
# control bytes it sends, a frame's kind, the FCS of an information field.
# The tests and PC tools use them; the meter's link does not, so they load on
# first use through dlms.hdlc_frame's module __getattr__ (heap).
from compat import const
from dlms.hdlc_crc import TABLE, run

_I = const(0x00)  # hdlc_frame.I
_PF = const(0x10)  # hdlc_frame.PF
_GOOD_RESIDUE = const(0xF0B8)  # hdlc_crc.GOOD_RESIDUE


def kind(control):
    """Frame kind of a control byte: I, an S kind (RR, RNR, ...) or a U kind."""
    if control & 1 == 0:
        return _I
    if control & 3 == 1:
        return control & 0x0F
    return control & 0xEF


def i_control(ns, nr, pf=True):
    return (nr & 7) << 5 | (_PF if pf else 0) | (ns & 7) << 1


def s_control(k, nr, pf=True):
    return (nr & 7) << 5 | (_PF if pf else 0) | k


def info_fcs(info, start, end):
    """The FCS of any frame whose information field is info[start:end]: after
    a header and its correct HCS the CRC register is the good-frame residue,
    so the FCS depends on the information bytes alone (dlms.md 2.4)."""
    return run(_GOOD_RESIDUE, info, start, end, TABLE) ^ 0xFFFF
