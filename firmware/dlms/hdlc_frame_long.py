# A frame longer than the FrameReader's buffer (dlms.md 2.5): its header and
# HCS are checked when they are buffered, then the frame is passed with a
# running FCS and returned with too_long set, so that the link can reject it
# (FRMR). A meter sees one only from a client that ignores the negotiated
# length or from line noise: this code loads the first time one comes and
# stays (dlms.hdlc_frame.FrameReader.next_frame; heap). Each function is a
# FrameReader method kept out of the class, called f(reader, ...).
from compat import const
from dlms import hdlc_address
from dlms.hdlc_crc import update
from dlms.hdlc_frame import Frame

_FLAG = const(0x7E)  # hdlc_frame._FLAG
_GOOD_RESIDUE = const(0xF0B8)  # hdlc_crc.GOOD_RESIDUE


def start_big(self, i, n, e):
    """A frame of length n > capacity starts at the flag b[i] and its
    longest possible header is buffered: when the header is well formed
    and its HCS good, start passing the frame (True)."""
    b = self._buf
    a = i + 3  # the addresses
    dn = 1 if a < e and b[a] & 1 else hdlc_address.length(b, a, e)
    sn = 1 if a + dn < e and b[a + dn] & 1 else hdlc_address.length(b, a + dn, e)
    if dn == 0 or sn == 0:
        return False
    h = a + dn + sn + 1  # end of header (after control)
    if update(0xFFFF, b, i + 1, h + 2) != _GOOD_RESIDUE:
        return False
    mv = self._mv
    c = h - 1
    self._big = Frame(bool(b[i + 1] & 0x08), bytes(mv[a:a + dn]), bytes(mv[a + dn:c]), b[c], b"")
    self._reg = _GOOD_RESIDUE
    self._left = i + n + 1 - (h + 2)  # information + FCS bytes
    self.dropped += h + 2 - self._s
    self._s = h + 2
    self._seen = 0
    return True


def pass_big(self):
    """Run the CRC over the buffered bytes of the frame being passed.
    Returns its Frame (too_long) once its closing flag is here and the
    FCS is good; else None, with _big still set while bytes are missing
    and cleared when the frame turned out bad."""
    s, e = self._s, self._e
    k = self._left
    m = e - s if e - s < k else k
    if m:
        self._reg = update(self._reg, self._buf, s, s + m)
        self.dropped += m
        s += m
        k -= m
        self._s = s
        self._left = k
    if k or s >= e:
        if s >= e:
            self._s = self._e = 0
        return None
    fr = self._big
    self._big = None
    if self._buf[s] != _FLAG or self._reg != _GOOD_RESIDUE:
        self.bad += 1
        return None
    fr.too_long = True
    return fr  # the closing flag stays: it may open the next frame
