"""A small DLMS/COSEM client for the PC tools, built on gurux-dlms (PyPI).

It talks HDLC to any meter: a serial port / optical probe (`/dev/ttyUSB0`,
9600 8N1, through pyserial) or the virtual meter (`socket://127.0.0.1:4059`,
a plain TCP socket: pyserial's socket:// close sleeps 0.3 s). Associations
follow docs/dlms.md: public client 16 (no authentication), reader 17 (LLS),
management client 1 (HLS-GMAC with authenticated encryption, security suite 0).

    with MeterClient("socket://127.0.0.1:4059", client=1) as m:
        print(m.read(TokenGateway(), 6))
"""
import os
import socket
import sys
import time

from gurux_dlms import GXByteBuffer, GXReplyData
from gurux_dlms.enums import Authentication, InterfaceType, Security
from gurux_dlms.objects import GXDLMSData
from gurux_dlms.secure import GXDLMSSecureClient
import gurux_dlms.GXDLMSChippering  # noqa: E402,F401 (the module, for the line below)

# gurux-dlms prints "Encryption is applied." / "Authentication is applied." on
# stdout for every ciphered APDU. Silence that module's print (its protocol
# behaviour is untouched) so the tools' stdout carries only their own output;
# --trace shows the frames on stderr. Unlike redirect_stdout this is safe with
# clients in several threads (the fleet tests and bench).
sys.modules["gurux_dlms.GXDLMSChippering"].print = lambda *args, **kwargs: None

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "firmware"))
from dlms import obis  # noqa: E402

# Development defaults (docs/dlms.md): the widely used Gurux demo keys. A real
# deployment provisions its own; never ship these.
DEV_BLOCK_CIPHER_KEY = bytes(range(16))
DEV_AUTHENTICATION_KEY = bytes(range(0xD0, 0xE0))
DEV_CLIENT_SYSTEM_TITLE = b"ABCDEFGH"
DEV_LLS_PASSWORD = b"Gurux"

PUBLIC, READER, MANAGEMENT = 16, 17, 1


class MeterError(Exception):
    pass


class DlmsError(MeterError):
    """The meter answered with a data-access-result / action-result != 0
    (`code`, e.g. 3 read-write-denied, 12 type-unmatched)."""

    def __init__(self, code, message=""):
        MeterError.__init__(self, "DLMS error %d %s" % (code, message))
        self.code = code


class SocketLink:
    """socket://HOST:PORT on a plain TCP socket."""

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

    def close(self):
        self.sock.close()


class SerialLink:
    """A serial port (optical probe) or another pyserial URL."""

    def __init__(self, url, baudrate):
        import serial
        self.port = serial.serial_for_url(url, baudrate=baudrate, timeout=0.05)

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
                 timeout=5.0, baudrate=9600, trace=False):
        self.port = port
        self.timeout = timeout
        self.baudrate = baudrate
        self.trace = trace
        self.io = None
        if client == MANAGEMENT:
            auth = Authentication.HIGH_GMAC
        elif client == READER:
            auth = Authentication.LOW
            password = password or DEV_LLS_PASSWORD
        else:
            auth = Authentication.NONE
        self.client = GXDLMSSecureClient(True, client, server, auth, password, InterfaceType.HDLC)
        if auth == Authentication.HIGH_GMAC:
            c = self.client.ciphering
            c.security = Security.AUTHENTICATION_ENCRYPTION
            c.systemTitle = system_title
            c.blockCipherKey = block_cipher_key
            c.authenticationKey = authentication_key
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
        if self.trace:
            print("TX", data.hex(" "), file=sys.stderr)
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
                if self.trace:
                    print("RX", chunk.hex(" "), file=sys.stderr)
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
                             trace=self.trace) as pub:
                ic = GXDLMSData(obis.to_text(obis.INVOCATION_COUNTER))
                self.client.ciphering.invocationCounter = int(pub.read(ic, 2))
        self.io = open_link(self.port, self.baudrate, self.timeout)
        try:
            reply = GXReplyData()
            self._packet(self.client.snrmRequest(), reply)
            self.client.parseUAResponse(reply.data)
            reply = GXReplyData()
            self._block(self.client.aarqRequest(), reply)
            self.client.parseAareResponse(reply.data)
            if self.client.getIsAuthenticationRequired():
                reply = GXReplyData()
                self._block(self.client.getApplicationAssociationRequest(), reply)
                self.client.parseApplicationAssociationResponse(reply.data)
        except Exception:  # refused (wrong keys, stale counter ...): hang up the port
            try:
                self._packet(self.client.disconnectRequest(), GXReplyData())
            except Exception:
                pass
            self.io.close()
            self.io = None
            raise
        return self

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

    def method(self, obj, index, data, data_type):
        reply = self._block(self.client.method(obj, index, data, data_type), GXReplyData())
        return reply.value

    def request(self, frames):
        """Send what a gurux object helper made (e.g. GXDLMSImageTransfer's
        imageVerify(client)) and return the reply's value; DlmsError on an
        error result."""
        return self._block(frames, GXReplyData()).value


def add_connection_args(ap):
    ap.add_argument("--port", default=os.environ.get("METER_PORT", "socket://127.0.0.1:4059"),
                    help="serial device of the optical probe (9600 8N1), or socket://HOST:PORT "
                         "for the virtual meter (default %(default)s)")
    ap.add_argument("--server", type=int, default=1, help="HDLC server (logical device) address")
    ap.add_argument("--timeout", type=float, default=5.0)
    ap.add_argument("--ek", default=DEV_BLOCK_CIPHER_KEY.hex(), help="block cipher key (hex)")
    ap.add_argument("--ak", default=DEV_AUTHENTICATION_KEY.hex(), help="authentication key (hex)")
    ap.add_argument("--system-title", default=DEV_CLIENT_SYSTEM_TITLE.hex(),
                    help="client system title (hex, 8 bytes)")
    ap.add_argument("--trace", action="store_true", help="print every frame in hex on stderr")


def client_from_args(args, client=MANAGEMENT):
    return MeterClient(args.port, client=client, server=args.server, timeout=args.timeout,
                       block_cipher_key=bytes.fromhex(args.ek),
                       authentication_key=bytes.fromhex(args.ak),
                       system_title=bytes.fromhex(args.system_title), trace=args.trace)
