# Segmentation of an outgoing LLC+APDU byte string into I-frame information
# fields (dlms.md 2.7), with the optional flag-safe rule of dlms.md 8.2:
# dlms-cosem finds frames by reading up to the next 0x7E, so a frame whose
# FCS ends in 0x7E (... 7E 7E) hangs it. Segment boundaries are the sender's
# choice, so such a segment is cut shorter.
#
# The CRC register after a header and its correct HCS is always the
# good-frame residue, so an I-frame's FCS depends on its information bytes
# alone, not on addresses or sequence numbers: the plan can be made once,
# before the first segment goes out.
from compat import const
from dlms.hdlc_crc import GOOD_RESIDUE, update

_FLAG = const(0x7E)
_TRIES = const(16)


def fcs_last_byte(data, start, end):
    """The FCS byte sent last (high byte) of an I-frame carrying data[start:end]."""
    return (update(GOOD_RESIDUE, data, start, end) ^ 0xFFFF) >> 8


def plan(data, size, flag_safe=True):
    """End offsets of the segments of `data`, each at most `size` bytes.
    With flag_safe no segment's frame ends in 7E 7E, unless 16 cuts in a
    row would (negligible; then the plain cut is used)."""
    total = len(data)
    ends = []
    pos = 0
    while pos < total:
        n = min(total - pos, size)
        if flag_safe:
            n = _safe_cut(data, pos, n, size)
        pos += n
        ends.append(pos)
    return ends


def _safe_cut(data, pos, n, size):
    total = len(data)
    for cut in range(n, max(0, n - _TRIES), -1):
        end = pos + cut
        if fcs_last_byte(data, pos, end) == _FLAG:
            continue
        # the rest must not be left as a single final frame ending in 7E
        rest = total - end
        if 0 < rest <= size and fcs_last_byte(data, end, total) == _FLAG:
            continue
        return cut
    return n
