# Security suite 0 (AES-GCM-128) APDU protection and authentication,
# dlms.md section 6.
#
#   glo-xxx / ded-xxx          tag | len | SC | IC(4) | payload
#   general-glo/ded-ciphering  DB/DC | 08 | system title(8) | len | SC | IC(4) | payload
#
# payload: ciphertext || tag(12) when SC has A and E, plaintext || tag(12) with
# A only, ciphertext with E only. IV = sender's system title || IC; AAD =
# SC || AK (|| plaintext when A only). HLS-GMAC f() values, dlms.md 6.3.

from builtins import len  # module globals: a builtin is found by a linear search
from struct import pack
from compat import const
from dlms import gcm
from dlms.axdr import DecodeError, get_length, put_length

# exception-response service errors: xdlms's (dlms.md 5.2)
_SERVICE_OPERATION_NOT_POSSIBLE = const(1)  # xdlms.SERVICE_OPERATION_NOT_POSSIBLE
_SERVICE_NOT_SUPPORTED = const(2)  # xdlms.SERVICE_NOT_SUPPORTED
_SERVICE_DECIPHERING_ERROR = const(5)  # xdlms.SERVICE_DECIPHERING_ERROR
_SERVICE_INVOCATION_COUNTER_ERROR = const(6)  # xdlms.SERVICE_INVOCATION_COUNTER_ERROR

SC_AUTHENTICATED = const(0x10)
SC_ENCRYPTED = const(0x20)
_SC_BROADCAST_KEY = const(0x40)
_SC_COMPRESSED = const(0x80)
_SC_SUITE_MASK = const(0x0F)

_TAG_LEN = const(12)

FORM_GLO = const(1)
FORM_DED = const(2)
FORM_GENERAL_GLO = const(3)
FORM_GENERAL_DED = const(4)

_GENERAL_GLO_CIPHERING = const(0xDB)
_GENERAL_DED_CIPHERING = const(0xDC)

# The plain xDLMS APDUs with a ciphered form, dlms.md 6.1: initiate-request
# and -response (glo only: tag + 0x20), get-, set-request, event-notification,
# action-request, get-, set-, action-response (glo: tag + 8, ded: tag + 0x10).
# Bytes, not a dict of tuples (about 1 KB on the 64-bit port).
_PLAIN = b"\x01\x08\xc0\xc1\xc2\xc3\xc4\xc5\xc7"
_GLO = b"\x21\x28\xc8\xc9\xca\xcb\xcc\xcd\xcf"
_DED = b"\xd0\xd1\xd2\xd3\xd4\xd5\xd7"


def is_protected(tag):
    return tag in _GLO or tag in _DED or tag == _GENERAL_GLO_CIPHERING or tag == _GENERAL_DED_CIPHERING


class Protected:
    """A parsed protected APDU (before deciphering)."""

    def __init__(self, form, tag, plain_tag, system_title, sc, ic, payload):
        self.form = form
        self.tag = tag
        self.plain_tag = plain_tag        # None for the general forms
        self.system_title = system_title  # general forms only
        self.sc = sc
        self.ic = ic
        self.payload = payload


def parse(apdu):
    """Split a protected APDU into its header fields; raises DecodeError."""
    n = len(apdu)
    if n < 2:
        raise DecodeError("protected APDU too short")
    tag = apdu[0]
    title = None
    pos = 1
    if tag == _GENERAL_GLO_CIPHERING or tag == _GENERAL_DED_CIPHERING:
        form = FORM_GENERAL_GLO if tag == _GENERAL_GLO_CIPHERING else FORM_GENERAL_DED
        plain_tag = None
        tlen, pos = get_length(apdu, pos)
        if tlen != 8:
            raise DecodeError("system title is 8 bytes")
        title = bytes(apdu[pos:pos + 8])
        pos += 8
    elif tag in _GLO:
        form, plain_tag = FORM_GLO, tag - (0x20 if tag < 0x30 else 8)
    elif tag in _DED:
        form, plain_tag = FORM_DED, tag - 0x10
    else:
        raise DecodeError("not a ciphered APDU")
    ln, pos = get_length(apdu, pos)
    if pos + ln != n:
        raise DecodeError("ciphered length mismatch")
    if ln < 5:
        raise DecodeError("security header truncated")
    sc = apdu[pos]
    ic = (apdu[pos + 1] << 24) | (apdu[pos + 2] << 16) | (apdu[pos + 3] << 8) | apdu[pos + 4]
    return Protected(form, tag, plain_tag, title, sc, ic, bytes(apdu[pos + 5:n]))


def _iv(system_title, ic):
    if len(system_title) != 8:  # pack would pad or cut it
        raise ValueError("system title is 8 bytes")
    return pack(">8sI", system_title, ic)


def decipher(p, cipher, ak, system_title):
    """Check and decipher a parsed APDU with a Gcm for the right key.
    Returns the plaintext APDU; raises gcm.AuthenticationError or DecodeError."""
    sc = p.sc
    if sc & (_SC_SUITE_MASK | _SC_COMPRESSED | _SC_BROADCAST_KEY):
        raise DecodeError("unsupported security control")
    iv = _iv(system_title, p.ic)
    body = memoryview(p.payload)
    head = bytes((sc,)) + ak
    if sc & SC_AUTHENTICATED:
        if len(body) < _TAG_LEN:
            raise DecodeError("tag missing")
        data, tag = body[:-_TAG_LEN], body[-_TAG_LEN:]
        if sc & SC_ENCRYPTED:
            return cipher.decrypt(iv, data, head, tag)
        if not gcm.equal(cipher.gmac(iv, head + data, _TAG_LEN), tag):
            raise gcm.AuthenticationError("tag mismatch")
        return bytes(data)
    if sc & SC_ENCRYPTED:
        return cipher.ctr(iv, body)
    raise DecodeError("security control without protection")


def wrap(plain, form, sc, ic, cipher, ak, system_title):
    """A whole protected APDU for `plain` in the given form (dlms.md 6.1):
    tag, length, then SC || IC || the protected payload."""
    if form == FORM_GENERAL_GLO or form == FORM_GENERAL_DED:
        out = bytearray((_GENERAL_GLO_CIPHERING if form == FORM_GENERAL_GLO
                         else _GENERAL_DED_CIPHERING, 8))
        out.extend(system_title)
    else:
        t = plain[0]
        if t not in _PLAIN or (form != FORM_GLO and t < 0xC0):
            raise ValueError("no ciphered form for this APDU")
        out = bytearray((t + (0x10 if form != FORM_GLO else 0x20 if t < 0x10 else 8),))
    iv = _iv(system_title, ic)
    head = bytes((sc,)) + ak
    if sc & SC_AUTHENTICATED:
        if sc & SC_ENCRYPTED:
            body, tag = cipher.encrypt(iv, plain, head, _TAG_LEN)
        else:
            body, tag = plain, cipher.gmac(iv, head + bytes(plain), _TAG_LEN)
    elif sc & SC_ENCRYPTED:
        body, tag = cipher.ctr(iv, plain), b""
    else:
        raise ValueError("security control without protection")
    put_length(out, 5 + len(body) + len(tag))
    out.append(sc)
    out.extend(iv[8:12])
    out.extend(body)
    out.extend(tag)
    return bytes(out)


# ---- checking a client's protected APDU, dlms.md 6.1-6.2 ----

AUTHENTICATION_FAILED = const(0x80)  # unprotect(): the GCM tag did not verify (a wrong key)


def unprotect(apdu, keys, policy, title, plain_tags, dedicated=None):
    """Check and decipher a protected APDU from a client whose key set is
    `keys` (keystore.KeySet), whose requests must carry the SC bits `policy`
    and whose system title is `title` (None: take it from a general form).
    plain_tags: the plaintext APDUs allowed; dedicated: the Gcm of the
    dedicated key or None. Returns (plaintext, Protected), or a refusal: an
    xdlms SERVICE_* code or AUTHENTICATION_FAILED. Changes nothing: the
    caller accepts the IC. Raises DecodeError for a malformed header."""
    p = parse(apdu)
    if p.plain_tag is not None and p.plain_tag not in plain_tags:
        return _SERVICE_NOT_SUPPORTED
    if p.system_title is not None:
        if title is not None and p.system_title != title:
            return _SERVICE_DECIPHERING_ERROR
        title = p.system_title
    if title is None:
        return _SERVICE_DECIPHERING_ERROR
    if p.sc & policy != policy:  # weaker protection than the client's security policy
        return _SERVICE_OPERATION_NOT_POSSIBLE
    if not keys.fresh(p.ic):
        return _SERVICE_INVOCATION_COUNTER_ERROR
    cipher = dedicated if p.form == FORM_DED or p.form == FORM_GENERAL_DED else keys.cipher()
    if cipher is None:
        return _SERVICE_DECIPHERING_ERROR
    try:
        plain = decipher(p, cipher, keys.ak, title)
    except gcm.AuthenticationError:
        return AUTHENTICATION_FAILED
    except DecodeError:
        return _SERVICE_DECIPHERING_ERROR
    if not plain or (p.plain_tag is not None and plain[0] != p.plain_tag) or plain[0] not in plain_tags:
        return _SERVICE_DECIPHERING_ERROR
    return plain, p


# ---- HLS-GMAC (mechanism 5), dlms.md 6.3 ----

def hls_f(cipher, ak, system_title, ic, challenge, sc=SC_AUTHENTICATED):
    """f(challenge) = SC || IC || GMAC(IV = title || IC, AAD = SC || AK || challenge)."""
    iv = _iv(system_title, ic)
    tag = cipher.gmac(iv, bytes((sc,)) + bytes(ak) + bytes(challenge), _TAG_LEN)
    return bytes((sc,)) + iv[8:12] + tag


def hls_check(cipher, ak, system_title, f, challenge):
    """Verify a peer's f(challenge); the IC is the one carried inside f."""
    if len(f) != 5 + _TAG_LEN or f[0] != SC_AUTHENTICATED:
        return False
    ic = (f[1] << 24) | (f[2] << 16) | (f[3] << 8) | f[4]
    return gcm.equal(hls_f(cipher, ak, system_title, ic, challenge), f)


# ---- LLS (mechanism 1), dlms.md 6.4 ----

def lls_check(secret, given):
    return given is not None and gcm.equal(bytes(secret), bytes(given))
