"""A small DLMS/COSEM client for the PC tools, built on gurux-dlms (PyPI).

It talks HDLC to any meter: a serial port / optical probe (`/dev/ttyUSB0`,
9600 8N1, through pyserial) or the virtual meter (`socket://127.0.0.1:4059`,
a plain TCP socket: pyserial's socket:// close sleeps 0.3 s). With mode_e
(--mode-e) it first signs on as IEC 62056-21 mode E. Associations
follow docs/dlms.md: public client 16 (no authentication), reader 17 (LLS),
management client 1 (HLS-GMAC with authenticated encryption, security suite 0).

    with MeterClient("socket://127.0.0.1:4059", client=1) as m:
        print(m.read(TokenGateway(), 6))
"""
import argparse
import os
import socket
import sys
import time

from gurux_dlms import GXByteBuffer, GXDLMSException, GXReplyData
from gurux_dlms.enums import AssociationResult, Authentication, InterfaceType, Security
from gurux_dlms.objects import GXDLMSData
from gurux_dlms.secure import GXDLMSSecureClient
import gurux_dlms.GXDLMSChippering  # noqa: E402,F401 (the module, for the line below)

# gurux-dlms prints "Encryption is applied." / "Authentication is applied." on
# stdout for every ciphered APDU. Silence that module's print (its protocol
# behaviour is untouched) so the tools' stdout carries only their own output;
# --trace shows the frames on stderr. Unlike redirect_stdout this is safe with
# clients in several threads (the fleet tests and bench).
sys.modules["gurux_dlms.GXDLMSChippering"].print = lambda *args, **kwargs: None

from dlms import obis  # noqa: E402  (firmware/, put on sys.path by pctools)
from dlms.iec62056_21 import BAUD  # noqa: E402
from provision import DEV_PROVISION  # noqa: E402

# Development defaults (docs/dlms.md): the meter's development keys and
# password (provision.DEV_PROVISION, the widely used Gurux demo values). A
# real deployment provisions its own; never ship these.
DEV_BLOCK_CIPHER_KEY = bytes.fromhex(DEV_PROVISION["ek"])
DEV_AUTHENTICATION_KEY = bytes.fromhex(DEV_PROVISION["ak"])
DEV_LLS_PASSWORD = DEV_PROVISION["lls_password"].encode()
DEV_CLIENT_SYSTEM_TITLE = b"ABCDEFGH"  # the client's own (Gurux's demo client)

PUBLIC, READER, MANAGEMENT = 16, 17, 1


class MeterError(Exception):
    pass


class AssociationRefused(MeterError):
    """The meter answered the association request with a rejection."""


class DlmsError(MeterError):
    """The meter answered with a data-access-result / action-result != 0
    (`code`, e.g. 3 read-write-denied, 12 type-unmatched)."""

    def __init__(self, code, message=""):
        MeterError.__init__(self, "DLMS error %d %s" % (code, message))
        self.code = code


class SocketLink:
    """socket://HOST:PORT on a plain TCP socket (line settings are nominal)."""

    switch_wait = 0  # the byte stream keeps its order

    def __init__(self, url, timeout):
        host, _, port = url[len("socket://"):].rstrip("/").rpartition(":")
        self.sock = socket.create_connection((host.strip("[]"), int(port)), timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.settimeout(0.05)

    def write(self, data):
        self.sock.sendall(data)

    def read_some(self):
        """What has arrived (up to 4 KB), b"" after 50 ms without bytes."""
        try:
            data = self.sock.recv(4096)
        except socket.timeout:
            return b""
        if not data:
            raise MeterError("the meter closed the connection")
        return data

    def set_line(self, baudrate, bits, parity):
        pass

    def drain(self):
        pass

    def close(self):
        self.sock.close()


class SerialLink:
    """A serial port (optical probe) or another pyserial URL."""

    # After the option select: the meter needs a moment to re-initialise its
    # UART at the new rate (Gurux's reader waits 1 s; dlms.md 3 step 4).
    switch_wait = 0.3

    def __init__(self, url, baudrate):
        import serial
        self.port = serial.serial_for_url(url, baudrate=baudrate, timeout=0.05)
        self.pty = os.path.realpath(url).startswith("/dev/pts/")

    def set_line(self, baudrate, bits, parity):
        """parity "N" or "E"."""
        p = self.port
        try:
            p.parity, p.bytesize, p.baudrate = parity, bits, baudrate
        except Exception:  # termios.error on POSIX
            if not self.pty:
                raise
            # A pseudo-terminal (the virtual meter's --pty) only carries bytes,
            # and some kernels refuse parity on it: keep 8N1 there.
            p.parity = "N"
            p.baudrate = baudrate

    def drain(self):
        self.port.flush()  # until the output has left at the current rate

    def write(self, data):
        self.port.write(data)

    def read_some(self):
        return self.port.read(self.port.in_waiting or 1)

    def close(self):
        self.port.close()


def open_link(url, baudrate=9600, timeout=5.0):
    if url.startswith("socket://"):
        return SocketLink(url, timeout)
    return SerialLink(url, baudrate)


class MeterClient:
    def __init__(self, port, client=MANAGEMENT, server=1, password=None,
                 block_cipher_key=DEV_BLOCK_CIPHER_KEY,
                 authentication_key=DEV_AUTHENTICATION_KEY,
                 system_title=DEV_CLIENT_SYSTEM_TITLE, invocation_counter=None,
                 timeout=5.0, baudrate=9600, trace=False, tap=None, mode_e=False):
        """trace: print every chunk in hex on stderr; tap: or hand each to
        tap(direction, data), direction "TX" (to the meter) or "RX";
        mode_e: sign on as IEC 62056-21 mode E before HDLC (then baudrate is
        the meter's choice)."""
        self.port = port
        self.timeout = timeout
        self.baudrate = baudrate
        self.mode_e = mode_e
        self.identification = None  # the meter's mode E identification message
        self.tap = tap or (_print_chunk if trace else None)
        self.io = None
        if client == MANAGEMENT:
            auth = Authentication.HIGH_GMAC
        elif client == READER:
            auth = Authentication.LOW
            password = password or DEV_LLS_PASSWORD
        else:
            auth = Authentication.NONE
        self.client = GXDLMSSecureClient(
            True, client, server, auth, password,
            InterfaceType.HDLC_WITH_MODE_E if mode_e else InterfaceType.HDLC)
        if auth == Authentication.HIGH_GMAC:
            c = self.client.ciphering
            c.security = Security.AUTHENTICATION_ENCRYPTION
            c.systemTitle = check_length("client system title", system_title, 8)
            c.blockCipherKey = check_length("block cipher key (EK)", block_cipher_key, 16)
            c.authenticationKey = check_length("authentication key (AK)", authentication_key, 16)
            # The invocation counter must grow across sessions. Unless given,
            # read the one the meter expects from 0.0.43.1.0.255 as the public
            # client first (the IDIS convention, dlms.md 6.2).
            self._read_ic = invocation_counter is None
            c.invocationCounter = invocation_counter or 0

    # -- transport -------------------------------------------------------
    def _write(self, data):
        if data is None:
            return
        data = bytes(data)
        if self.tap:
            self.tap("TX", data)
        self.io.write(data)

    def _packet(self, data, reply):
        """Send one frame and read until gurux has a whole reply frame."""
        self._write(data)
        buf = GXByteBuffer()
        notify = GXReplyData()
        deadline = time.monotonic() + self.timeout
        while not self.client.getData(buf, reply, notify):
            if time.monotonic() > deadline:
                raise MeterError("no answer from the meter within %.1f s" % self.timeout)
            chunk = self.io.read_some()
            if chunk:
                if self.tap:
                    self.tap("RX", bytes(chunk))
                buf.set(chunk)

    def _block(self, frames, reply, check=True):
        """Send a request (one or more frames), follow block transfer, and
        return the reply; with check, a result != 0 raises DlmsError."""
        if isinstance(frames, (bytes, bytearray)):
            frames = [frames]
        for f in frames:
            self._packet(f, reply)
            while reply.isMoreData():
                self._packet(self.client.receiverReady(reply), reply)
        if check and reply.error:
            raise DlmsError(reply.error, reply.getErrorMessage() or "")
        return reply

    # -- session ---------------------------------------------------------
    def open(self):
        if getattr(self, "_read_ic", False):
            with MeterClient(self.port, client=PUBLIC, server=self.client.serverAddress,
                             timeout=self.timeout, baudrate=self.baudrate,
                             tap=self.tap, mode_e=self.mode_e) as pub:
                ic = GXDLMSData(obis.to_text(obis.INVOCATION_COUNTER))
                self.client.ciphering.invocationCounter = int(pub.read(ic, 2))
        self.io = open_link(self.port, self.baudrate, self.timeout)
        try:
            if self.mode_e:
                self._sign_on()
            reply = GXReplyData()
            try:
                self._packet(self.client.snrmRequest(), reply)
            except MeterError as exc:
                if self.mode_e:
                    raise
                raise MeterError("%s (an optical port in IEC 62056-21 mode E needs --mode-e)"
                                 % exc)
            self.client.parseUAResponse(reply.data)
            self._associate()
        except Exception:  # refused (wrong keys, stale counter ...): hang up the port
            try:
                self._packet(self.client.disconnectRequest(), GXReplyData())
            except Exception:
                pass
            self.io.close()
            self.io = None
            raise
        return self

    def _sign_on(self):
        """IEC 62056-21 mode E (dlms.md 3), as the Gurux reader does it: the
        request at 300 baud 7E1, the identification (an echo of the request
        is skipped), the option select for HDLC at the meter's rate, then
        8N1 at that rate."""
        io = self.io
        io.set_line(300, 7, "E")
        request = b"/?!\r\n"
        self._write(request)
        deadline = time.monotonic() + self.timeout
        ident = self._line(deadline)
        if ident.startswith(request):  # a probe that echoes what it sends
            ident = ident[len(request):] or self._line(deadline)
        if len(ident) < 7 or ident[:1] != b"/" or not 0x30 <= ident[4] < 0x30 + len(BAUD):
            raise MeterError("no IEC 62056-21 identification from the meter (mode E): %r"
                             % ident)
        z = ident[4]
        self._write(bytes((0x06, 0x32, z, 0x32, 0x0D, 0x0A)))  # ACK, mode E, rate, binary
        io.drain()
        io.set_line(BAUD[z - 0x30], 8, "N")
        time.sleep(io.switch_wait)
        self.identification = ident.decode("ascii", "replace").strip()

    def _line(self, deadline):
        """One CR LF terminated line from the meter."""
        line = b""
        while not line.endswith(b"\n"):
            if time.monotonic() > deadline:
                raise MeterError("no IEC 62056-21 identification from the meter within %.1f s "
                                 "(is it in mode E? got %r)" % (self.timeout, line))
            c = self.io.read_some()
            if c:
                if self.tap:
                    self.tap("RX", bytes(c))
                line += c
        return line

    def _associate(self):
        try:
            reply = GXReplyData()
            self._block(self.client.aarqRequest(), reply)
            self.client.parseAareResponse(reply.data)
            if self.client.getIsAuthenticationRequired():
                reply = GXReplyData()
                self._block(self.client.getApplicationAssociationRequest(), reply)
                self.client.parseApplicationAssociationResponse(reply.data)
        except GXDLMSException as exc:
            raise AssociationRefused(self._refusal(exc)) from exc

    def _refusal(self, exc):
        """What a rejected association means for the user (docs/security.md)."""
        who = {MANAGEMENT: "management client 1 (HLS-GMAC)",
               READER: "reader client 17 (LLS)"}.get(self.client.clientAddress,
                                                     "client %d" % self.client.clientAddress)
        if self.client.authentication == Authentication.NONE:
            why = "the meter does not accept this client"
        elif self.client.authentication == Authentication.LOW:
            why = "authentication failed: wrong password"
        else:
            why = "authentication failed: the keys (--ek, --ak) do not match the meter's"
        if getattr(exc, "result", None) == AssociationResult.TRANSIENT_REJECTED:
            why += ("; or the meter has closed this client for a while after failed attempts "
                    "(guessing limit, docs/security.md): wait and try again")
        return "the meter refused the association as %s: %s (meter's answer: %s)" % (
            who, why, " ".join(str(exc).split()))

    def close(self):
        if self.io is None:
            return
        try:
            self._block(self.client.releaseRequest(), GXReplyData())
            self._packet(self.client.disconnectRequest(), GXReplyData())
        finally:
            self.io.close()
            self.io = None

    def __enter__(self):
        return self.open()

    def __exit__(self, *exc):
        self.close()

    # -- services --------------------------------------------------------
    def read(self, obj, attribute):
        reply = self._block(self.client.read(obj, attribute), GXReplyData())
        return self.client.updateValue(obj, attribute, reply.value)

    def write(self, obj, attribute):
        self._block(self.client.write(obj, attribute), GXReplyData())

    def exchange(self, frames):
        """Send a request a gurux helper made (e.g. client.read(obj, 2)) and
        return gurux's reply, its result unchecked (reply.error)."""
        return self._block(frames, GXReplyData(), check=False)

    def method(self, obj, index, data, data_type):
        reply = self._block(self.client.method(obj, index, data, data_type), GXReplyData())
        return reply.value

    def request(self, frames):
        """Send what a gurux object helper made (e.g. GXDLMSImageTransfer's
        imageVerify(client)) and return the reply's value; DlmsError on an
        error result."""
        return self._block(frames, GXReplyData()).value


def check_length(what, value, n):
    """value (bytes) when it has n bytes, else ValueError naming it."""
    value = bytes(value)
    if len(value) != n:
        raise ValueError("the %s is %d bytes (%d hex digits), not %d"
                         % (what, n, 2 * n, len(value)))
    return value


def _hex_bytes(what, n):
    """argparse type: n bytes in hex."""
    def parse(text):
        try:
            return check_length(what, bytes.fromhex(text), n).hex()
        except ValueError as exc:
            raise argparse.ArgumentTypeError(
                str(exc) if "bytes" in str(exc) else "%s: not hex: %r" % (what, text))
    return parse


def _print_chunk(direction, data):
    print(direction, data.hex(" "), file=sys.stderr)


def add_connection_args(ap, trace="print every frame in hex on stderr"):
    ap.add_argument("--port", default=os.environ.get("METER_PORT", "socket://127.0.0.1:4059"),
                    help="serial device of the optical probe (9600 8N1), or socket://HOST:PORT "
                         "for the virtual meter (default %(default)s)")
    ap.add_argument("--server", type=int, default=1, help="HDLC server (logical device) address")
    ap.add_argument("--timeout", type=float, default=5.0)
    ap.add_argument("--ek", default=DEV_BLOCK_CIPHER_KEY.hex(),
                    type=_hex_bytes("block cipher key (EK)", 16),
                    help="block cipher key (hex, 16 bytes)")
    ap.add_argument("--ak", default=DEV_AUTHENTICATION_KEY.hex(),
                    type=_hex_bytes("authentication key (AK)", 16),
                    help="authentication key (hex, 16 bytes)")
    ap.add_argument("--system-title", default=DEV_CLIENT_SYSTEM_TITLE.hex(),
                    type=_hex_bytes("client system title", 8),
                    help="client system title (hex, 8 bytes)")
    ap.add_argument("--trace", action="store_true", help=trace)
    ap.add_argument("--mode-e", action="store_true",
                    help="sign on as IEC 62056-21 mode E first (300 baud 7E1, then HDLC at the "
                         "meter's rate): an optical port in mode E, or the virtual meter's --mode-e")


def client_from_args(args, client=MANAGEMENT, tap=None):
    return MeterClient(args.port, client=client, server=args.server, timeout=args.timeout,
                       block_cipher_key=bytes.fromhex(args.ek),
                       authentication_key=bytes.fromhex(args.ak),
                       system_title=bytes.fromhex(args.system_title), trace=args.trace, tap=tap,
                       mode_e=args.mode_e)
