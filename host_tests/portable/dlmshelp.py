# Helpers shared by the portable association tests.
from dlms import acse, association
import provision

STOC = bytes((0x91, 0xC8, 0xE4, 0x72, 0x39, 0x1C, 0x8E, 0x47, 0xA3, 0xD1, 0xE8, 0x74, 0xBA, 0xDD, 0x6E, 0x37))


def config(title=b"STS\x00\x00\x00\x00\x01"):
    cfg = provision.dlms_config(None, lambda n: STOC[:n])  # the development keys
    cfg.system_title = title
    return cfg


def exc(ev, state, service):
    return ev.kind == association.REPLY and ev.apdu[:3] == bytes((0xD8, state, service))


def aare_fields(aare):
    # (result, diagnostic, user-information) of an AARE we built
    assert aare[0] == 0x61 and aare[1] == len(aare) - 2
    f = {}
    for tag, s, e in acse._tlvs(aare, 2, len(aare)):
        f[tag] = aare[s:e]
    assert f[0xA2][:2] == b"\x02\x01" and f[0xA3][:4] == b"\xa1\x03\x02\x01"
    ui = f.get(0xBE)
    if ui is not None:
        assert ui[0] == 0x04 and ui[1] == len(ui) - 2
        ui = ui[2:]
    return f[0xA2][2], f[0xA3][4], ui


HLS_REPLY = bytes.fromhex("C301C1000F0000280000FF01010911")  # ACTION 15/method 1, f() follows
_INITIATE = bytes.fromhex("01000000065F1F0400401E5DFFFF")


def hls_aarq(cipher, ak, title, ic):
    """The captured HLS AARQ (dlms.md appendix B) with its glo-initiate-request
    protected under `cipher` (a Gcm of the EK) and `ak` at invocation counter ic."""
    from dlms import security
    from dlmsdata import apdu
    ui = security.wrap(_INITIATE, security.FORM_GLO, 0x30, ic, cipher, ak, title)
    q = apdu("aarq_hls")
    q = q[:-37] + bytes((0xBE, len(ui) + 2, 0x04, len(ui))) + ui
    return bytes((0x60, len(q) - 2)) + q[2:]


def hls_reply(cipher, ak, title, ic):
    """HLS pass 3 at ic: f(StoC) for the server's challenge STOC."""
    from dlms import security
    f = security.hls_f(cipher, ak, title, ic, STOC)
    return security.wrap(HLS_REPLY + f, security.FORM_GLO, 0x30, ic, cipher, ak, title)


def lls_aarq(password):
    """An LLS (mechanism 1) AARQ for the LN context with this password."""
    from dlmsdata import apdu, unhex
    ui = apdu("initiate_request")
    body = (unhex("A109060760857405080101 8A020780 8B0760857405080201") + b"\xac"
            + bytes((len(password) + 2, 0x80, len(password))) + password + b"\xbe"
            + bytes((len(ui) + 2, 0x04, len(ui))) + ui)
    return bytes((0x60, len(body))) + body
