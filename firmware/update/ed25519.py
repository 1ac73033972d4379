# Ed25519 signature verification (RFC 8032 5.1, PureEdDSA) in portable
# Python on the interpreter's big ints: the meter checks a firmware image's
# signature with the manufacturer's public key (docs/update.md). Verification
# only: the meter never signs. Loaded only while an image is being verified.
#
# verify_steps() does the work in slices, so the meter keeps serving and
# feeding its watchdog while it verifies (a whole check takes tens of
# milliseconds on a PC and seconds on an RP2040: docs/update.md).
#
# Field elements are kept below 2^256, reduced modulo p = 2^255 - 19 by
# folding (2^255 = 19 mod p) and fully only for the final encoding. Points
# are extended twisted Edwards coordinates (X, Y, Z, T), x = X/Z, y = Y/Z,
# x*y = T/Z, with the addition and doubling formulas of RFC 8032 5.1.4.
from update.sha512 import sha512

_P = (1 << 255) - 19
_M = (1 << 255) - 1
_P4 = 4 * _P  # added before a subtraction: operands are < 2^256 < 4p
_L = (1 << 252) + 27742317777372353535851937790883648493  # the group order (RFC 8032 5.1)
_D = -121665 * pow(121666, _P - 2, _P) % _P  # the curve constant d
_D2 = 2 * _D % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)  # a square root of -1


def _mul(a, b):
    x = a * b
    x = (x & _M) + 19 * (x >> 255)
    return (x & _M) + 19 * (x >> 255)


def _add(p, q):
    x1, y1, z1, t1 = p
    x2, y2, z2, t2 = q
    a = _mul(y1 + _P4 - x1, y2 + _P4 - x2)
    b = _mul(y1 + x1, y2 + x2)
    c = _mul(_mul(t1, _D2), t2)
    d = _mul(2 * z1, z2)
    e, f, g, h = b + _P4 - a, d + _P4 - c, d + c, b + a
    return _mul(e, f), _mul(g, h), _mul(f, g), _mul(e, h)


def _double(p):
    x1, y1, z1 = p[0], p[1], p[2]
    a = _mul(x1, x1)
    b = _mul(y1, y1)
    c = 2 * _mul(z1, z1)
    h = a + b
    s = x1 + y1
    e = h + _P4 - _mul(s, s)
    g = a + _P4 - b
    f = c + g
    return _mul(e, f), _mul(g, h), _mul(f, g), _mul(e, h)


def _decode(b):
    """A 32-byte point encoding -> extended point, or None (RFC 8032 5.1.3)."""
    if len(b) != 32:
        return None
    y = int.from_bytes(b, "little")
    sign = y >> 255
    y &= _M
    if y >= _P:
        return None
    u = (y * y - 1) % _P
    v = (_D * y * y + 1) % _P
    v3 = v * v * v % _P
    x = u * v3 * pow(u * v3 * v3 * v % _P, (_P - 5) // 8, _P) % _P
    vxx = v * x * x % _P
    if vxx != u:
        if vxx != _P - u:
            return None
        x = x * _SQRT_M1 % _P
    if x == 0 and sign:
        return None
    if x & 1 != sign:
        x = _P - x
    return x, y, 1, x * y % _P


def _encode(p):
    x, y, z = p[0], p[1], p[2]
    zi = pow(z, _P - 2, _P)
    x = x * zi % _P
    y = y * zi % _P
    return (y | (x & 1) << 255).to_bytes(32, "little")


_B = None  # the base point, decoded on first use (RFC 8032 5.1: y = 4/5, x even)


def verify_steps(public_key, message, signature, bits=32):
    """Check `signature` (64 bytes) of `message` under `public_key` (32
    bytes). A generator: yields None after each slice of `bits` double-and-add
    steps, then once True (valid) or False (anything else)."""
    global _B
    if len(signature) != 64:
        yield False
        return
    a = _decode(bytes(public_key))
    s = int.from_bytes(bytes(signature[32:]), "little")
    if a is None or s >= _L:  # S must be canonical (RFC 8032 5.1.7 step 1)
        yield False
        return
    r = bytes(signature[:32])
    h = int.from_bytes(sha512(r + bytes(public_key) + bytes(message)), "little") % _L
    if _B is None:
        _B = _decode((4 * pow(5, _P - 2, _P) % _P).to_bytes(32, "little"))
    yield None
    # [S]B - [h]A by joint double-and-add (Straus-Shamir); RFC 8032 5.1.7 step 3
    # with the check done as encode([S]B - [h]A) == R
    na = (_P - a[0], a[1], a[2], _P - a[3])
    table = (None, _B, na, _add(_B, na))
    q = (0, 1, 1, 0)  # the neutral element
    for i in range(255, -1, -1):
        q = _double(q)
        j = (s >> i & 1) | (h >> i & 1) << 1
        if j:
            q = _add(q, table[j])
        if i % bits == 0:
            yield None
    yield _encode(q) == r


def verify(public_key, message, signature):
    """True when `signature` is a valid Ed25519 signature of `message`."""
    for result in verify_steps(public_key, message, signature):
        if result is not None:
            return result
