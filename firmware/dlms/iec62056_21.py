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
# by receive_data(). Direct HDLC at 9600 without this machine stays the
# default; this is used only when a board enables mode E.
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


class ModeE:
    """identification: up to 16 printable characters after the baud char;
    manufacturer: the 3-letter FLAG id; baud_char: highest rate offered,
    '0'..'6' (default '5' = 9600); device_address: the address this meter
    also answers to (None: only the general request "/?!"); enhanced: send
    the "\\2" escape that announces binary mode (HDLC).
    allow_direct_hdlc: on a pty or TCP link, a 0x7E while waiting for the
    request starts HDLC at once (line reported as 9600 8N1; dlms.md 3)."""

    def __init__(self, identification, manufacturer="XXX", baud_char="5",
                 device_address=None, enhanced=True, ack_timeout_ms=5000,
                 allow_direct_hdlc=False):
        if len(manufacturer) != 3 or baud_char not in "0123456":
            raise ValueError("bad manufacturer id or baud character")
        self._ident = ("/" + manufacturer + baud_char + ("\\2" if enhanced else "")
                       + identification[:16] + "\r\n").encode()
        self._max_baud = ord(baud_char) - 0x30
        self._address = device_address.encode() if device_address else None
        self._ack_timeout = ack_timeout_ms
        self._direct = allow_direct_hdlc
        self._buf = bytearray()
        self._out = bytearray()
        self._now = None
        self._sent_at = None
        self.reset()

    def reset(self):
        """Back to sign-on at 300 baud 7E1 (call when the HDLC link ends)."""
        self.state = WAIT_REQUEST
        self.line = SIGN_ON_LINE
        self._buf = bytearray()
        self._sent_at = None

    def data_to_send(self):
        out = bytes(self._out)
        self._out = bytearray()
        return out

    def tick(self, now_ms):
        self._now = now_ms
        if self.state == WAIT_ACK:
            if self._sent_at is None:
                self._sent_at = now_ms
            elif (now_ms - self._sent_at) & TICKS_MASK >= self._ack_timeout:
                self.reset()

    def receive_data(self, data):
        """Consume sign-on bytes; return the bytes that belong to HDLC."""
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
        if len(msg) < 5 or msg[1] != 0x3F or msg[-3:] != b"!\r\n":
            return
        addr = msg[2:-3]
        if addr and addr != self._address:
            return  # addressed to another meter: stay silent
        self._out += self._ident
        self.state = WAIT_ACK
        self._sent_at = self._now

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
