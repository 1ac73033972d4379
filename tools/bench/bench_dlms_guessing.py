"""Reader (LLS) password guessing over loopback TCP against the whole meter
(App + boards/host/tcp_optical in a thread): wrong-password AARQs from the
gurux-dlms client on one HDLC connection, for a few seconds, without the
rate limit (auth_lockout after 0) and with the default one (dlms.auth_guard,
docs/security.md). Counts the guesses the meter actually checked (AARE
rejected-permanent, authentication-failure); the others were refused
unseen (rejected-transient). CPython only (micropython prints SKIP).

Options: none (-h, --help: this text).
Section in docs/benchmarks.md: "DLMS authentication guessing".
"""
import benchutil

benchutil.usage(__name__)

import sys  # noqa: E402

from benchutil import MICROPYTHON, row  # noqa: E402

S = "DLMS authentication guessing"
SECONDS = 5.0


def guesses(limits):
    import os
    import socket
    import tempfile
    import time
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))), "host_tests"))
    import meter_tcp
    from gurux_dlms import GXByteBuffer, GXDLMSClient, GXReplyData
    from gurux_dlms.enums import Authentication, InterfaceType
    c = GXDLMSClient(True, 17, 1, Authentication.LOW, b"wrong", InterfaceType.HDLC)

    def packet(sock, data):
        sock.sendall(bytes(data))
        buf, reply, notify = GXByteBuffer(), GXReplyData(), GXReplyData()
        while not c.getData(buf, reply, notify):
            buf.set(sock.recv(4096))
        return reply

    checked = refused = 0
    with tempfile.TemporaryDirectory() as d:
        m = meter_tcp.MeterTcp(d, {"auth_lockout": limits})
        try:
            sock = socket.create_connection(("127.0.0.1", m.port))
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            c.parseUAResponse(packet(sock, c.snrmRequest()).data)
            t0 = time.perf_counter()
            while time.perf_counter() - t0 < SECONDS:
                aare = bytes(packet(sock, c.aarqRequest()[0]).data)
                if b"\xa2\x03\x02\x01\x01\xa3\x05\xa1\x03\x02\x01\x0d" in aare:
                    checked += 1
                elif b"\xa2\x03\x02\x01\x02" in aare:
                    refused += 1
                else:
                    raise SystemExit("unexpected AARE %s" % aare.hex())
            dt = time.perf_counter() - t0
            packet(sock, c.disconnectRequest())
            sock.close()
        finally:
            m.stop()
    return checked / dt, refused / dt


if MICROPYTHON:
    print("SKIP LLS guessing over TCP: CPython only")
else:
    off, _ = guesses({"after": 0})
    on, unseen = guesses({"after": 5, "base_s": 1, "lock_s": 900})
    row(S, "LLS guesses checked/s over loopback TCP, no limit (as before issue 12)", off,
        "guesses/s")
    row(S, "LLS guesses checked/s, default limit (first %d s)" % SECONDS, on, "guesses/s")
    row(S, "AARQs refused unseen/s, default limit (first %d s)" % SECONDS, unseen, "AARQ/s")
    row(S, "LLS guesses per hour once locked (default limit: 1 per lock_s = 900 s)", 3600 // 900,
        "guesses/h (from the limits)")
