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
# response the way the request was protected (dlms.md 4, 5, 6).
# Access rights per object are the COSEM dispatcher's job.

from compat import const
from dlms import acse, axdr, gcm, security, xdlms
from dlms.axdr import DecodeError

IDLE = const(0)         # no association
PENDING = const(1)      # AARE sent, HLS pass 3 awaited (dlms.md 6.3 step 2)
ASSOCIATED = const(2)

REPLY = const(1)
GET = const(2)
SET = const(3)
ACTION = const(4)
RELEASED = const(5)

# conformance bits, dlms.md 4.4
CONF_GENERAL_PROTECTION = const(0x400000)
CONF_GENERAL_BLOCK_TRANSFER = const(0x200000)
CONF_BLOCK_GET = const(0x001000)
CONF_BLOCK_SET = const(0x000800)
CONF_BLOCK_ACTION = const(0x000400)
CONF_MULTIPLE_REFERENCES = const(0x000200)
CONF_GET = const(0x000010)
CONF_SET = const(0x000008)
CONF_SELECTIVE_ACCESS = const(0x000004)
CONF_ACTION = const(0x000001)
# What this server implements. Never general-block-transfer (dlms.md 8.2 #3),
# no SET/ACTION with blocks.
CONF_IMPLEMENTED = const(0x40121D)

MIN_CLIENT_PDU = const(64)
ASSOCIATION_LN = b"\x00\x00\x28\x00\x00\xFF"  # 0.0.40.0.0.255, current association
CLASS_ASSOCIATION_LN = const(15)
REPLY_TO_HLS = const(1)

_OVERHEAD_GLO = const(21)      # tag, len(3), SC, IC(4), GCM tag(12)
_OVERHEAD_GENERAL = const(30)  # + DB, 08, system title(8)


class Event:
    def __init__(self, kind, apdu=None, request=None):
        self.kind = kind
        self.apdu = apdu
        self.request = request


class ClientConfig:
    """One client SAP's association parameters (from the meter configuration).
    mechanism: acse.MECHANISM_*; secret: LLS password; ek/ak: suite-0 global
    unicast encryption and authentication keys; policy: SC bits every request
    must carry once associated (0 = plain allowed; security.SC_AUTHENTICATED |
    SC_ENCRYPTED = 0x30); contexts: application contexts accepted;
    conformance: services offered; counters: security.Counters (persistent);
    system_title: the client's expected title, None = any."""

    def __init__(self, sap, mechanism=acse.MECHANISM_LOWEST, secret=None, ek=None, ak=None,
                 policy=0, contexts=(acse.CONTEXT_LN,), conformance=CONF_IMPLEMENTED,
                 counters=None, system_title=None):
        self.sap = sap
        self.mechanism = mechanism
        self.secret = secret
        self.ek = ek
        self.ak = ak
        self.policy = policy
        self.contexts = contexts
        self.conformance = conformance & CONF_IMPLEMENTED
        self.counters = counters if counters is not None else security.Counters()
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


def development_config(random_bytes):
    """DEVELOPMENT ONLY: the widely used demo keys and passwords (Gurux
    examples, dlms.md 6.3 and 9.1). Never ship a meter with these."""
    ek = bytes(range(16))                  # 000102...0F
    ak = bytes(range(0xD0, 0xE0))          # D0D1...DF
    both = security.SC_AUTHENTICATED | security.SC_ENCRYPTED
    clients = {
        16: ClientConfig(16, conformance=CONF_GET | CONF_BLOCK_GET | CONF_MULTIPLE_REFERENCES
                         | CONF_SELECTIVE_ACCESS),
        17: ClientConfig(17, acse.MECHANISM_LLS, secret=b"Gurux",
                         conformance=CONF_GET | CONF_BLOCK_GET | CONF_MULTIPLE_REFERENCES
                         | CONF_SELECTIVE_ACCESS),
        1: ClientConfig(1, acse.MECHANISM_HLS_GMAC, ek=ek, ak=ak, policy=both,
                        contexts=(acse.CONTEXT_LN_CIPHERED,)),
    }
    return ServerConfig(b"STS\x00\x00\x00\x00\x01", clients, random_bytes)


class Association:
    def __init__(self, config, sap):
        self.config = config
        self.sap = sap
        self.client = config.clients.get(sap)
        self._gcm = None
        self._gcm_ded = None
        self._reset()

    def _reset(self):
        self.state = IDLE
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

    # -- helpers --

    def _cipher(self, dedicated=False):
        if dedicated:
            if self._gcm_ded is None and self.dedicated_key is not None:
                self._gcm_ded = gcm.Gcm(self.dedicated_key)
            return self._gcm_ded
        if self._gcm is None:
            self._gcm = gcm.Gcm(self.client.ek)
        return self._gcm

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
        ic = self.client.counters.next_tx()
        if ic is None:
            return xdlms.exception_response(xdlms.STATE_SERVICE_NOT_ALLOWED,
                                            xdlms.SERVICE_OPERATION_NOT_POSSIBLE)
        ded = form == security.FORM_DED or form == security.FORM_GENERAL_DED
        return security.wrap(plain, form, sc, ic, self._cipher(ded), self.client.ak,
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
        try:
            return self._receive(apdu)
        except DecodeError:
            return self._exception(xdlms.STATE_SERVICE_NOT_ALLOWED, xdlms.SERVICE_OTHER_REASON)

    def release(self):
        """The link went down (DISC, timeout): drop the association."""
        self._reset()

    def _receive(self, apdu):
        if not apdu:
            raise DecodeError("empty APDU")
        if len(apdu) > self.config.max_pdu and self.state != IDLE:
            return self._exception(xdlms.STATE_SERVICE_NOT_ALLOWED, xdlms.SERVICE_PDU_TOO_LONG)
        tag = apdu[0]
        if tag == acse.AARQ:
            return self._aarq(apdu)
        if tag == acse.RLRQ:
            return self._rlrq(apdu)
        if self.state == IDLE or self.client is None:
            return self._exception(xdlms.STATE_SERVICE_NOT_ALLOWED, xdlms.SERVICE_OPERATION_NOT_POSSIBLE)
        if security.is_protected(tag):
            return self._protected(apdu)
        if tag not in (xdlms.GET_REQUEST, xdlms.SET_REQUEST, xdlms.ACTION_REQUEST):
            return self._exception(xdlms.STATE_SERVICE_UNKNOWN, xdlms.SERVICE_NOT_SUPPORTED)
        if self.client.policy:
            # this client's security policy requires protected requests
            return self._exception(xdlms.STATE_SERVICE_NOT_ALLOWED, xdlms.SERVICE_OPERATION_NOT_POSSIBLE)
        return self._service(apdu)

    # -- ciphered APDUs, dlms.md 6.1-6.2 --

    def _unprotect(self, apdu, plain_tags):
        """Return (plaintext, (form, sc)) or an exception Event."""
        if self.context != acse.CONTEXT_LN_CIPHERED or self.client.ek is None:
            return self._exception(xdlms.STATE_SERVICE_NOT_ALLOWED, xdlms.SERVICE_OPERATION_NOT_POSSIBLE)
        p = security.parse(apdu)
        if p.plain_tag is not None and p.plain_tag not in plain_tags:
            return self._exception(xdlms.STATE_SERVICE_UNKNOWN, xdlms.SERVICE_NOT_SUPPORTED)
        title = self.client_title
        if p.system_title is not None:
            if title is not None and p.system_title != title:
                return self._exception(xdlms.STATE_SERVICE_NOT_ALLOWED, xdlms.SERVICE_DECIPHERING_ERROR)
            title = p.system_title
        if title is None:
            return self._exception(xdlms.STATE_SERVICE_NOT_ALLOWED, xdlms.SERVICE_DECIPHERING_ERROR)
        policy = self.client.policy
        if p.sc & policy != policy:
            # weaker protection than this client's security policy
            return self._exception(xdlms.STATE_SERVICE_NOT_ALLOWED, xdlms.SERVICE_OPERATION_NOT_POSSIBLE)
        counters = self.client.counters
        if not counters.fresh(p.ic):
            return self._exception(xdlms.STATE_SERVICE_NOT_ALLOWED,
                                   xdlms.SERVICE_INVOCATION_COUNTER_ERROR, counters.expected())
        ded = p.form == security.FORM_DED or p.form == security.FORM_GENERAL_DED
        cipher = self._cipher(ded)
        if cipher is None:
            return self._exception(xdlms.STATE_SERVICE_NOT_ALLOWED, xdlms.SERVICE_DECIPHERING_ERROR)
        try:
            plain = security.decipher(p, cipher, self.client.ak, title)
        except (gcm.AuthenticationError, DecodeError):
            return self._exception(xdlms.STATE_SERVICE_NOT_ALLOWED, xdlms.SERVICE_DECIPHERING_ERROR)
        if not plain or (p.plain_tag is not None and plain[0] != p.plain_tag) or plain[0] not in plain_tags:
            return self._exception(xdlms.STATE_SERVICE_NOT_ALLOWED, xdlms.SERVICE_DECIPHERING_ERROR)
        if p.sc & security.SC_AUTHENTICATED:
            counters.accept(p.ic)  # only an authenticated IC may move the counter
        return plain, (p.form, p.sc)

    def _protected(self, apdu):
        r = self._unprotect(apdu, (xdlms.GET_REQUEST, xdlms.SET_REQUEST, xdlms.ACTION_REQUEST))
        if isinstance(r, Event):
            return r
        plain, form = r
        self._form = form
        return self._service(plain)

    # -- xDLMS services, dlms.md 5 --

    def _service(self, plain):
        try:
            req = xdlms.parse_request(plain)
        except xdlms.Unsupported:
            return self._exception(xdlms.STATE_SERVICE_NOT_ALLOWED, xdlms.SERVICE_NOT_SUPPORTED)
        conf = self.conformance
        if isinstance(req, xdlms.ActionRequest):
            r = req.ref
            if (r.class_id == CLASS_ASSOCIATION_LN and r.ln == ASSOCIATION_LN
                    and r.index == REPLY_TO_HLS and self.mechanism == acse.MECHANISM_HLS_GMAC):
                return self._reply_to_hls(req)
        if self.state == PENDING:
            return self._exception(xdlms.STATE_SERVICE_NOT_ALLOWED, xdlms.SERVICE_OPERATION_NOT_POSSIBLE)
        if isinstance(req, xdlms.GetRequest):
            need = CONF_GET
            if req.kind == xdlms.NEXT:
                need = CONF_BLOCK_GET
            elif req.kind == xdlms.WITH_LIST:
                need = CONF_GET | CONF_MULTIPLE_REFERENCES
            kind = GET
        elif isinstance(req, xdlms.SetRequest):
            need = CONF_SET | (CONF_MULTIPLE_REFERENCES if req.kind != xdlms.NORMAL else 0)
            kind = SET
        else:
            need = CONF_ACTION
            kind = ACTION
        if conf & need != need:
            return self._exception(xdlms.STATE_SERVICE_NOT_ALLOWED, xdlms.SERVICE_NOT_SUPPORTED)
        if kind != ACTION and not conf & CONF_SELECTIVE_ACCESS:
            for r in req.refs or ():
                if r.selector is not None:
                    return self._exception(xdlms.STATE_SERVICE_NOT_ALLOWED, xdlms.SERVICE_NOT_SUPPORTED)
        if kind == GET and req.kind == xdlms.NEXT:
            return self._get_next(req)
        self._long = None  # any other request ends a long GET
        return Event(kind, None, req)

    def _get_next(self, req):
        lg = self._long
        if lg is None:
            return self._reply(xdlms.get_response_block_error(
                req.invoke, req.block_number, xdlms.NO_LONG_GET_IN_PROGRESS))
        if req.block_number != lg.sent:
            self._long = None
            return self._reply(xdlms.get_response_block_error(
                req.invoke, req.block_number, xdlms.LONG_GET_ABORTED))
        lg.invoke = req.invoke
        apdu, last = lg.next_block()
        if last:
            self._long = None
        return self._reply(apdu)

    # -- responses for the dispatcher --

    def get_response(self, req, results):
        """results: per ref, encoded Data (bytes) or a data-access-result (int).
        Splits a long result into GET data blocks."""
        # Size first, so a long result is never copied whole (object_list).
        normal = req.kind == xdlms.NORMAL
        if normal:
            size = 4 + (1 if isinstance(results[0], int) else len(results[0]))
        else:
            size = 3 + axdr.length_size(len(results))
            for r in results:
                size += 2 if isinstance(r, int) else 1 + len(r)
        limit = self._limit() - self._overhead()
        if size <= limit:
            if normal:
                return self._protect(xdlms.get_response_normal(req.invoke, results[0]))
            return self._protect(xdlms.get_response_with_list(req.invoke, results))
        if not self.conformance & CONF_BLOCK_GET or limit - xdlms.BLOCK_HEADER < 16:
            return xdlms.exception_response(xdlms.STATE_SERVICE_NOT_ALLOWED, xdlms.SERVICE_PDU_TOO_LONG)
        raw = results[0] if normal else xdlms.get_result_list(results)
        self._long = xdlms.LongGet(req.invoke, raw, limit - xdlms.BLOCK_HEADER)
        apdu, _ = self._long.next_block()
        return self._protect(apdu)

    def set_response(self, req, dars):
        if req.kind == xdlms.NORMAL:
            return self._protect(xdlms.set_response_normal(req.invoke, dars[0]))
        return self._protect(xdlms.set_response_with_list(req.invoke, dars))

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
            ok = security.hls_check(self._cipher(), self.client.ak, self.client_title, v[1], self.stoc)
        if not ok:
            self._reset_keep_form()
            return self._reply(xdlms.action_response_normal(req.invoke, xdlms.READ_WRITE_DENIED))
        self.state = ASSOCIATED
        ic = self.client.counters.next_tx()
        if ic is None:
            return self._exception(xdlms.STATE_SERVICE_NOT_ALLOWED, xdlms.SERVICE_OPERATION_NOT_POSSIBLE)
        f = security.hls_f(self._cipher(), self.client.ak, self.config.system_title, ic, self.ctos)
        data = bytes((0x09, len(f))) + f
        return self._reply(xdlms.action_response_normal(req.invoke, xdlms.SUCCESS, data))

    def _reset_keep_form(self):
        form = self._form
        self._reset()
        self._form = form

    # -- ACSE, dlms.md 4 --

    def _aare_reject(self, context, diagnostic, user_information=None):
        self._reset()
        return Event(REPLY, acse.build_aare(context or acse.CONTEXT_LN, acse.REJECTED_PERMANENT,
                                            diagnostic, user_information=user_information))

    def _aarq(self, apdu):
        self._reset()
        try:
            q = acse.parse_aarq(apdu)
        except DecodeError:
            return self._aare_reject(acse.CONTEXT_LN, acse.DIAG_NO_REASON)
        c = self.client
        if c is None:
            return self._aare_reject(q.context, acse.DIAG_NO_REASON)
        if q.context not in c.contexts:
            return self._aare_reject(q.context, acse.DIAG_CONTEXT_NOT_SUPPORTED)
        if q.mechanism != c.mechanism:
            if c.mechanism != acse.MECHANISM_LOWEST and not q.mechanism_present:
                return self._aare_reject(q.context, acse.DIAG_MECHANISM_REQUIRED)
            return self._aare_reject(q.context, acse.DIAG_MECHANISM_NOT_RECOGNISED)
        ciphered = q.context == acse.CONTEXT_LN_CIPHERED
        title = q.calling_ap_title
        if title is not None and len(title) != 8:
            return self._aare_reject(q.context, acse.DIAG_NO_REASON)
        if c.system_title is not None and title != c.system_title:
            return self._aare_reject(q.context, acse.DIAG_NO_REASON)
        if (ciphered or c.mechanism == acse.MECHANISM_HLS_GMAC) and title is None:
            return self._aare_reject(q.context, acse.DIAG_NO_REASON)
        if q.user_information is None:
            return self._aare_reject(q.context, acse.DIAG_NO_REASON)
        self.client_title = title
        self.context = q.context
        ui = q.user_information
        if ui and ui[0] == 0x21:
            if not ciphered:
                return self._aare_reject(q.context, acse.DIAG_NO_REASON)
            try:
                r = self._unprotect(ui, (acse.INITIATE_REQUEST,))
            except DecodeError:
                return self._aare_reject(q.context, acse.DIAG_NO_REASON)
            if isinstance(r, Event):
                ic_error = r.apdu[2] == xdlms.SERVICE_INVOCATION_COUNTER_ERROR
                self._reset()
                if ic_error:
                    return r  # as Gurux C does (dlms.md appendix B)
                return self._aare_reject(q.context, acse.DIAG_NO_REASON)
            ui, self._form = r
        elif ciphered and c.policy:
            return self._aare_reject(q.context, acse.DIAG_NO_REASON)
        try:
            ini = acse.parse_initiate_request(ui)
        except DecodeError:
            return self._aare_reject(q.context, acse.DIAG_NO_REASON)
        err = None
        if ini.version < acse.DLMS_VERSION:
            err = acse.INITIATE_VERSION_TOO_LOW
        elif ini.max_pdu < MIN_CLIENT_PDU:
            err = acse.INITIATE_PDU_TOO_SHORT
        elif not ini.conformance & c.conformance:
            err = acse.INITIATE_INCOMPATIBLE_CONFORMANCE
        elif ini.dedicated_key is not None and (len(ini.dedicated_key) != 16 or not ciphered):
            err = acse.INITIATE_OTHER
        if err is not None:
            return self._aare_reject(q.context, acse.DIAG_NO_REASON, acse.build_initiate_error(err))
        conformance = ini.conformance & c.conformance
        response = acse.build_initiate_response(conformance, self.config.max_pdu)
        diag = acse.DIAG_NULL
        if c.mechanism == acse.MECHANISM_LLS:
            if not security.lls_check(c.secret, q.authentication_value):
                return self._aare_reject(q.context, acse.DIAG_AUTHENTICATION_FAILURE, response)
        elif c.mechanism == acse.MECHANISM_HLS_GMAC:
            ctos = q.authentication_value
            if ctos is None or not 8 <= len(ctos) <= 64 or c.ek is None or c.ak is None:
                return self._aare_reject(q.context, acse.DIAG_AUTHENTICATION_FAILURE)
            self.ctos = ctos
            self.stoc = bytes(self.config.random_bytes(16))
            diag = acse.DIAG_AUTHENTICATION_REQUIRED
        elif c.mechanism != acse.MECHANISM_LOWEST:
            return self._aare_reject(q.context, acse.DIAG_MECHANISM_NOT_RECOGNISED)
        if self._form is not None:
            response = self._protect(response)
        self.mechanism = c.mechanism
        self.conformance = conformance
        self.client_max_pdu = ini.max_pdu
        self.dedicated_key = ini.dedicated_key
        self.state = PENDING if diag == acse.DIAG_AUTHENTICATION_REQUIRED else ASSOCIATED
        show_title = ciphered or c.mechanism == acse.MECHANISM_HLS_GMAC
        return Event(REPLY, acse.build_aare(
            q.context, acse.ACCEPTED, diag,
            responding_ap_title=self.config.system_title if show_title else None,
            mechanism=c.mechanism, stoc=self.stoc, user_information=response))

    def _rlrq(self, apdu):
        try:
            q = acse.parse_rlrq(apdu)
        except DecodeError:
            q = None
        if (q is not None and q.user_information and q.user_information[0] == 0x21
                and self.state != IDLE and self.client is not None):
            # dlms-cosem carries a ciphered InitiateRequest (dlms.md 4.6): verify
            # it so its IC is consumed; release regardless.
            try:
                self._unprotect(q.user_information, (acse.INITIATE_REQUEST,))
            except DecodeError:
                pass
        self._reset()
        return Event(RELEASED, acse.build_rlre(0))
