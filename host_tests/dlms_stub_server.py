"""CPython test helper: our Association plus a tiny stand-in COSEM dispatcher,
so third-party clients can be driven at the APDU level before the real
COSEM objects exist. Not the meter's object model."""
from dlms import association, axdr, xdlms

LDN = b"STS0000000000001"
BIG = axdr.encode((axdr.ARRAY, [(axdr.STRUCTURE, [(axdr.LONG_UNSIGNED, 1),
                                                  (axdr.OCTET_STRING, bytes([0, 0, 96, 1, i, 255]))])
                                for i in range(200)]))
LN_LDN = bytes([0, 0, 42, 0, 0, 255])
LN_LIST = bytes([0, 0, 40, 0, 0, 255])
LN_DISCONNECT = bytes([0, 0, 96, 3, 10, 255])
LN_TOKEN_GATEWAY = bytes([0, 0, 19, 40, 0, 255])


class StubServer:
    """Maps client SAP -> Association; answers a handful of attributes."""

    def __init__(self, config):
        self.config = config
        self.associations = {}
        self.log = []          # (kind, request) handed to the dispatcher
        self.written = {}

    def association(self, sap):
        if sap not in self.associations:
            self.associations[sap] = association.Association(self.config, sap)
        return self.associations[sap]

    def handle(self, sap, apdu):
        a = self.association(sap)
        ev = a.receive(apdu)
        if ev.kind in (association.REPLY, association.RELEASED):
            return ev.apdu
        self.log.append((ev.kind, ev.request))
        if ev.kind == association.GET:
            return a.get_response(ev.request, [self.get(r) for r in ev.request.refs])
        if ev.kind == association.SET:
            dars = []
            for r, v in zip(ev.request.refs, ev.request.values):
                self.written[(r.class_id, r.ln, r.index)] = v
                dars.append(xdlms.SUCCESS)
            return a.set_response(ev.request, dars)
        r = ev.request.ref
        if (r.class_id, r.ln) == (70, LN_DISCONNECT) and r.index in (1, 2):
            return a.action_response(ev.request, xdlms.SUCCESS)
        if (r.class_id, r.ln, r.index) == (115, LN_TOKEN_GATEWAY, 1):
            ok = ev.request.value is not None and ev.request.value[0] == axdr.OCTET_STRING
            return a.action_response(ev.request, xdlms.SUCCESS if ok else xdlms.TYPE_UNMATCHED)
        return a.action_response(ev.request, xdlms.OBJECT_UNDEFINED)

    def get(self, ref):
        key = (ref.class_id, ref.ln, ref.index)
        if key in self.written:
            return axdr.encode(self.written[key])
        if key == (1, LN_LDN, 2):
            return axdr.encode((axdr.OCTET_STRING, LDN))
        if key == (15, LN_LIST, 2):
            return BIG
        if key == (70, LN_DISCONNECT, 2):
            return axdr.encode((axdr.BOOLEAN, True))
        return xdlms.READ_WRITE_DENIED
