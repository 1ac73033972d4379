# The amount encoders of sts.amount (sts.md 4.3, 3.1): units -> field, for
# vending (sts.vend), the tools and the tests; the meter only decodes.
# amount.encode / amount.currency_encode load this module on first use.
from sts.amount import MAX_UNITS, OFFSETS, POWERS, offset


def encode(units):
    """Units -> 16-bit field: smallest exponent, mantissa rounded up."""
    if units < 0 or units > MAX_UNITS:
        raise ValueError("amount out of range 0..%d units" % MAX_UNITS)
    for e in range(4):
        p = POWERS[e]
        m = (units - OFFSETS[e] + p - 1) // p
        if m <= 0x3FFF:
            return (e << 14) | m
    raise ValueError("amount out of range")  # not reached


def currency_encode(units):
    """Signed units of 1e-5 currency -> 20-bit field, magnitude rounded up."""
    sign = 0
    if units < 0:
        sign = 1
        units = -units
    for e in range(32):
        p = 10 ** e
        m = (units - offset(e) + p - 1) // p
        if m <= 0x3FFF:
            return (sign << 19) | (e << 14) | max(m, 0)
    raise ValueError("currency amount out of range")
