# IEC 62056-21 mode E entry on the optical port, dlms.md section 3.
#
#   client, 300 baud 7E1:  / ? [device address] ! CR LF
#   meter:                 / X X X Z \ 2 <identification> CR LF
#   client:                ACK 2 Z 2 CR LF   (protocol mode E, baud Z, binary)
#   both switch to baud Z, 8N1, and HDLC starts with the client's SNRM.
#
# Sans-IO: the board's UART adapter feeds bytes with receive_data(), writes
# data_to_send() at the current line settings, then applies `line` when it
# changed (after the UART has drained). Bytes that belong to HDLC are returned
# by receive_data(). Time comes in through tick(). Which boards and links use
# it: docs/dlms.md "Optical port and mode E".
#
# The meter answers a request no sooner than 20 ms after it (the reaction
# time tr; a lower-case third letter of the manufacturer id announces 20 ms
# instead of 200 ms, as class 19 response_time 0 does) and, with the timer
# running, at the first tick after that.
#
# Bad sign-ons get no answer and leave the meter waiting for a request: a
# request for another device address, a malformed request or option select,
# a protocol mode other than E / binary, or a baud rate above the one offered.
# Timeouts: the characters of one message are at most 1500 ms apart (62056-21
# "ta"), else the partial message is dropped; the meter waits timeout_ms for
# the client's next byte after the identification and, once switched, until
# an HDLC session starts, else it returns to 300 baud. During a session the
# HDLC inactivity timeout governs; the session's end brings the port back
# to sign-on (ModeEPort below).
from compat import const, TICKS_MASK

WAIT_REQUEST = const(0)  # 300 baud 7E1, waiting for "/?!"
WAIT_ACK = const(1)  # identification sent, waiting for the option select
HDLC = const(2)  # switched: bytes go to the HDLC link

# Baud rate characters '0'..'6' (dlms.md 3, step 2)
BAUD = (300, 600, 1200, 2400, 4800, 9600, 19200)
SIGN_ON_LINE = (300, 7, "E", 1)
DIRECT_HDLC_LINE = (9600, 8, "N", 1)
_ACK = const(0x06)
_MAX_REQUEST = const(40)  # "/?" + 32-character address + "!\r\n", rounded
_TA_MS = const(1500)  # most time between two characters of a message
_TR_MS = const(20)  # least time between a request and the answer


class ModeE:
    """identification: up to 16 printable characters after the baud char;
    manufacturer: the 3-letter FLAG id (the third in lower case: tr 20 ms;
    "XXx" is a placeholder, not a registered id); baud_char: highest rate offered,
    '0'..'6' (default '5' = 9600); device_address: the address this meter
    also answers to (None: only the general request "/?!"); enhanced: send
    the "\\2" escape that announces binary mode (HDLC); timeout_ms: how long
    the meter waits for the client after the identification, and after the
    switch until an HDLC session starts.
    allow_direct_hdlc: on a pty or TCP link, a 0x7E while waiting for the
    request starts HDLC at once (line reported as 9600 8N1; dlms.md 3)."""

    def __init__(self, identification, manufacturer="XXx", baud_char="5",
                 device_address=None, enhanced=True, timeout_ms=5000,
                 allow_direct_hdlc=False):
        if len(manufacturer) != 3 or baud_char not in "0123456":
            raise ValueError("bad manufacturer id or baud character")
        self._ident = ("/" + manufacturer + baud_char + ("\\2" if enhanced else "")
                       + identification[:16] + "\r\n").encode()
        self._max_baud = ord(baud_char) - 0x30
        self._address = device_address.encode() if device_address else None
        self._timeout = timeout_ms
        self._direct = allow_direct_hdlc
        self._buf = bytearray()
        self._out = bytearray()
        self._now = None
        self._last_rx = None  # when the client last sent a byte (or the step began)
        self.reset()

    def reset(self):
        """Back to sign-on at 300 baud 7E1 (call when the HDLC link ends)."""
        self.state = WAIT_REQUEST
        self.line = SIGN_ON_LINE
        self._buf = bytearray()
        self._last_rx = self._now

    def idle(self):
        """True while nothing has started: waiting for a request at 300 baud."""
        return self.state == WAIT_REQUEST

    def data_to_send(self):
        """The identification once tr has passed (at once without a timer)."""
        if not self._out or (self._now is not None
                             and (self._now - self._last_rx) & TICKS_MASK < _TR_MS):
            return b""
        out = bytes(self._out)
        self._out = bytearray()
        return out

    def tick(self, now_ms, in_session=False):
        """Time in ms (a counter wrapping at TICKS_MASK, like ticks_ms);
        in_session: the HDLC link is connected. Applies the timeouts above."""
        self._now = now_ms
        if self._last_rx is None or in_session:
            self._last_rx = now_ms
            return
        quiet = (now_ms - self._last_rx) & TICKS_MASK
        if self.state != WAIT_REQUEST and quiet >= self._timeout:
            self.reset()
        elif self._buf and quiet >= _TA_MS:
            self._buf = bytearray()

    def receive_data(self, data, now_ms=None):
        """Consume sign-on bytes; return the bytes that belong to HDLC.
        now_ms: the time of arrival if known, else the last tick's."""
        if now_ms is not None:
            self._now = now_ms
        if data:
            self._last_rx = self._now
        if self.state == HDLC:
            return bytes(data)
        for i in range(len(data)):
            raw = data[i]
            if raw == 0x7E and self._direct and self.state == WAIT_REQUEST:
                self.state = HDLC
                self.line = DIRECT_HDLC_LINE
                return bytes(data[i:])
            self._byte(raw & 0x7F)  # 7 data bits + parity on the line
            if self.state == HDLC:
                return bytes(data[i + 1:])
        return b""

    def _byte(self, b):
        buf = self._buf
        if b == 0x2F:  # "/" always starts a new request
            buf[:] = b"/"
            return
        if b == _ACK and self.state == WAIT_ACK:
            buf[:] = b"\x06"
            return
        if not buf:
            return  # noise between messages
        buf.append(b)
        if len(buf) > _MAX_REQUEST:
            buf[:] = b""
            return
        if b != 0x0A:
            return
        msg = bytes(buf)
        buf[:] = b""
        if msg[0] == 0x2F:
            self._request(msg)
        else:
            self._option_select(msg)

    def _request(self, msg):
        # "/?" address "!\r\n"
        addr = msg[2:-3]
        if (len(msg) < 5 or msg[1] != 0x3F or msg[-3:] != b"!\r\n"
                or addr and addr != self._address):
            self.reset()  # malformed, or for another meter: stay silent
            return
        self._out += self._ident
        self.state = WAIT_ACK

    def _option_select(self, msg):
        # ACK V Z Y CR LF with V = '2' (mode E) and Y = '2' (binary, HDLC)
        if self.state != WAIT_ACK:
            return
        if len(msg) == 6 and msg[1] == 0x32 and msg[3] == 0x32 and msg[4] == 0x0D:
            z = msg[2] - 0x30
            if 0 <= z <= self._max_baud:
                self.state = HDLC
                self.line = (BAUD[z], 8, "N", 1)
                return
        self.reset()  # data readout and programming modes are not offered


class ModeEPort:
    """IEC 62056-21 mode E in front of the DLMS server on one optical port
    (dlms.md 3): sign-on bytes go to `mode_e`, HDLC bytes to `server`; `line`
    follows mode E (hal.uart_port re-initialises the UART). When the HDLC link
    is disconnected the port goes back to sign-on at 300 baud. Built by
    app.App.mode_e_port()."""

    def __init__(self, mode_e, server):
        self.mode_e = mode_e
        self.server = server
        self._was_connected = False

    @property
    def line(self):
        return self.mode_e.line

    def receive_data(self, data, now_ms=None):
        hdlc = self.mode_e.receive_data(data, now_ms)
        if hdlc:
            self.server.receive_data(hdlc, now_ms)
            self._follow()

    def tick(self, now_ms):
        self.mode_e.tick(now_ms, self.server.link.connected)
        self.server.tick(now_ms)
        self._follow()

    def _follow(self):
        up = self.server.link.connected
        if self._was_connected and not up:
            self.mode_e.reset()  # the HDLC session ended: sign-on again
        self._was_connected = up

    def idle(self):
        """True while no sign-on has started (waiting for a request)."""
        return self.mode_e.idle()

    def reset(self):
        """A new probe: sign-on again (the link is already disconnected)."""
        self.mode_e.reset()
        self._was_connected = False

    def data_to_send(self):
        return self.mode_e.data_to_send() + self.server.data_to_send()
