# A minimal HDLC client for the tests: builds client frames with our own
# builder and splits the server's output into parsed frames.
from dlms import hdlc_frame as hf
from dlms import hdlc_address


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
