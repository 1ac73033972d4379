# HDLC server link (IEC 62056-46), sans-IO in the style of h11: bytes in with
# receive_data(), events out with next_event(), APDUs in with send_apdu(),
# bytes out with data_to_send(), time in with tick(). dlms.md sections 2.1-2.9.
#
# One client connection at a time, window 1 for sending (one I-frame per
# poll), segmentation both ways driven by RR, retransmission of the last
# frame when the client repeats itself, inactivity timeout. Never raises on
# received bytes; frames not addressed to us are ignored.
from builtins import isinstance, len  # module globals: a builtin is found by a linear search
from compat import const, TICKS_MASK
from dlms import hdlc_address, hdlc_params, hdlc_segment
from dlms import hdlc_frame as hf
# frame kinds and the P/F bit: hdlc_frame's (2.3), private here (no module globals)
_I = const(0x00)  # hdlc_frame.I
_RR = const(0x01)  # hdlc_frame.RR
_RNR = const(0x05)  # hdlc_frame.RNR
_UI = const(0x03)  # hdlc_frame.UI
_SNRM = const(0x83)  # hdlc_frame.SNRM
_DISC = const(0x43)  # hdlc_frame.DISC
_UA = const(0x63)  # hdlc_frame.UA
_DM = const(0x0F)  # hdlc_frame.DM
_FRMR = const(0x87)  # hdlc_frame.FRMR
_PF = const(0x10)  # hdlc_frame.PF

# CPython (the PC) has heap to spare: there the link also keeps the I-frame
# it sent with N(S) 0, a session's first (the AARE), for the next session like
# it (HdlcLink._opening); on a board the heap is worth more than the time.
_KEEP_FIRST_I = __import__("sys").implementation.name == "cpython"
LLC_REQUEST = b"\xe6\xe6\x00"  # dest LSAP E6, src LSAP E6 (command), 2.6
LLC_RESPONSE = b"\xe6\xe7\x00"  # src LSAP E7 marks a response

# Disconnected.reason
DISC_RECEIVED = const(1)  # the client sent DISC
INACTIVITY = const(2)  # inactivity timeout expired (2.9)
LINK_RESET = const(3)  # SNRM while connected (2.9)
LOCAL = const(4)  # the upper layer called disconnect()
INTERNAL = const(5)  # a bug caught by the guard; counted in .errors

NDM = const(0)  # normal disconnected mode
_NRM = const(1)  # normal response mode (connected)

# FRMR reason bits, ISO/IEC 13239 (dlms.md 10: content not verified)
FRMR_W = const(1)  # control field undefined or not implemented
_FRMR_X = const(2)  # information field not permitted
FRMR_Y = const(4)  # information field too long
FRMR_Z = const(8)  # invalid N(R)


class Connected:
    def __init__(self, client_address, server_address):
        self.client_address = client_address  # client SAP
        self.server_address = server_address  # (upper, lower); lower -1: none


class ApduReceived:
    def __init__(self, client_address, apdu):
        self.client_address = client_address
        self.apdu = apdu  # bytes, LLC stripped, segments reassembled


class UiReceived:
    def __init__(self, client_address, info):
        self.client_address = client_address
        self.info = info  # UI information field, LLC stripped when present


class Disconnected:
    def __init__(self, reason, client_address):
        self.reason = reason
        self.client_address = client_address


class HdlcLink:
    """server_addresses: logical device numbers (upper HDLC address) or
    (upper, lower) pairs. A 1-byte destination address matches any entry
    with that upper address; a 2/4-byte one must match upper and lower."""
    # None, or a function (the server's send_early, a front end's write)
    # that takes the frames to send as soon as the link answers an SNRM or a
    # DISC (its UA, before the link's and the upper layer's work on it: the
    # client waits for the UA alone) or sends an I-frame (_send)
    send_early = None

    def __init__(self, server_addresses=(1,), settings=None):
        self.settings = settings or hdlc_params.Settings()
        self._servers = servers = []
        for a in server_addresses:
            servers.append((a, hdlc_address.NO_LOWER) if isinstance(a, int) else (a[0], a[1]))
        cap = min(hf.MAX_LENGTH + 2, self.settings.max_info_rx + 20)
        self._reader = hf.FrameReader(max(cap, 64))
        self._in = b""
        self._in_pos = 0
        self._out = []  # frames to send, in order (never changed once built)
        self._events = []
        self._now = None
        self._last_activity = None
        self._last_rx = None
        self._rx_since_tick = False
        # The replies that open a session depend only on its addresses and
        # negotiated values and on what they answer: those of the last
        # session are kept for the next one like it (a head-end that calls
        # again), every check of its frames still made. [(src, dest, values),
        # UA to the SNRM, UA to a DISC or None, (control, information, frame)
        # of the last one-frame I-frame with N(S) 0 or None] (_on_snrm, DISC,
        # _send_segment)
        self._opening = None
        self.errors = 0
        self._to_ndm()

    # -- state ---------------------------------------------------------
    def _to_ndm(self):
        self.state = NDM
        self.connected = False
        self._client = None  # client address byte string
        self._dest = None  # our address as the client wrote it
        self.client_address = None
        self.server_address = None
        self._vs = 0
        self._vr = 0
        self.max_info_tx = hdlc_params.DEFAULT_INFO
        self.max_info_rx = hdlc_params.DEFAULT_INFO
        self.window_tx = 1
        self.window_rx = 1
        self._rx_apdu = bytearray()
        self._rx_overflow = False
        self._tx_data = None
        self.sending = False  # a segmented response is still going out (_tx_data set)
        self._tx_pos = 0
        self._last = None  # last frame sent in NRM (I or RR), for repeats
        self._last_i = None
        self._awaiting = False  # an ApduReceived awaits send_apdu/acknowledge
        self._peer_busy = False

    # connected and sending are plain attributes, kept with state and _tx_data:
    # in MicroPython a class with a property looks the class up on every
    # attribute store of its instances, which made each store 4x dearer.

    # -- input ---------------------------------------------------------
    def receive_data(self, data, now_ms=None):
        """Hand over received bytes. A bytes object is kept by reference
        until consumed; other buffers (bytearray, memoryview) are copied."""
        if now_ms is not None:
            self._now = self._last_rx = now_ms
        if not data:
            return
        self._rx_since_tick = True
        if self._in:
            self._in = bytes(self._in[self._in_pos:]) + bytes(data)
        else:
            self._in = data if isinstance(data, bytes) else bytes(data)
        self._in_pos = 0

    def receive_event(self, data, now_ms=None):
        """receive_data(data, now_ms), then next_event(): one call per read
        (the server's). A read of one whole frame, with nothing before it,
        is handled where it lies (hdlc_frame.whole), without being kept."""
        if now_ms is not None:
            self._now = self._last_rx = now_ms
        if not data:
            return self.next_event()
        self._rx_since_tick = True
        if not self._in and not self._events and isinstance(data, bytes):
            fr = hf.whole(self._reader, data)
            if fr is not None:
                self._on_frame(fr)
                events = self._events
                return events.pop(0) if events else None
        self.receive_data(data)
        return self.next_event()

    def next_event(self):
        """The next event, or None when all received bytes are consumed.
        Replies that need no upper layer (UA, RR, DM, FRMR, retransmissions)
        are queued for data_to_send() while frames are processed."""
        events = self._events
        reader = self._reader
        if not events and not self._in and reader.waiting:
            return None  # (asked again after each event: no frame to look for)
        while not events:
            data = self._in
            if data:
                pos = self._in_pos
                n = reader.feed(data, pos)
                pos += n
                if pos >= len(data):
                    self._in = b""
                    self._in_pos = 0
                else:
                    self._in_pos = pos
            fr = reader.next_frame()
            if fr is None:
                if not self._in:
                    return None
                if n == 0:  # cannot happen (see FrameReader); never spin
                    reader.clear()
                continue
            self._on_frame(fr)  # (its own try: this frame fits in 11 words, off the heap)
        return events.pop(0)

    def tick(self, now_ms):
        """Advance time (any millisecond counter; differences are taken
        modulo 2**30 like time.ticks_diff). Expires the inactivity timeout
        and drops a partial frame that stopped arriving."""
        self._now = now_ms
        if self._rx_since_tick or self._last_rx is None:
            self._last_rx = now_ms
            self._rx_since_tick = False
        if self._last_activity is None:
            self._last_activity = now_ms
        s = self.settings
        if (s.partial_frame_timeout_ms and self._reader.partial()
                and (now_ms - self._last_rx) & TICKS_MASK >= s.partial_frame_timeout_ms):
            self._reader.clear()
        if (self.state == _NRM and s.inactivity_timeout_ms
                and (now_ms - self._last_activity) & TICKS_MASK >= s.inactivity_timeout_ms):
            c = self.client_address
            self._to_ndm()
            self._events.append(Disconnected(INACTIVITY, c))

    # -- output --------------------------------------------------------
    def data_to_send(self):
        """The frames to send (one bytes-like object; b"" when none)."""
        out = self._out
        if not out:
            return b""
        self._out = []
        return out[0] if len(out) == 1 else b"".join(out)

    def _send(self, f):
        """Frame f to send_early at once, after any queued before it (the
        answer to an SNRM, a DISC, an I-frame), or queued without it."""
        early = self.send_early
        if early is None:
            self._out.append(f)
        elif self._out:
            self._out.append(f)
            early(self.data_to_send())
        else:
            early(f)

    def send_apdu(self, apdu):
        """Answer the last ApduReceived: LLC E6 E7 00 + apdu, segmented to
        the negotiated max information length; further segments go out as
        the client's RR arrive. Returns False when no request awaits."""
        if self.state != _NRM or not self._awaiting:
            return False
        self._awaiting = False
        self._tx_data = LLC_RESPONSE + apdu
        self.sending = True
        self._tx_pos = 0
        self._send_segment()
        return True

    def acknowledge(self):
        """Answer the last ApduReceived with RR only (no response APDU)."""
        if self.state != _NRM or not self._awaiting:
            return False
        self._awaiting = False
        self._send_s(_RR)
        return True

    def disconnect(self):
        """Drop to NDM locally (no frame is sent; the client's next command
        gets DM)."""
        if self.state == _NRM:
            c = self.client_address
            self._to_ndm()
            self._events.append(Disconnected(LOCAL, c))

    # -- frames --------------------------------------------------------
    def _mine(self, dest):
        n = len(dest)
        u, l = hdlc_address.decode(dest, 0, n)
        for su, sl in self._servers:
            if u == su and (n == 1 or (sl >= 0 and l == sl)):
                return (su, sl if n == 1 else l)
        return None

    def _on_frame(self, fr):
        try:
            connected = (self.state == _NRM and fr.dest == self._dest and fr.src == self._client)
            if not connected:
                if len(fr.src) != 1:
                    return  # client addresses are 1 byte (2.2)
                server = self._mine(fr.dest)
                if server is None:
                    return  # not for us: stay silent (2.2)
            self._last_activity = self._now
            k = fr.kind
            if fr.too_long or len(fr.info) > self.max_info_rx:
                # information field longer than we receive: FRMR (Y) while
                # connected, else as any command outside NRM (dlms.md 2.5)
                if connected:
                    self._frmr(fr, FRMR_Y)
                elif fr.control & _PF and k != _UA and k != _DM and k != _FRMR:
                    self._out.append(hf.build(fr.src, fr.dest, hf.u_control(_DM)))
                return
            if k == _I and connected:
                self._on_i(fr)
            elif k == _DISC and connected:
                kept = self._opening
                if kept[2] is None:
                    ua = hf.build(fr.src, fr.dest, hf.u_control(_UA))
                    if self.settings.flag_safe_fcs and not hdlc_segment.safe(ua):
                        # same UA with the parameter field (as Gurux C always sends)
                        ua = hf.build(fr.src, fr.dest, hf.u_control(_UA), hdlc_params.encode(
                            (self.max_info_tx, self.max_info_rx, self.window_tx, self.window_rx)))
                    kept[2] = bytes(ua)
                self._send(kept[2])
                c = self.client_address
                self._to_ndm()
                self._events.append(Disconnected(DISC_RECEIVED, c))
            elif k == _SNRM:
                self._on_snrm(fr, server if not connected else self.server_address)
            elif k == _UI:
                info = fr.info
                if info[:2] == b"\xe6\xe6":
                    info = info[3:]
                self._events.append(UiReceived(fr.src[0] >> 1, info))
            elif not connected:
                # NDM (or another client/device): DM answers DISC and polls (2.8)
                if k == _DISC or (fr.control & _PF and (k == _I or k == _RR or k == _RNR)):
                    self._out.append(hf.build(fr.src, fr.dest, hf.u_control(_DM)))
            elif k == _RR or k == _RNR:
                self._on_rr(fr, k)
            elif k == _UA or k == _DM or k == _FRMR:
                return  # responses, not commands: ignore
            else:
                self._frmr(fr, FRMR_W)
        except Exception:  # a bug: drop the link rather than the meter
            self.errors += 1
            c = self.client_address
            self._to_ndm()
            self._events.append(Disconnected(INTERNAL, c))

    def _on_snrm(self, fr, server):
        proposal = hdlc_params.parse(fr.info)
        busy = (self.state == _NRM and not self.settings.snrm_takeover
                and (fr.src != self._client or fr.dest != self._dest))
        if proposal is None or busy:
            self._out.append(hf.build(fr.src, fr.dest, hf.u_control(_DM)))
            return
        values = hdlc_params.negotiate(proposal, self.settings)
        key = (fr.src, fr.dest, values)
        kept = self._opening
        if kept is None or kept[0] != key:
            ua = None
            for variant in range(4):
                ua = hf.build(fr.src, fr.dest, hf.u_control(_UA),
                              hdlc_params.encode(values, variant))
                if not self.settings.flag_safe_fcs or hdlc_segment.safe(ua):
                    break
            self._opening = kept = [key, bytes(ua), None, None]
        self._send(kept[1])
        if self.state == _NRM:
            c = self.client_address
            self._to_ndm()
            self._events.append(Disconnected(LINK_RESET, c))
        self.state = _NRM
        self.connected = True
        self._client = fr.src
        self._dest = fr.dest
        self.client_address = fr.src[0] >> 1
        self.server_address = server
        self.max_info_tx, self.max_info_rx, self.window_tx, self.window_rx = values
        self._events.append(Connected(self.client_address, server))

    def _on_i(self, fr):
        if self._awaiting:
            return  # the response is being prepared; a repeat changes nothing
        c = fr.control
        ns = (c >> 1) & 7
        vr = self._vr
        if ns != vr:
            if ns == (vr - 1) & 7 and self._last is not None:
                self._out.append(self._last)  # repeated frame: resend our answer
            elif c & _PF:
                self._send_s(_RR)  # out of sequence: say what we expect
            return
        if (c >> 5) & 7 != self._vs:
            self._frmr(fr, FRMR_Z)
            return
        self._vr = (vr + 1) & 7
        self._tx_data = None  # a new command ends any response in progress
        self.sending = False
        self._last = None
        self._last_i = None
        info = fr.info
        rx = self._rx_apdu
        if len(rx) + len(info) > self.settings.max_apdu + 3:
            self._rx_overflow = True
        elif rx or fr.segmented:
            rx += info
            info = rx
        if fr.segmented:
            if c & _PF:
                self._send_s(_RR)
            return
        if rx:
            self._rx_apdu = bytearray()
        if self._rx_overflow:
            self._rx_overflow = False
            self._frmr(fr, FRMR_Y)
            return
        if len(info) < 3 or info[0] != 0xE6 or (info[1] & 0xFE) != 0xE6:
            self._send_s(_RR)  # no LLC header: acknowledge and drop
            return
        self._awaiting = True
        self._events.append(ApduReceived(self.client_address,
                                         bytes(info[3:]) if info is rx else info[3:]))

    def _on_rr(self, fr, k):
        self._peer_busy = k == _RNR
        if self._awaiting:
            return
        nr = fr.nr
        prev = (self._vs - 1) & 7
        if self._tx_data is not None:
            if nr == self._vs:
                if not self._peer_busy:
                    self._send_segment()
            elif nr == prev and self._last is not None:
                self._out.append(self._last)  # the client missed our segment
            else:
                self._frmr(fr, FRMR_Z)
            return
        if nr == prev and self._last_i is not None and k == _RR:
            self._out.append(self._last_i)
        elif nr == self._vs:
            if fr.pf:
                self._send_s(_RR)
        else:
            self._frmr(fr, FRMR_Z)

    def _send_s(self, k):
        f = hf.build(self._client, self._dest, (self._vr << 5) | _PF | k)
        self._last = f
        self._out.append(f)

    def _frmr(self, fr, why):
        info = bytes((fr.control, self._vr << 5 | self._vs << 1, why))
        self._out.append(hf.build(fr.src, fr.dest, hf.u_control(_FRMR), info))

    # -- segmentation --------------------------------------------------
    def _send_segment(self):
        data = self._tx_data
        start = self._tx_pos
        total = len(data)
        n = total - start
        if n > self.max_info_tx:
            n = self.max_info_tx
        control = (self._vr << 5) | _PF | (self._vs << 1)
        first = self._opening[3]
        if start == 0 and first is not None and first[0] == control and first[1] == data:
            f = first[2]  # (one frame: kept only so)
            n = total
        else:
            f = hf.build(self._client, self._dest, control, data, start + n < total, start,
                         start + n)
            if self.settings.flag_safe_fcs and not hdlc_segment.safe(f):
                for cut in hdlc_segment.cuts(data, start, n, start + n == total):
                    g = hf.build(self._client, self._dest, control, data, start + cut < total,
                                 start, start + cut)
                    if hdlc_segment.safe(g):
                        f = g
                        n = cut
                        break
            if _KEEP_FIRST_I and self._vs == 0 and n == total:
                f = bytes(f)
                self._opening[3] = (control, data, f)
        self._vs = (self._vs + 1) & 7
        self._last = f
        self._last_i = f
        self._send(f)
        if start + n < total:
            self._tx_pos = start + n
        else:
            self._tx_data = None
            self.sending = False
