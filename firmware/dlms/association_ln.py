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
        a = ctx.association
        if attr == 2:
            return ctx.server.object_list(ctx.level)
        if attr == 3:
            return (axdr.STRUCTURE, [(axdr.INTEGER, a.client_sap), (axdr.LONG_UNSIGNED, a.server_sap)])
        if attr == 4:
            return _oid(a.context_id, 1)
        if attr == 5:
            conf = a.conformance
            return (axdr.STRUCTURE, [
                axdr.bit_string(24, bytes(((conf >> 16) & 0xFF, (conf >> 8) & 0xFF, conf & 0xFF))),
                (axdr.LONG_UNSIGNED, a.max_receive_pdu), (axdr.LONG_UNSIGNED, a.max_send_pdu),
                (axdr.UNSIGNED, 6), (axdr.INTEGER, 0), (axdr.OCTET_STRING, b"")])
        if attr == 6:
            return _oid(a.mechanism, 2)
        if attr == 8:
            return (axdr.ENUM, 2 if a.associated else 1)
        if attr == 9:
            return (axdr.OCTET_STRING, ctx.server.security_setup_ln)
        raise AccessError(_READ_WRITE_DENIED)

    def invoke(self, method, param, ctx):
        # reply_to_HLS_authentication (dlms.md 6.3): the association checks f(StoC)
        # and answers f(CtoS); a wrong reply leaves it unassociated.
        b = expect(param, axdr.OCTET_STRING)
        reply = ctx.association.reply_to_hls(bytes(b))
        if reply is None:
            raise AccessError(_OTHER_REASON)
        return (axdr.OCTET_STRING, reply)
