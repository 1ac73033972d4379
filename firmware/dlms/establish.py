# Association establishment: the decision on one AARQ (dlms.md 4.2-4.4, 6.3,
# 6.4), as a pure function. accept_aarq() reads the configuration and the
# client's key set and changes neither; dlms.association applies the
# decision (state, counters, challenge, AARE).
from compat import const
from dlms import aa_state as aa
from dlms import acse, keystore, security, xdlms
from dlms.association import Event, REPLY
from dlms.axdr import DecodeError

_MIN_CLIENT_PDU = const(64)


class Decision:
    """event: aa_state.AARQ_ACCEPTED / AARQ_HLS / AARQ_REFUSED / AUTH_FAILED.
    A refusal has diagnostic, user_information (an initiate error, or the
    initiate response for a wrong password) or reply (an exception APDU sent
    instead of an AARE). An acceptance has the negotiated values and the
    plain initiate response to send (protected by the caller when `form`).
    ic: an authenticated IC to record, whatever the event. (The class holds
    the values of the fields not set: an instance gets those that are.)"""
    reply = None
    ic = None
    form = None  # (form, sc) of a ciphered InitiateRequest
    client_title = None
    mechanism = None
    conformance = 0
    client_max_pdu = 0
    dedicated_key = None
    ctos = None

    def __init__(self, event, context, diagnostic=acse.DIAG_NO_REASON, user_information=None):
        self.event = event
        self.context = context or acse.CONTEXT_LN
        self.diagnostic = diagnostic
        self.user_information = user_information


def accept_aarq(config, sap, keys, q):
    """config: association.ServerConfig; keys: the client's keystore.KeySet
    or None; q: the acse.Aarq. Returns a Decision."""
    c = config.clients.get(sap)
    if c is None:
        return Decision(aa.AARQ_REFUSED, q.context)
    diag = _names(c, q)
    if diag:
        return Decision(aa.AARQ_REFUSED, q.context, diag)
    d = Decision(aa.AARQ_ACCEPTED, q.context, acse.DIAG_NULL)
    d.client_title = q.calling_ap_title
    ini = _initiate(c, keys, q, d)
    if isinstance(ini, Decision):
        return ini
    err = _negotiate(c, ini, q.context == acse.CONTEXT_LN_CIPHERED)
    if err is not None:
        return _refuse(d, acse.DIAG_NO_REASON, acse.build_initiate_error(err))
    d.conformance = ini.conformance & c.conformance
    d.client_max_pdu = ini.max_pdu
    d.dedicated_key = ini.dedicated_key
    d.mechanism = c.mechanism
    d.user_information = acse.build_initiate_response(d.conformance, config.max_pdu)
    return _authenticate(c, keys, q, d)


def _refuse(d, diagnostic, user_information=None, event=aa.AARQ_REFUSED):
    d.event, d.diagnostic, d.user_information = event, diagnostic, user_information
    return d


def _names(c, q):
    """Application context, mechanism and calling title (4.1, 4.2): a
    diagnostic, or 0 when they suit client c."""
    if q.context not in c.contexts:
        return acse.DIAG_CONTEXT_NOT_SUPPORTED
    if q.mechanism != c.mechanism:
        if c.mechanism != acse.MECHANISM_LOWEST and not q.mechanism_present:
            return acse.DIAG_MECHANISM_REQUIRED
        return acse.DIAG_MECHANISM_NOT_RECOGNISED
    title = q.calling_ap_title
    if title is not None and len(title) != 8:
        return acse.DIAG_NO_REASON
    if c.system_title is not None and title != c.system_title:
        return acse.DIAG_NO_REASON
    ciphered = q.context == acse.CONTEXT_LN_CIPHERED
    if (ciphered or c.mechanism == acse.MECHANISM_HLS_GMAC) and title is None:
        return acse.DIAG_NO_REASON
    if q.user_information is None:
        return acse.DIAG_NO_REASON
    return 0


def _initiate(c, keys, q, d):
    """The InitiateRequest (4.4), deciphered when glo-ciphered (6.1): the
    parsed request, or a refusing Decision."""
    ui = q.user_information
    ciphered = q.context == acse.CONTEXT_LN_CIPHERED
    if ui and ui[0] == 0x21:
        if not ciphered or keys is None:
            return _refuse(d, acse.DIAG_NO_REASON)
        try:
            r = security.unprotect(ui, keys, c.policy, d.client_title, (acse.INITIATE_REQUEST,))
        except DecodeError:
            return _refuse(d, acse.DIAG_NO_REASON)
        if isinstance(r, int):
            if r == xdlms.SERVICE_INVOCATION_COUNTER_ERROR:
                return _counter_error(d, keys)
            if r == security.AUTHENTICATION_FAILED:
                return _refuse(d, acse.DIAG_NO_REASON, event=aa.AUTH_FAILED)
            return _refuse(d, acse.DIAG_NO_REASON)
        ui, p = r
        if not keys.fits(p.ic, keystore.ROOM_AARQ):
            return _counter_error(d, keys)
        if p.sc & security.SC_AUTHENTICATED:
            d.ic = p.ic  # only an authenticated IC may move the counter
        d.form = (p.form, p.sc)
    elif ciphered and c.policy:
        return _refuse(d, acse.DIAG_NO_REASON)
    try:
        return acse.parse_initiate_request(ui)
    except DecodeError:
        return _refuse(d, acse.DIAG_NO_REASON)


def _counter_error(d, keys):
    # a stale IC, or one that leaves no room: answered with the IC expected,
    # as Gurux C does (dlms.md 6.2, appendix B)
    d = _refuse(d, acse.DIAG_NO_REASON)
    d.reply = xdlms.exception_response(xdlms.STATE_SERVICE_NOT_ALLOWED,
                                       xdlms.SERVICE_INVOCATION_COUNTER_ERROR, keys.expected())
    return d


def _negotiate(c, ini, ciphered):
    """An initiate error (4.4), or None."""
    if ini.version < acse.DLMS_VERSION:
        return acse.INITIATE_VERSION_TOO_LOW
    if ini.max_pdu < _MIN_CLIENT_PDU:
        return acse.INITIATE_PDU_TOO_SHORT
    if not ini.conformance & c.conformance:
        return acse.INITIATE_INCOMPATIBLE_CONFORMANCE
    if ini.dedicated_key is not None and (len(ini.dedicated_key) != 16 or not ciphered):
        return acse.INITIATE_OTHER
    return None


def _authenticate(c, keys, q, d):
    """LLS password (6.4) or the start of HLS-GMAC (6.3)."""
    m = c.mechanism
    if m == acse.MECHANISM_LLS:
        if not security.lls_check(c.secret, q.authentication_value):
            return _refuse(d, acse.DIAG_AUTHENTICATION_FAILURE, d.user_information,
                           aa.AUTH_FAILED)
    elif m == acse.MECHANISM_HLS_GMAC:
        ctos = q.authentication_value
        if ctos is None or not 8 <= len(ctos) <= 64 or keys is None or keys.ak is None:
            return _refuse(d, acse.DIAG_AUTHENTICATION_FAILURE)
        d.ctos = bytes(ctos)
        d.event, d.diagnostic = aa.AARQ_HLS, acse.DIAG_AUTHENTICATION_REQUIRED
    elif m != acse.MECHANISM_LOWEST:
        return _refuse(d, acse.DIAG_MECHANISM_NOT_RECOGNISED)
    return d


class Setup:
    """The association's side of an AARQ (and of an RLRQ with
    user-information): dlms.association.Association runs these as its own
    methods (Setup.aarq(association, apdu)), so their code loads with this
    module for an AARQ and leaves the heap after it."""

    def aarq(self, apdu):
        """Association.receive of an AARQ, for the association `self`."""
        self._step(aa.RELEASE)  # an AARQ always restarts the association
        try:
            q = acse.parse_aarq(apdu)
        except DecodeError:
            return Setup.aare_refused(self, aa.AARQ_REFUSED, acse.CONTEXT_LN, acse.DIAG_NO_REASON)
        g = self.guard
        if g is not None and g.remaining(self.sap):
            # too many authentication failures: refused without looking at the secret
            return Setup.aare_refused(self, aa.AUTH_CLOSED, q.context,
                                      acse.DIAG_AUTHENTICATION_FAILURE,
                                      result=acse.REJECTED_TRANSIENT)
        d = accept_aarq(self.config, self.sap, self.keys, q)
        if d.ic is not None:
            self.keys.accept(d.ic)
        if d.event == aa.AUTH_FAILED and g is not None:
            g.failed(self.sap)
        if d.event == aa.AARQ_REFUSED or d.event == aa.AUTH_FAILED:
            if d.reply is not None:
                self._step(d.event)
                return Event(REPLY, d.reply)
            return Setup.aare_refused(self, d.event, d.context, d.diagnostic, d.user_information)
        response = d.user_information
        if d.form is not None:
            self._form, self._room = d.form, keystore.ROOM_AARQ
            response = self._protect(response)
            self._form = None
            if response[0] == xdlms.EXCEPTION_RESPONSE:  # no counter left to answer with
                return Setup.aare_refused(self, aa.AARQ_REFUSED, d.context, acse.DIAG_NO_REASON)
        self._step(d.event)
        self.context = d.context
        self.client_title = d.client_title
        self.mechanism = d.mechanism
        self.conformance = d.conformance
        self.client_max_pdu = d.client_max_pdu
        self.dedicated_key = d.dedicated_key
        if d.event == aa.AARQ_HLS:
            self.ctos = d.ctos
            self.stoc = bytes(self.config.random_bytes(16))
        elif g is not None:
            g.passed(self.sap)
        show_title = d.context == acse.CONTEXT_LN_CIPHERED or d.mechanism == acse.MECHANISM_HLS_GMAC
        title = self.config.system_title if show_title else None
        if self.stoc is not None:  # a new challenge: a new AARE
            return Event(REPLY, acse.build_aare(d.context, acse.ACCEPTED, d.diagnostic, title,
                                                d.mechanism, self.stoc, response))
        # Without a challenge the AARE is a function of these: the last one is
        # kept for the next AARQ that gives the same (a head-end that calls again).
        key = (d.context, d.diagnostic, title, d.mechanism, response)
        kept = self._aare
        if kept is None or kept[0] != key:
            self._aare = kept = (key, Event(REPLY, acse.build_aare(
                d.context, acse.ACCEPTED, d.diagnostic, title, d.mechanism, None, response)))
        return kept[1]  # (an Event is only read)

    def rlrq(self, apdu):
        """An RLRQ longer than a bare one, before association `self` releases:
        dlms-cosem carries a ciphered InitiateRequest in its user-information
        (dlms.md 4.6); it is verified so that its IC is consumed. The release
        happens regardless (Association.receive)."""
        try:
            q = acse.parse_rlrq(apdu)
        except DecodeError:
            return
        if (q.user_information and q.user_information[0] == 0x21
                and self.state != aa.IDLE and self.client is not None):
            try:
                r = self._unprotect(q.user_information, (acse.INITIATE_REQUEST,))
            except DecodeError:
                r = None
            if isinstance(r, tuple):
                self._take_ic(r[1], keystore.IC_RESERVE)

    def aare_refused(self, event, context, diagnostic, user_information=None, result=None):
        self._step(event)
        if result is None:
            result = acse.REJECTED_PERMANENT
        return Event(REPLY, acse.build_aare(context or acse.CONTEXT_LN, result, diagnostic,
                                            user_information=user_information))
