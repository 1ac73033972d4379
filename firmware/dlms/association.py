# One application association per client SAP: sans-IO, APDU in, APDU out.
#
#   ev = assoc.receive(apdu)
#   ev.kind == REPLY   -> send ev.apdu (AARE, RLRE, exception, next GET block,
#                         HLS reply); RELEASED also carries an apdu (the RLRE)
#   ev.kind == GET     -> results = [...per ev.request.refs...]; send assoc.get_response(ev.request, results)
#   ev.kind == SET     -> send assoc.set_response(ev.request, dars)
#   ev.kind == ACTION  -> send assoc.action_response(ev.request, result, data)
#
# The association checks the negotiated context, conformance and
# authentication state, deciphers and replay-checks protected APDUs, answers
# GET block transfer and the HLS-GMAC pass 3/4 itself, and protects every
# response the way the request was protected (dlms.md 4, 5, 6). Its states
# and what moves them are the table in dlms.aa_state; the decision on an
# AARQ is dlms.establish.accept_aarq, and its handling here is establish.Setup
# (its code loads for an AARQ); keys and invocation counters live in
# dlms.keystore. Access rights per object are the COSEM dispatcher's job.

from builtins import isinstance, len  # module globals: a builtin is found by a linear search
from compat import const, module, not_loaded, unload
from dlms import aa_state as aa
from dlms import gcm, keystore, security, xdlms
from dlms.aa_state import IDLE, PENDING, ASSOCIATED  # noqa: F401 (the association's states)
from dlms.axdr import DecodeError

# The ACSE codec (dlms.acse) and the AARQ decision (dlms.establish) load for
# an AARQ or RLRQ and are unloaded after it: an association is set up once and
# then serves many requests (docs/benchmarks.md, heap). The ACSE values needed
# in between:
_ACSE_CODE = ("dlms.acse", "dlms.establish")
_AARQ = const(0x60)  # acse.AARQ
_RLRQ = const(0x62)  # acse.RLRQ
_CONTEXT_LN = const(1)  # acse.CONTEXT_LN
_CONTEXT_LN_CIPHERED = const(3)  # acse.CONTEXT_LN_CIPHERED
_MECHANISM_LOWEST = const(0)  # acse.MECHANISM_LOWEST
# An RLRQ of at most 5 bytes (62 03 80 01 reason, or 62 00) carries no
# user-information: released without loading the ACSE codec. Every release
# is answered RLRE, reason normal (dlms.md 4.6).
_RLRQ_BARE = const(5)
_RLRE = b"\x63\x03\x80\x01\x00"

REPLY = const(1)
GET = const(2)
SET = const(3)
ACTION = const(4)
RELEASED = const(5)

# conformance bits, dlms.md 4.4
_CONF_GENERAL_PROTECTION = const(0x400000)
_CONF_GENERAL_BLOCK_TRANSFER = const(0x200000)
CONF_BLOCK_GET = const(0x001000)
_CONF_BLOCK_SET = const(0x000800)
_CONF_BLOCK_ACTION = const(0x000400)
CONF_MULTIPLE_REFERENCES = const(0x000200)
CONF_GET = const(0x000010)
_CONF_SET = const(0x000008)
CONF_SELECTIVE_ACCESS = const(0x000004)
_CONF_ACTION = const(0x000001)
# What this server implements. Never general-block-transfer (dlms.md 8.2 #3),
# no SET/ACTION with blocks.
CONF_IMPLEMENTED = const(0x40121D)

ASSOCIATION_LN = b"\x00\x00\x28\x00\x00\xFF"  # 0.0.40.0.0.255, current association
_CLASS_ASSOCIATION_LN = const(15)
_REPLY_TO_HLS = const(1)
SECURITY_SETUP_LN = b"\x00\x00\x2B\x00\x00\xFF"  # 0.0.43.0.0.255
_CLASS_SECURITY_SETUP = const(64)
KEY_TRANSFER = const(2)

_OVERHEAD_GLO = const(21)      # tag, len(3), SC, IC(4), GCM tag(12)
_OVERHEAD_GENERAL = const(30)  # + DB, 08, system title(8)
_SERVICE_TAGS = (xdlms.GET_REQUEST, xdlms.SET_REQUEST, xdlms.ACTION_REQUEST)


class Event:
    def __init__(self, kind, apdu=None, request=None):
        self.kind = kind
        self.apdu = apdu
        self.request = request


class ClientConfig:
    """One client SAP's association parameters (from the meter configuration).
    mechanism: acse.MECHANISM_*; secret: LLS password; ek/ak: suite-0 global
    unicast encryption and authentication keys as provisioned (dlms.keystore
    holds the ones in use); kek: the key encrypting key of key_transfer
    (None: no key transfer); policy: SC bits every request must carry once
    associated (0 = plain allowed; security.SC_AUTHENTICATED | SC_ENCRYPTED =
    0x30); contexts: application contexts accepted; conformance: services
    offered; system_title: the client's expected title, None = any."""

    def __init__(self, sap, mechanism=_MECHANISM_LOWEST, secret=None, ek=None, ak=None,
                 policy=0, contexts=(_CONTEXT_LN,), conformance=CONF_IMPLEMENTED,
                 system_title=None, kek=None):
        self.sap = sap
        self.mechanism = mechanism
        self.secret = secret
        self.ek = ek
        self.ak = ak
        self.kek = kek
        self.policy = policy
        self.contexts = contexts
        self.conformance = conformance & CONF_IMPLEMENTED
        self.system_title = system_title


class ServerConfig:
    """system_title: the server's 8-byte title (AARE A4, IVs of its APDUs);
    max_pdu: server-max-receive-pdu-size, also the cap on APDUs it sends;
    random_bytes(n): challenge source (the board passes os.urandom)."""

    def __init__(self, system_title, clients, random_bytes, max_pdu=512):
        self.system_title = system_title
        self.clients = clients  # dict SAP -> ClientConfig
        self.random_bytes = random_bytes
        self.max_pdu = max_pdu


def _is_action(req, class_id, ln, method):
    if not isinstance(req, xdlms.ActionRequest):
        return False
    r = req.ref
    return r.class_id == class_id and r.ln == ln and r.index == method


def _room(req):
    """Counters a request must leave after its IC (dlms.keystore): the steps
    of a key renewal may use the reserve, nothing else may."""
    if _is_action(req, _CLASS_ASSOCIATION_LN, ASSOCIATION_LN, _REPLY_TO_HLS):
        return keystore.ROOM_HLS
    if _is_action(req, _CLASS_SECURITY_SETUP, SECURITY_SETUP_LN, KEY_TRANSFER):
        return keystore.ROOM_KEY_TRANSFER
    return keystore.IC_RESERVE


class Association:
    """config: ServerConfig; sap: the client; keys: its keystore.KeySet (None:
    a RAM-only one from the configuration); guard: an auth_guard.AuthGuard
    or None (no limit on authentication failures)."""
    _aare = None  # (arguments, AARE's Event): the last AARQ accepted without a challenge (establish)

    def __init__(self, config, sap, keys=None, guard=None):
        self.config = config
        self.sap = sap
        self.client = config.clients.get(sap)
        if keys is None and self.client is not None and self.client.ek is not None:
            keys = keystore.KeySet(self.client.ek, self.client.ak)
        self.keys = keys
        self.guard = guard
        self.state = IDLE
        self._reset()

    def _reset(self):
        self.context = None
        self.mechanism = None
        self.conformance = 0
        self.client_max_pdu = 0
        self.client_title = None
        self.dedicated_key = None
        self._gcm_ded = None
        self.stoc = None
        self.ctos = None
        self._long = None
        self._form = None  # protection of the request being answered: (form, sc) or None
        self._room = keystore.IC_RESERVE  # counters the answer must leave (_room())

    def _step(self, event):
        """Apply an event of the aa_state table; False if not allowed now."""
        s = aa.next_state(self.state, event)
        if s is None:
            return False
        if s == IDLE:
            self._reset()
        self.state = s
        return True

    # -- helpers --

    def _cipher(self, dedicated=False):
        if dedicated:
            if self._gcm_ded is None and self.dedicated_key is not None:
                self._gcm_ded = gcm.Gcm(self.dedicated_key)
            return self._gcm_ded
        return self.keys.cipher()

    def _limit(self):
        m = self.config.max_pdu
        return m if self.client_max_pdu == 0 or self.client_max_pdu > m else self.client_max_pdu

    def _overhead(self):
        if self._form is None:
            return 0
        form = self._form[0]
        return _OVERHEAD_GENERAL if form >= security.FORM_GENERAL_GLO else _OVERHEAD_GLO

    def _protect(self, plain):
        # Answer in the form the request came in (dlms.md 6.1).
        if self._form is None or plain[0] == xdlms.EXCEPTION_RESPONSE:
            return plain
        form, sc = self._form
        ic = self.keys.next_tx(self._room)
        if ic is None:
            return xdlms.exception_response(xdlms.STATE_SERVICE_NOT_ALLOWED,
                                            xdlms.SERVICE_OPERATION_NOT_POSSIBLE)
        ded = form == security.FORM_DED or form == security.FORM_GENERAL_DED
        return security.wrap(plain, form, sc, ic, self._cipher(ded), self.keys.ak,
                             self.config.system_title)

    def _reply(self, plain):
        return Event(REPLY, self._protect(plain))

    @staticmethod
    def _exception(state, service, ic=None):
        return Event(REPLY, xdlms.exception_response(state, service, ic))

    # -- entry point --

    def receive(self, apdu):
        """Handle one complete APDU from this client; never raises for bad input."""
        self._form = None
        self._room = keystore.IC_RESERVE
        try:  # (one function: a call more would allocate another frame on MicroPython's heap)
            if not apdu:
                raise DecodeError("empty APDU")
            if len(apdu) > self.config.max_pdu and self.state != IDLE:
                return self._exception(xdlms.STATE_SERVICE_NOT_ALLOWED, xdlms.SERVICE_PDU_TOO_LONG)
            tag = apdu[0]
            if tag == _AARQ or tag == _RLRQ:
                loads = (not_loaded(_ACSE_CODE)
                         if _ACSE_CODE and (tag == _AARQ or len(apdu) > _RLRQ_BARE) else ())
                try:
                    if tag == _AARQ:  # its code is dlms.establish's, loaded for it
                        return module("dlms.establish").Setup.aarq(self, apdu)
                    if len(apdu) > _RLRQ_BARE:  # only a longer one carries user-information
                        module("dlms.establish").Setup.rlrq(self, apdu)
                    self._step(aa.RELEASE)
                    return Event(RELEASED, _RLRE)
                finally:
                    unload(*loads)
            if self.state == IDLE or self.client is None:
                return self._exception(xdlms.STATE_SERVICE_NOT_ALLOWED, xdlms.SERVICE_OPERATION_NOT_POSSIBLE)
            if security.is_protected(tag):
                return self._protected(apdu)
            if tag not in _SERVICE_TAGS:
                return self._exception(xdlms.STATE_SERVICE_UNKNOWN, xdlms.SERVICE_NOT_SUPPORTED)
            if self.client.policy:
                # this client's security policy requires protected requests
                return self._exception(xdlms.STATE_SERVICE_NOT_ALLOWED, xdlms.SERVICE_OPERATION_NOT_POSSIBLE)
            return self._service(_parse(apdu))
        except DecodeError:
            return self._exception(xdlms.STATE_SERVICE_NOT_ALLOWED, xdlms.SERVICE_OTHER_REASON)

    def release(self):
        """The link went down (DISC, timeout): drop the association."""
        self._step(aa.RELEASE)

    def keys_renewed(self):
        """This client's keys were replaced (class 64 key_transfer): the
        association ends; the client associates again with the new keys."""
        self._step(aa.KEYS_RENEWED)

    # -- ciphered APDUs, dlms.md 6.1-6.2 --

    def _unprotect(self, apdu, plain_tags):
        """Return (plaintext, security.Protected) or an exception Event."""
        if self.context != _CONTEXT_LN_CIPHERED or self.keys is None:
            return self._exception(xdlms.STATE_SERVICE_NOT_ALLOWED, xdlms.SERVICE_OPERATION_NOT_POSSIBLE)
        r = security.unprotect(apdu, self.keys, self.client.policy, self.client_title, plain_tags,
                               self._cipher(True))
        if isinstance(r, tuple):
            return r
        if r == xdlms.SERVICE_INVOCATION_COUNTER_ERROR:
            return self._counter_error()
        if r == xdlms.SERVICE_NOT_SUPPORTED:
            return self._exception(xdlms.STATE_SERVICE_UNKNOWN, r)
        if r == security.AUTHENTICATION_FAILED:
            r = xdlms.SERVICE_DECIPHERING_ERROR
        return self._exception(xdlms.STATE_SERVICE_NOT_ALLOWED, r)

    def _counter_error(self):
        return self._exception(xdlms.STATE_SERVICE_NOT_ALLOWED,
                               xdlms.SERVICE_INVOCATION_COUNTER_ERROR, self.keys.expected())

    def _take_ic(self, p, room):
        """Record a verified IC that leaves `room`; False (nothing recorded)
        for one that does not: a lock-out for good otherwise (keystore)."""
        if not self.keys.fits(p.ic, room):
            return False
        if p.sc & security.SC_AUTHENTICATED:
            self.keys.accept(p.ic)  # only an authenticated IC may move the counter
        return True

    def _protected(self, apdu):
        r = self._unprotect(apdu, _SERVICE_TAGS)
        if isinstance(r, Event):
            return r
        plain, p = r
        req = _parse(plain)
        room = _room(req)
        if not self._take_ic(p, room):
            return self._counter_error()
        self._form = (p.form, p.sc)
        self._room = room
        return self._service(req)

    # -- xDLMS services, dlms.md 5 --

    def _service(self, req):
        if isinstance(req, DecodeError):
            if isinstance(req, xdlms.Unsupported):
                return self._exception(xdlms.STATE_SERVICE_NOT_ALLOWED, xdlms.SERVICE_NOT_SUPPORTED)
            raise req
        if self.state == PENDING and _is_action(req, _CLASS_ASSOCIATION_LN, ASSOCIATION_LN,
                                                _REPLY_TO_HLS):
            return self._reply_to_hls(req)
        if not self._step(aa.SERVICE):
            return self._exception(xdlms.STATE_SERVICE_NOT_ALLOWED, xdlms.SERVICE_OPERATION_NOT_POSSIBLE)
        conf = self.conformance
        if isinstance(req, xdlms.GetRequest):
            need = CONF_GET
            if req.kind == xdlms.NEXT:
                need = CONF_BLOCK_GET
            elif req.kind == xdlms.WITH_LIST:
                need = CONF_GET | CONF_MULTIPLE_REFERENCES
            kind = GET
        elif isinstance(req, xdlms.SetRequest):
            need = _CONF_SET | (CONF_MULTIPLE_REFERENCES if req.kind != xdlms.NORMAL else 0)
            kind = SET
        else:
            need = _CONF_ACTION
            kind = ACTION
        if conf & need != need:
            return self._exception(xdlms.STATE_SERVICE_NOT_ALLOWED, xdlms.SERVICE_NOT_SUPPORTED)
        if kind != ACTION and not conf & CONF_SELECTIVE_ACCESS:
            for r in req.refs or ():
                if r.selector is not None:
                    return self._exception(xdlms.STATE_SERVICE_NOT_ALLOWED, xdlms.SERVICE_NOT_SUPPORTED)
        if kind == GET and req.kind == xdlms.NEXT:
            from dlms import xdlms_more  # block transfer: loaded on first use
            return xdlms_more.get_next(self, req)
        self._long = None  # any other request ends a long GET
        return Event(kind, None, req)

    # -- responses for the dispatcher --

    def get_response(self, req, results):
        """results: per ref, encoded Data (bytes) or a data-access-result (int).
        A list, or a result too long for one APDU (sent as GET data blocks):
        dlms.xdlms_more.get_response."""
        r = results[0]  # sized first, so a long result is never copied whole (object_list)
        if req.kind == xdlms.NORMAL and (5 if isinstance(r, int) else 4 + len(r)) <= \
                self._limit() - self._overhead():
            if not isinstance(r, (int, bytes, bytearray)):
                r = r.chunk(0, len(r))  # a lazily encoded result (a profile buffer), short
            return self._protect(xdlms.get_response_normal(req.invoke, r))
        from dlms import xdlms_more  # with-list or data blocks: loaded on first use
        return xdlms_more.get_response(self, req, results)

    def set_response(self, req, dars):
        from dlms import xdlms_more  # SET: loaded on first use
        if req.kind == xdlms.NORMAL:
            return self._protect(xdlms_more.set_response_normal(req.invoke, dars[0]))
        return self._protect(xdlms_more.set_response_with_list(req.invoke, dars))

    def action_response(self, req, result, data=None):
        plain = xdlms.action_response_normal(req.invoke, result, data)
        if len(plain) > self._limit() - self._overhead():
            plain = xdlms.action_response_normal(req.invoke, xdlms.OTHER_REASON)
        return self._protect(plain)

    # -- HLS-GMAC pass 3 and 4, dlms.md 6.3 --

    def _reply_to_hls(self, req):
        ok = False
        v = req.value
        if self.stoc is not None and v is not None and v[0] == 0x09 and self.client_title is not None:
            ok = security.hls_check(self._cipher(), self.keys.ak, self.client_title, v[1], self.stoc)
        if not ok:
            keep = self._form, self._room, self._gcm_ded
            self._step(aa.AUTH_FAILED)
            self._form, self._room, self._gcm_ded = keep  # the refusal goes out protected
            if self.guard is not None:
                self.guard.failed(self.sap)
            return self._reply(xdlms.action_response_normal(req.invoke, xdlms.READ_WRITE_DENIED))
        self._step(aa.HLS_PASSED)
        if self.guard is not None:
            self.guard.passed(self.sap)
        ic = self.keys.next_tx(self._room)
        if ic is None:
            return self._exception(xdlms.STATE_SERVICE_NOT_ALLOWED, xdlms.SERVICE_OPERATION_NOT_POSSIBLE)
        f = security.hls_f(self._cipher(), self.keys.ak, self.config.system_title, ic, self.ctos)
        data = bytes((0x09, len(f))) + f
        return self._reply(xdlms.action_response_normal(req.invoke, xdlms.SUCCESS, data))


def _parse(apdu):
    """The xdlms request, or the DecodeError (xdlms.Unsupported) it raised."""
    try:
        return xdlms.parse_request(apdu)
    except DecodeError as e:
        return e


if __import__("sys").implementation.name == "cpython":
    _ACSE_CODE = ()  # nothing is unloaded there (compat.unload): no list to make per AARQ
    # and the ACSE parses keep their results for the last few distinct AARQs
    # and InitiateRequests (a head-end associates again with the same bytes;
    # their users only read them): dlms.kept. Done here, not in dlms.acse:
    # on micropython's .mpy route each name in a module costs a search of the
    # interned strings whenever it is loaded, and dlms.acse loads per AARQ.
    from dlms.kept import kept
    import dlms.acse  # (names the firmware has already: no new ones)
    dlms.acse.parse_aarq = kept(dlms.acse.parse_aarq)
    dlms.acse.parse_initiate_request = kept(dlms.acse.parse_initiate_request)
