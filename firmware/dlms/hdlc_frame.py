# HDLC frame format type 3, dlms.md 2.1 and 2.3 (IEC 62056-46).
#
#   7E | A0/A8 + 11-bit length | dest 1/2/4 | src 1/2/4 | control | HCS | info | FCS | 7E
#
# No byte stuffing: a frame is delimited by its length field, never by
# scanning for 0x7E; 0x7E may appear anywhere inside, FCS included. HCS is
# present only when there is an information field.
from compat import const
from dlms import hdlc_address
from dlms.hdlc_crc import GOOD_RESIDUE, crc16, put, update

FLAG = const(0x7E)
MAX_LENGTH = const(0x7FF)  # 11-bit frame length field
MIN_LENGTH = const(7)  # format 2 + dest 1 + src 1 + control 1 + FCS 2
_FORMAT_TYPE_3 = const(0xA000)
_SEGMENT = const(0x0800)

# Frame kinds (control field with P/F and sequence numbers masked, 2.3).
I = const(0x00)
RR = const(0x01)
RNR = const(0x05)
REJ = const(0x09)
SREJ = const(0x0D)
UI = const(0x03)
SNRM = const(0x83)
DISC = const(0x43)
UA = const(0x63)
DM = const(0x0F)
FRMR = const(0x87)
PF = const(0x10)  # poll (command) / final (response) bit


def kind(control):
    """Frame kind of a control byte: I, an S kind (RR, RNR, ...) or a U kind."""
    if control & 1 == 0:
        return I
    if control & 3 == 1:
        return control & 0x0F
    return control & 0xEF


def i_control(ns, nr, pf=True):
    return (nr & 7) << 5 | (PF if pf else 0) | (ns & 7) << 1


def s_control(k, nr, pf=True):
    return (nr & 7) << 5 | (PF if pf else 0) | k


def u_control(k, pf=True):
    return k | (PF if pf else 0)


class Frame:
    """One received frame. dest/src are the raw address bytes, info the
    information field (b"" when absent)."""

    def __init__(self, segmented, dest, src, control, info):
        self.segmented = segmented
        self.dest = dest
        self.src = src
        self.control = control
        self.info = info

    @property
    def kind(self):
        return kind(self.control)

    @property
    def pf(self):
        return bool(self.control & PF)

    @property
    def ns(self):
        return (self.control >> 1) & 7

    @property
    def nr(self):
        return (self.control >> 5) & 7


def parse(buf, p, q):
    """Parse the frame content buf[p:q] (the bytes between the flags).
    Returns a Frame, or None when lengths, addresses, HCS or FCS are wrong."""
    if q - p < MIN_LENGTH:
        return None
    f = buf[p] << 8 | buf[p + 1]
    if f & 0xF000 != _FORMAT_TYPE_3 or (f & MAX_LENGTH) != q - p:
        return None
    a = p + 2
    dn = hdlc_address.length(buf, a, q)
    if dn == 0:
        return None
    sn = hdlc_address.length(buf, a + dn, q)
    if sn == 0:
        return None
    c = a + dn + sn  # control byte
    h = c + 1  # end of header
    fcs_at = q - 2
    if fcs_at < h or fcs_at == h + 1:
        return None
    # One CRC pass: running the register over data plus its correct CRC
    # leaves the good-frame residue, for the header + HCS and for the frame.
    if fcs_at == h:
        if update(0xFFFF, buf, p, q) != GOOD_RESIDUE:
            return None
        info = b""
    else:
        if (update(0xFFFF, buf, p, h + 2) != GOOD_RESIDUE
                or update(GOOD_RESIDUE, buf, h + 2, q) != GOOD_RESIDUE):
            return None
        info = bytes(memoryview(buf)[h + 2:fcs_at])
    mv = memoryview(buf)
    return Frame(bool(f & _SEGMENT), bytes(mv[a:a + dn]), bytes(mv[a + dn:c]), buf[c], info)


def build(dest, src, control, info=None, segmented=False, start=0, end=-1):
    """A complete frame with both flags, as a bytearray. The information field
    is info[start:end] (end=-1: to the end); no HCS when it is empty.
    Raises ValueError when the frame would exceed the 11-bit length."""
    ni = 0
    if info is not None:
        if end < 0:
            end = len(info)
        ni = end - start
    na = len(dest) + len(src)
    n = 5 + na + (ni + 2 if ni > 0 else 0)
    if n > MAX_LENGTH:
        raise ValueError("frame too long")
    out = bytearray(n + 2)
    out[0] = FLAG
    out[1] = 0xA0 | (0x08 if segmented else 0) | n >> 8
    out[2] = n & 0xFF
    p = 3 + len(dest)
    out[3:p] = dest
    out[p:p + len(src)] = src
    p += len(src)
    out[p] = control
    p += 1
    if ni > 0:
        put(out, p, crc16(out, 1, p))
        p += 2
        out[p:p + ni] = memoryview(info)[start:end]
        p += ni
    put(out, p, crc16(out, 1, p))
    out[p + 2] = FLAG
    return out


class FrameReader:
    """Finds frames in a byte stream by flag + length field (2.1).

    Bounded: at most `capacity` bytes are held. Garbage, truncated frames,
    frames longer than the buffer and frames with a bad HCS/FCS are dropped,
    never raised. A truncated frame followed by a complete good frame gives
    way to that frame as soon as the good one is in the buffer.
    Counters: `dropped` (bytes discarded), `bad` (delimited but invalid)."""

    def __init__(self, capacity=MAX_LENGTH + 2):
        self._buf = bytearray(capacity)
        self._mv = memoryview(self._buf)
        self._s = 0
        self._e = 0
        self._seen = 0  # bytes after the pending frame start already resynced
        self.dropped = 0
        self.bad = 0

    def buffered(self):
        return self._e - self._s

    def clear(self):
        self.dropped += self._e - self._s
        self._s = self._e = self._seen = 0

    def feed(self, data, start=0, end=-1):
        """Copy as much of data[start:end] as fits; return how many bytes
        were taken. The caller offers the rest after next_frame()."""
        if end < 0:
            end = len(data)
        if self._s > 0:  # compact
            n = self._e - self._s
            self._mv[0:n] = self._mv[self._s:self._e]
            self._s, self._e = 0, n
        n = min(end - start, len(self._buf) - self._e)
        if n > 0:
            self._mv[self._e:self._e + n] = memoryview(data)[start:start + n]
            self._e += n
        return n

    def _skip(self, to):
        self.dropped += to - self._s
        self._s = to
        self._seen = 0

    def next_frame(self):
        """The next valid frame, or None when more bytes are needed."""
        b = self._buf
        cap = len(b)
        while True:
            s, e = self._s, self._e
            i = b.find(b"\x7e", s, e)
            if i < 0:
                self._skip(e)
                self._s = self._e = 0
                return None
            if i > s:
                self._skip(i)
            if e - i < 3:
                return None
            f = b[i + 1] << 8 | b[i + 2]
            n = f & MAX_LENGTH
            if f & 0xF000 != _FORMAT_TYPE_3 or n < MIN_LENGTH or n + 2 > cap:
                self._skip(i + 1)
                continue
            if e - i < n + 2:  # incomplete: a later complete frame wins
                if self._resync(i, e):
                    continue
                return None  # feed() compacts, n + 2 <= capacity fits
            if b[i + n + 1] != FLAG:
                self._skip(i + 1)
                continue
            fr = parse(b, i + 1, i + n + 1)
            if fr is None:
                self.bad += 1
                self._skip(i + 1)
                continue
            self._s = i + n + 1  # the closing flag may open the next frame
            self._seen = 0
            return fr

    def _resync(self, i, e):
        """While the frame starting at i is incomplete: jump to a later flag
        that starts a complete valid frame. A candidate is parsed only once,
        in the call where its last byte first arrived (positions relative
        to i survive compaction), so the work stays linear in the input."""
        b = self._buf
        seen = self._seen
        self._seen = e - i
        j = i + 1
        while True:
            j = b.find(b"\x7e", j, e)
            if j < 0 or e - j < MIN_LENGTH + 2:
                return False
            f = b[j + 1] << 8 | b[j + 2]
            end = j + (f & MAX_LENGTH) + 2  # one past the closing flag
            if (end <= e and end - i > seen and f & 0xF000 == _FORMAT_TYPE_3
                    and b[end - 1] == FLAG and parse(b, j + 1, end - 1) is not None):
                self._skip(j)
                return True
            j += 1
