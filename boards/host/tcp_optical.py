# HDLC over TCP for the virtual meter: the optical port of the host board.
#
# TCP connections share the meter's one optical port as optical probes would:
# one connection (the active one) talks to the sans-IO DLMS server at a time.
# The others wait in arrival order, at most max_waiting of them (more are
# closed at once). A connection is never left hanging: one that is not in an
# HDLC session -- it has sent nothing yet, it waits behind a busy port, or
# it has the port but no SNRM was accepted or its session ended (DISC, or the
# server's HDLC inactivity timeout, dlms.md 2.9) -- is closed after
# pre_snrm_ms. A silent connection never takes the port: the first waiting
# connection that has sent bytes does. docs/sim.md explains the choice.
#
# With mode_e (app.App.mode_e_port(); vmeter --mode-e) each connection is a
# probe that signs on first (IEC 62056-21 mode E, dlms.md 3): the baud rates
# are nominal, a sign-on step counts as activity for pre_snrm_ms, and the
# next connection starts again at the sign-on.
#
# OpticalPort is the arbitration, with time passed in; the front ends are
# thin: asyncio streams with one reading task per connection on MicroPython
# (below), an asyncio.Protocol on CPython (no task or timer per read; in
# tcp_optical_cpython.py, so its code is not in micropython's heap).
import asyncio
import errno
import sys

try:
    from time import ticks_diff, ticks_ms
except ImportError:  # CPython: tcp_optical_cpython's, at the end
    pass

PRE_SNRM_MS = 3000  # to start (or restart) an HDLC session once connected or waiting
MAX_WAITING = 8  # connections besides the active one
MAX_HELD = 1024  # bytes held for a waiting connection (an SNRM is under 40)
TICK_MS = 250  # timeout resolution while connections exist
CPYTHON = sys.implementation.name == "cpython"


def _stderr(line):
    sys.stderr.write(line + "\n")


class OpticalPort:
    """The one optical port of `server` (a dlms.server.DlmsServer) shared by
    connections. A connection object has write(bytes), close() (idempotent)
    and name; the port keeps its own fields on it (port, t, rx). The front
    end calls accept, received and closed (the peer went away; err is the
    exception or None), and tick while busy() is true. mode_e: an
    iec62056_21.ModeEPort in front of `server`, or None for direct HDLC."""

    def __init__(self, server, pre_snrm_ms=PRE_SNRM_MS, max_waiting=MAX_WAITING, log=None,
                 mode_e=None):
        self.server = server
        self.mode_e = mode_e
        self.proto = mode_e or server  # what the bytes and the time go to
        self.pre_snrm_ms = pre_snrm_ms
        self.max_waiting = max_waiting
        self.log = log or _stderr
        self.active = None
        self.waiting = []

    def busy(self):
        return self.active is not None or bool(self.waiting)

    def accept(self, conn, now):
        """Take a new connection into the queue; False if it was refused."""
        conn.port = self
        if len(self.waiting) >= self.max_waiting:
            self.log("optical port: %s refused, %d connections wait already"
                     % (conn.name, len(self.waiting)))
            conn.close()
            return False
        conn.t = now  # since when it is not in an HDLC session
        conn.rx = b""  # bytes held while it waits
        self.waiting.append(conn)
        return True

    def received(self, conn, data, now):
        if conn is not self.active:
            if self.active is not None:
                conn.rx += data
                if len(conn.rx) > MAX_HELD:
                    self.drop(conn, now, "sent %d bytes while waiting" % len(conn.rx))
                return
            # The port is free, so no connection waits with bytes (_next gave
            # it to the first that had some): this one takes it.
            self.waiting.remove(conn)
            self.active = conn
            conn.t = now
        # the active connection's bytes to the server, its answer back at once
        link = self.server.link
        was = link.connected
        if self.mode_e is None:  # (the link writes its answers as it has them: a UA before its event's work)
            srv = self.server
            srv.send_early = conn.write
            try:
                srv.receive_data(data, now)
            finally:  # a tick's receive_data must not write to this connection
                srv.send_early = None
        else:
            self.proto.receive_data(data, now)
        out = self.proto.data_to_send()
        if out:
            conn.write(out)
        if was or link.connected or (self.mode_e is not None and not self.mode_e.idle()):
            conn.t = now  # in session (or signing on) until now at least

    def closed(self, conn, now, err=None):
        """The peer closed the connection (err None) or it failed."""
        if err is not None or (conn is self.active and self.server.link.connected):
            self.log("optical port: %s hung up%s" % (
                conn.name, " (%s)" % type(err).__name__ if err is not None else
                " during an HDLC session"))
        self.drop(conn, now)

    def tick(self, now):
        """Time to the server, and the timeouts. Returns busy()."""
        a = self.active
        if a is not None:
            if self.server.link.connected:  # in session until now at least
                a.t = now
            p = self.proto
            p.tick(now)
            out = p.data_to_send()
            if out:
                a.write(out)
        for c in ([a] if a is not None else []) + self.waiting:
            if ticks_diff(now, c.t) >= self.pre_snrm_ms:
                self.drop(c, now, "closed, %s for %d ms" % (
                    "no HDLC session" if c is a else "waiting" if c.rx else "silent",
                    self.pre_snrm_ms))
        return self.busy()

    def _next(self, now):
        """The port is free: the first waiting connection with bytes gets it."""
        for c in self.waiting:
            if c.rx:
                data, c.rx = c.rx, b""
                # the port is free: received gives it to c (not a subclass's: it counts once)
                OpticalPort.received(self, c, data, now)
                return

    def drop(self, conn, now, why=None):
        """Close a connection from this side (why: logged)."""
        if why:
            self.log("optical port: %s %s" % (conn.name, why))
        conn.close()
        if conn is self.active:
            self.active = None
            if self.server.link.connected:  # (after a DISC it released the association)
                self.server.link.disconnect()
                self.server.tick(now)  # lets the server release the association
            if self.mode_e is not None:
                self.mode_e.reset()  # the next probe signs on
            self._next(now)
        elif conn in self.waiting:
            self.waiting.remove(conn)


class ListenError(OSError):
    """Listening failed; str() is the one-line reason (listen_error)."""


def listen_error(exc, host, port):
    """The one-line reason why listening on host:port failed."""
    if getattr(exc, "errno", None) == errno.EADDRINUSE:
        return "TCP port %d on %s is already in use" % (port, host)
    return "cannot listen on TCP %s:%d: %s" % (host, port, exc)


def _peer(p):
    if isinstance(p, tuple):
        return "%s:%d" % (p[0], p[1])
    try:  # MicroPython: a raw sockaddr_in
        return "%d.%d.%d.%d:%d" % (p[4], p[5], p[6], p[7], p[2] << 8 | p[3])
    except (TypeError, IndexError):
        return "?"


class Listener:
    """A listening TCP socket whose connections go to target(), an
    OpticalPort or anything with the same accept/received/closed/tick
    (tools/fleet.py's address router); target is called per connection,
    so it can be built on first use. (On CPython also sockets, close() and
    wait_closed(), for the fleet and the tests: tcp_optical_cpython.)"""

    def __init__(self, target):
        self.target = target
        self.ticked = None  # what the tick timer ticks
        self.conns = []
        self.server = None
        self._timer = None

    def _accept(self, conn):
        self.conns.append(conn)
        t = self.target()
        self.ticked = t
        t.accept(conn, ticks_ms())
        self._arm()

    def _arm(self):
        if self._timer is None:
            self._timer = asyncio.create_task(self._ticker())

    async def _ticker(self):  # a task only while connections exist
        try:
            while True:
                await asyncio.sleep_ms(TICK_MS)
                if not self.ticked.tick(ticks_ms()):
                    break
        finally:
            self._timer = None


class _Conn:
    """One TCP connection (MicroPython): a task, run(), reads the stream."""

    def __init__(self, listener, reader, writer):
        self.listener = listener
        self.reader = reader
        self.writer = writer
        self.closed = False
        self.port = None
        self.task = None
        self.name = _peer(writer.get_extra_info("peername"))

    async def run(self):
        err = None
        self.task = asyncio.current_task()
        try:
            self.listener._accept(self)
            while not self.closed:
                # a read takes a block of n + 1 bytes until it knows the size:
                # 256 holds any frame of the default 128-byte information field
                # (a longer one comes in two reads), and a 257-byte block is
                # found where 513 bytes were not (the 64-bit micropython at
                # 224k, docs/sim.md "Heap of the virtual meter")
                data = await self.reader.read(256)
                if not data:
                    break
                self.port.received(self, data, ticks_ms())
                if self.writer.out_buf:  # the rest of a partial write
                    await self.writer.drain()
        except asyncio.CancelledError:  # closed by the port
            pass
        except OSError as e:
            err = e
        finally:
            self.listener.conns.remove(self)
            if not self.closed:
                self.closed = True
                self.port.closed(self, ticks_ms(), err)
            self.writer.close()
            await self.writer.wait_closed()

    def write(self, data):
        self.writer.write(data)  # sends at once; a partial write is kept in out_buf

    def close(self):
        if not self.closed:
            self.closed = True
            if self.task is not asyncio.current_task():
                self.task.cancel()


async def _serve(listener, host, port):
    return await asyncio.start_server(lambda r, w: _Conn(listener, r, w).run(), host, port)


run = asyncio.run  # (CPython: on uvloop's event loop, tcp_optical_cpython.run)


async def listen(host, port, target):
    """A Listener on host:port (port 0: any free one) for target();
    ListenError when the port is in use."""
    lst = Listener(target)
    try:
        lst.server = await _serve(lst, host, port)
    except OSError as e:
        raise ListenError(listen_error(e, host, port))
    return lst


async def start(server, host="127.0.0.1", port=4059, **options):
    """Serve the DLMS server on host:port through one OpticalPort (options:
    pre_snrm_ms, max_waiting, log, mode_e). The Listener's .target() is the port."""
    p = OpticalPort(server, **options)
    return await listen(host, port, lambda: p)


if CPYTHON:  # the front end on CPython (boards.host.tcp_optical_cpython in the tests)
    _cp = __import__(__name__ + "_cpython", None, None, ("run",))
    ticks_ms, ticks_diff, Listener, _Conn, _serve, run = (
        _cp.ticks_ms, _cp.ticks_diff, _cp.Listener, _cp._Conn, _cp._serve, _cp.run)
