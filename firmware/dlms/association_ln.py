# The Association LN object (class 15 version 1, dlms.md 7.1): what the
# current association is, and reply_to_HLS_authentication, the HLS-GMAC pass
# 3/4, which dlms.association answers itself while authenticating. A view over
# the server context, made on first access like most objects (a token session
# does not read it).
from compat import const
from dlms import axdr
from dlms.cosem import CosemObject, AccessError, expect, R0, HIDDEN

_NOBODY = const(3)  # cosem.NOBODY
_READ_WRITE_DENIED = const(3)  # cosem.READ_WRITE_DENIED
_OTHER_REASON = const(250)  # cosem.OTHER_REASON
_ASSOCIATED = const(2)  # aa_state.ASSOCIATED
_CONTEXT_LN = const(1)  # acse.CONTEXT_LN


def _oid(last, arc):
    # joint-iso-ccitt(2) country(16) country-name(756) identified-organization(5)
    # DLMS-UA(8) arc last: application context (arc 1) or mechanism (arc 2)
    return (axdr.STRUCTURE, [(axdr.UNSIGNED, 2), (axdr.UNSIGNED, 16), (axdr.LONG_UNSIGNED, 756),
                             (axdr.UNSIGNED, 5), (axdr.UNSIGNED, 8), (axdr.UNSIGNED, arc),
                             (axdr.UNSIGNED, last)])


class AssociationLN(CosemObject):
    """Class 15 version 1, the current association (0.0.40.0.0.255)."""
    class_id = 15
    version = 1
    ATTRS = (R0, R0, R0, R0, R0, R0, HIDDEN, R0, R0)
    METHODS = (0, _NOBODY, _NOBODY, _NOBODY)  # reply_to_HLS_authentication: any level

    def read(self, attr, ctx):
        a, s = ctx.assoc, ctx.server  # the dlms.association.Association asking
        if attr == 2:
            return s.object_list(ctx.level)
        if attr == 3:
            return (axdr.STRUCTURE, [(axdr.INTEGER, a.sap), (axdr.LONG_UNSIGNED, s.logical_device)])
        if attr == 4:
            return _oid(a.context or _CONTEXT_LN, 1)
        if attr == 5:
            conf = a.conformance
            m = s.config.max_pdu
            return (axdr.STRUCTURE, [
                axdr.bit_string(24, bytes(((conf >> 16) & 0xFF, (conf >> 8) & 0xFF, conf & 0xFF))),
                (axdr.LONG_UNSIGNED, m), (axdr.LONG_UNSIGNED, a.client_max_pdu or m),
                (axdr.UNSIGNED, 6), (axdr.INTEGER, 0), (axdr.OCTET_STRING, b"")])
        if attr == 6:
            return _oid(a.mechanism or 0, 2)
        if attr == 8:
            return (axdr.ENUM, 2 if a.state == _ASSOCIATED else 1)
        if attr == 9:
            return (axdr.OCTET_STRING, s.security_setup_ln)
        raise AccessError(_READ_WRITE_DENIED)

    def invoke(self, method, param, ctx):
        # reply_to_HLS_authentication (dlms.md 6.3): the association checks
        # f(StoC) and answers f(CtoS) itself while authenticating
        # (dlms.association); one that reaches the object is out of turn.
        expect(param, axdr.OCTET_STRING)
        raise AccessError(_OTHER_REASON)
