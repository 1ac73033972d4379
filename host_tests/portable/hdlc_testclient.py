# A minimal HDLC client for the tests: builds client frames with our own
# builder and splits the server's output into parsed frames; and helpers
# that drive an HdlcLink with it.
from dlms import hdlc_frame as hf
from dlms import hdlc_address
from dlms import hdlc_link as hl


def frames_in(data):
    """All frames in a byte string (via FrameReader), as a list."""
    r = hf.FrameReader()
    out = []
    pos = 0
    while True:
        f = r.next_frame()
        if f is not None:
            out.append(f)
            continue
        if pos >= len(data):
            return out
        pos += r.feed(data, pos)


class Client:
    def __init__(self, sap=16, server=b"\x03"):
        self.addr = hdlc_address.client(sap)
        self.server = server
        self.vs = 0
        self.vr = 0

    def snrm(self, info=None):
        self.vs = self.vr = 0
        return hf.build(self.server, self.addr, hf.u_control(hf.SNRM), info)

    def disc(self):
        return hf.build(self.server, self.addr, hf.u_control(hf.DISC))

    def rr(self, nr=None, kind=hf.RR):
        return hf.build(self.server, self.addr,
                        hf.s_control(kind, self.vr if nr is None else nr))

    def i(self, info, segmented=False, pf=True, ns=None, nr=None):
        f = hf.build(self.server, self.addr,
                     hf.i_control(self.vs if ns is None else ns,
                                  self.vr if nr is None else nr, pf),
                     info, segmented)
        if ns is None:
            self.vs = (self.vs + 1) & 7
        return f

    def got_i(self, frame):
        """Account for a received server I-frame (checks its N(S))."""
        assert frame.kind == hf.I
        assert frame.ns == self.vr, (frame.ns, self.vr)
        assert frame.nr == self.vs, (frame.nr, self.vs)
        self.vr = (self.vr + 1) & 7


def feed(link, data, now=None):
    """Feed bytes, collect all events; returns (events, output bytes)."""
    link.receive_data(data, now)
    events = []
    while True:
        e = link.next_event()
        if e is None:
            break
        events.append(e)
    return events, link.data_to_send()


def connect(link, client):
    ev, out = feed(link, client.snrm())
    assert len(ev) == 1 and isinstance(ev[0], hl.Connected)
    assert frames_in(out)[0].kind == hf.UA
    return ev[0]


def exchange(link, client, apdu, response):
    """Client sends apdu in one I-frame; server answers; returns frames."""
    ev, out = feed(link, client.i(hl.LLC_REQUEST + apdu))
    assert len(ev) == 1 and isinstance(ev[0], hl.ApduReceived)
    assert ev[0].apdu == apdu and out == b""
    assert link.send_apdu(response)
    return frames_in(link.data_to_send())
