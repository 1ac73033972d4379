# HDLC frame format type 3, dlms.md 2.1 and 2.3 (IEC 62056-46).
#
#   7E | A0/A8 + 11-bit length | dest 1/2/4 | src 1/2/4 | control | HCS | info | FCS | 7E
#
# No byte stuffing: a frame is delimited by its length field, never by
# scanning for 0x7E; 0x7E may appear anywhere inside, FCS included. HCS is
# present only when there is an information field.
from builtins import len  # module globals: a builtin is found by a linear search
from compat import const
from dlms import hdlc_address
from dlms.hdlc_crc import TABLE, put, run

_FLAG = const(0x7E)
_GOOD_RESIDUE = const(0xF0B8)  # hdlc_crc.GOOD_RESIDUE: the register after a good frame + FCS
MAX_LENGTH = const(0x7FF)  # 11-bit frame length field
_MIN_LENGTH = const(7)  # format 2 + dest 1 + src 1 + control 1 + FCS 2
_MAX_HEADER = const(13)  # format 2 + dest 4 + src 4 + control 1 + HCS 2
_FORMAT_TYPE_3 = const(0xA000)
_SEGMENT = const(0x0800)

# Frame kinds (control field with P/F and sequence numbers masked, 2.3).
I = const(0x00)
RR = const(0x01)
RNR = const(0x05)
REJ = const(0x09)
_SREJ = const(0x0D)
UI = const(0x03)
SNRM = const(0x83)
DISC = const(0x43)
UA = const(0x63)
DM = const(0x0F)
FRMR = const(0x87)
PF = const(0x10)  # poll (command) / final (response) bit


def __getattr__(name):
    # kind, i_control, s_control, info_fcs: what a client (the tests and PC
    # tools) builds and checks; the meter's link does not, so they live in
    # dlms.hdlc_frame_client, loaded on use (heap).
    from dlms import hdlc_frame_client
    return getattr(hdlc_frame_client, name)


def u_control(k, pf=True):
    return k | (PF if pf else 0)


class Frame:
    """One received frame. dest/src are the raw address bytes, info the
    information field (b"" when absent). too_long: the frame was longer than
    the receive buffer; its HCS and FCS were checked while it passed, its
    information field was not kept (info is b""). pf, ns, nr: from the
    control byte when asked (__getattr__: few frames need them, and each
    attribute stored grows the instance's table; a property instead would
    make every attribute store of the class 4x dearer in MicroPython)."""
    too_long = False

    def __init__(self, segmented, dest, src, control, info):
        self.segmented = segmented
        self.dest = dest
        self.src = src
        self.control = control
        self.info = info
        if control & 1 == 0:
            self.kind = I
        elif control & 3 == 1:
            self.kind = control & 0x0F
        else:
            self.kind = control & 0xEF

    def __getattr__(self, name):
        c = self.control
        if name == "pf":
            return c & PF != 0
        if name == "ns":
            return (c >> 1) & 7
        if name == "nr":
            return (c >> 5) & 7
        raise AttributeError(name)


def parse(buf, p, q, mv=None):
    """Parse the frame content buf[p:q] (the bytes between the flags).
    Returns a Frame, or None when lengths, addresses, HCS or FCS are wrong.
    mv: a memoryview of buf to copy the fields from (a FrameReader's
    buffer), else they are sliced from buf itself (a bytes read: no copy)."""
    if q - p < _MIN_LENGTH:
        return None
    f = buf[p] << 8 | buf[p + 1]
    if f & 0xF000 != _FORMAT_TYPE_3 or (f & MAX_LENGTH) != q - p:
        return None
    a = p + 2  # the addresses, inline (one call less per frame)
    s = a + (1 if buf[a] & 1 else hdlc_address.length(buf, a, q))
    c = s + (1 if buf[s] & 1 else hdlc_address.length(buf, s, q))  # control byte
    if c == s or s == a:
        return None  # an address malformed or past q (q - p >= 7: both start before q)
    h = c + 1  # end of header
    fcs_at = q - 2
    if fcs_at < h or fcs_at == h + 1:
        return None
    if mv is None:
        mv = buf  # (the slices of a bytes read are bytes: bytes() gives them back)
    # One CRC pass: running the register over data plus its correct CRC
    # leaves the good-frame residue, for the header + HCS and for the frame.
    if fcs_at == h:
        if run(0xFFFF, buf, p, q, TABLE) != _GOOD_RESIDUE:
            return None
        info = b""
    else:
        if (run(0xFFFF, buf, p, h + 2, TABLE) != _GOOD_RESIDUE
                or run(_GOOD_RESIDUE, buf, h + 2, q, TABLE) != _GOOD_RESIDUE):
            return None
        info = bytes(mv[h + 2:fcs_at])
    return Frame(bool(f & _SEGMENT), bytes(mv[a:s]), bytes(mv[s:c]), buf[c], info)


def build(dest, src, control, info=None, segmented=False, start=0, end=-1, fcs=-1):
    """A complete frame with both flags, as a bytearray. The information field
    is info[start:end] (end=-1: to the end); no HCS when it is empty. fcs:
    info_fcs(info, start, end) when the caller has it already (the CRC runs
    once per frame). Raises ValueError when the frame would exceed the 11-bit
    length."""
    ni = 0
    if info is not None:
        if end < 0:
            end = len(info)
        ni = end - start
    nd = len(dest)
    na = nd + len(src)
    n = 5 + na + (ni + 2 if ni > 0 else 0)
    if n > MAX_LENGTH:
        raise ValueError("frame too long")
    out = bytearray(n + 2)
    out[0] = _FLAG
    out[1] = 0xA0 | (0x08 if segmented else 0) | n >> 8
    out[2] = n & 0xFF
    out[3:3 + nd] = dest
    p = 3 + na
    out[3 + nd:p] = src
    out[p] = control
    p += 1
    if ni > 0:
        put(out, p, run(0xFFFF, out, 1, p, TABLE) ^ 0xFFFF)
        p += 2
        if start == 0 and end == len(info):
            out[p:p + ni] = info
        else:
            out[p:p + ni] = memoryview(info)[start:end]
        if fcs < 0:
            fcs = run(_GOOD_RESIDUE, info, start, end, TABLE) ^ 0xFFFF
        p += ni
    else:
        fcs = run(0xFFFF, out, 1, p, TABLE) ^ 0xFFFF
    out[p] = fcs & 0xFF
    out[p + 1] = fcs >> 8
    out[p + 2] = _FLAG
    return out


def whole(self, data):
    """FrameReader self's read of the frame `data` where it is, when it is
    exactly one valid frame that fits the buffer and self holds only the
    last frame's closing flag: the usual read of one frame. self is then as
    self.feed() and self.next_frame() would leave it (a closing flag held).
    None otherwise (nothing taken): feed() and next_frame() take the bytes.
    (A FrameReader method kept out of the class, called whole(reader, ...):
    a class dict that grows costs heap on MicroPython.)"""
    s = self._s
    if (self._e - s != 1 or self._buf[s] != _FLAG or self._big is not None
            or len(data) > len(self._buf) or data[0] != _FLAG or data[-1] != _FLAG):
        return None
    fr = parse(data, 1, len(data) - 1)  # (its length field must say so)
    if fr is not None:
        self.dropped += 1  # the last closing flag: this frame opens with its own
        self._seen = 0
        self.waiting = True
    return fr


class FrameReader:
    """Finds frames in a byte stream by flag + length field (2.1).

    Bounded: at most `capacity` bytes are held. Garbage, truncated frames and
    frames with a bad HCS/FCS are dropped, never raised. A truncated frame
    followed by a complete good frame gives way to that frame as soon as the
    good one is in the buffer. A frame longer than the buffer whose header
    and HCS are good is checked as it passes (running FCS) and returned with
    too_long set and no information field, so that the link can reject it
    (dlms.hdlc_frame_long, loaded for the first such frame).
    Counters: `dropped` (bytes discarded), `bad` (delimited but invalid)."""

    def __init__(self, capacity=MAX_LENGTH + 2):
        self._buf = bytearray(capacity)
        self._mv = memoryview(self._buf)
        self._s = 0
        self._e = 0
        self._seen = 0  # bytes after the pending frame start already resynced
        self.waiting = True  # next_frame() gives None until more bytes are fed
        self._big = None  # header Frame of a too-long frame being passed
        self._left = 0  # its bytes still to come before the closing flag
        self._reg = 0  # its running CRC register
        self.dropped = 0
        self.bad = 0

    def buffered(self):
        """Bytes held (at most the capacity)."""
        return self._e - self._s

    def partial(self):
        """True while a frame is incomplete: bytes held, or a too-long frame
        being passed."""
        return self._e > self._s or self._big is not None

    def clear(self):
        self.dropped += self._e - self._s
        self._s = self._e = self._seen = self._left = 0
        self._big = None

    def feed(self, data, start=0, end=-1):
        """Copy as much of data[start:end] as fits; return how many bytes
        were taken. The caller offers the rest after next_frame()."""
        # (locals and stack within 11 words: MicroPython keeps the call's
        # frame off the heap)
        if end < 0:
            end = len(data)
        e = self._e
        if self._s > 0:  # compact
            e -= self._s
            if e:
                self._mv[0:e] = self._mv[self._s:self._e]
            self._s = 0
        n = end - start
        if n > len(self._buf) - e:
            n = len(self._buf) - e
        if n > 0:
            if start == 0 and n == len(data):
                self._mv[e:e + n] = data
            else:
                self._mv[e:e + n] = memoryview(data)[start:start + n]
            self._e = e + n
            self.waiting = False
        else:
            self._e = e
        return n

    def _skip(self, to):
        self.dropped += to - self._s
        self._s = to
        self._seen = 0

    def next_frame(self):
        """The next valid frame, or None when more bytes are needed (then
        `waiting` is True until feed() takes some)."""
        b = self._buf
        cap = len(b)
        self.waiting = True
        while True:
            if self._big is not None:
                from dlms import hdlc_frame_long  # (a too-long frame: loaded for the first)
                fr = hdlc_frame_long.pass_big(self)
                if fr is not None or self._big is not None or self._s >= self._e:
                    self.waiting = fr is None
                    return fr
                continue  # it was bad: scan on
            s, e = self._s, self._e
            if e - s < _MIN_LENGTH + 2 and (s == e or b[s] == _FLAG):
                if s == e:
                    self._s = self._e = 0
                return None  # no complete frame yet
            i = b.find(b"\x7e", s, e)
            if i < 0:
                self._skip(e)
                self._s = self._e = 0
                return None
            if i + 1 < e and b[i + 1] == _FLAG:  # the last frame's closing flag, then this one's
                i += 1
            if i > s:
                self._skip(i)
            if e - i < 3:
                return None
            f = b[i + 1] << 8 | b[i + 2]
            n = f & MAX_LENGTH
            if f & 0xF000 != _FORMAT_TYPE_3 or n < _MIN_LENGTH:
                self._skip(i + 1)
                continue
            if n + 2 > cap:  # longer than the buffer: pass it if its header is good
                if e - i <= _MAX_HEADER:
                    return None
                from dlms import hdlc_frame_long
                if not hdlc_frame_long.start_big(self, i, n, e):
                    self._skip(i + 1)
                continue
            if e - i < n + 2:  # incomplete: a later complete frame wins
                if self._resync(i, e):
                    continue
                return None  # feed() compacts, n + 2 <= capacity fits
            if b[i + n + 1] != _FLAG:
                self._skip(i + 1)
                continue
            fr = parse(b, i + 1, i + n + 1, self._mv)
            if fr is None:
                self.bad += 1
                self._skip(i + 1)
                continue
            self._s = i + n + 1  # the closing flag may open the next frame
            self._seen = 0
            self.waiting = i + n + 2 >= e  # nothing but that flag is held
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
            if j < 0 or e - j < _MIN_LENGTH + 2:
                return False
            f = b[j + 1] << 8 | b[j + 2]
            end = j + (f & MAX_LENGTH) + 2  # one past the closing flag
            if (end <= e and end - i > seen and f & 0xF000 == _FORMAT_TYPE_3
                    and b[end - 1] == _FLAG and parse(b, j + 1, end - 1, self._mv) is not None):
                self._skip(j)
                return True
            j += 1


# CPython specializes attribute loads only on classes without __getattr__,
# and every frame's attributes are loaded many times: there pf, ns and nr
# are properties (on MicroPython a property would slow every store).
if __import__("sys").implementation.name == "cpython":
    del Frame.__getattr__
    Frame.pf = property(lambda self: self.control & PF != 0)
    Frame.ns = property(lambda self: (self.control >> 1) & 7)
    Frame.nr = property(lambda self: (self.control >> 5) & 7)
    # and parse keeps the frames of the last few distinct contents (a
    # head-end repeats its SNRM, AARQ, DISC and polls): dlms.kept.
    from dlms.kept import kept
    _content = kept(lambda b, parse=parse: parse(b, 0, len(b)), 16)

    def parse(buf, p, q, mv=None):  # noqa: F811 (mv: where to copy from, the same bytes)
        return _content(buf[p:q])
