# Amount codecs, integer arithmetic only.
#   16-bit field (TransferAmount, MPL, MPPUL), sts.md 4.3 (IEC 62055-41 6.3.6):
#     e = bits 15..14, m = bits 13..0, value = m*10^e + sum_{i=1..e} 2^14*10^(i-1)
#   20-bit currency field (class 0 sub-classes 4..7), sts.md 3.1:
#     sign(1) | e(5) | m(14), same formula with e in 0..31, units of 1e-5.
# Encoding rounds up, "in favour of the customer" (IECtr 6.3.6).

MAX_UNITS = 18201624  # 0xFFFF
_OFFSET = (0, 16384, 180224, 1818624)
_POW = (1, 10, 100, 1000)


def decode(field):
    """16-bit amount field -> units (0.1 kWh, W, ...)."""
    e = (field >> 14) & 3
    return (field & 0x3FFF) * _POW[e] + _OFFSET[e]


def encode(units):
    """Units -> 16-bit field: smallest exponent, mantissa rounded up."""
    if units < 0 or units > MAX_UNITS:
        raise ValueError("amount out of range 0..%d units" % MAX_UNITS)
    for e in range(4):
        p = _POW[e]
        m = (units - _OFFSET[e] + p - 1) // p
        if m <= 0x3FFF:
            return (e << 14) | m
    raise ValueError("amount out of range")  # not reached


def _offset(e):
    # sum_{n=1..e} 2^14 * 10^(n-1) = 16384 * (10^e - 1) / 9
    return 16384 * (10 ** e - 1) // 9


def currency_decode(field):
    """20-bit currency field -> signed units of 1e-5 currency (sts.md 3.1)."""
    e = (field >> 14) & 31
    v = (field & 0x3FFF) * 10 ** e + _offset(e)
    return -v if (field >> 19) & 1 else v


def currency_encode(units):
    """Signed units of 1e-5 currency -> 20-bit field, magnitude rounded up."""
    sign = 0
    if units < 0:
        sign = 1
        units = -units
    for e in range(32):
        p = 10 ** e
        m = (units - _offset(e) + p - 1) // p
        if m <= 0x3FFF:
            return (sign << 19) | (e << 14) | max(m, 0)
    raise ValueError("currency amount out of range")
