# Amount codecs, integer arithmetic only.
#   16-bit field (TransferAmount, MPL, MPPUL), sts.md 4.3 (IEC 62055-41 6.3.6):
#     e = bits 15..14, m = bits 13..0, value = m*10^e + sum_{i=1..e} 2^14*10^(i-1)
#   20-bit currency field (class 0 sub-classes 4..7), sts.md 3.1:
#     sign(1) | e(5) | m(14), same formula with e in 0..31, units of 1e-5.
# Encoding rounds up, "in favour of the customer" (IECtr 6.3.6): vending's,
# not the meter's, so encode and currency_encode are sts.amount_encode's,
# loaded on first use (module __getattr__ below).

MAX_UNITS = 18201624  # 0xFFFF
OFFSETS = (0, 16384, 180224, 1818624)  # sum_{i=1..e} 2^14*10^(i-1), e = 0..3
POWERS = (1, 10, 100, 1000)


def decode(field):
    """16-bit amount field -> units (0.1 kWh, W, ...)."""
    e = (field >> 14) & 3
    return (field & 0x3FFF) * POWERS[e] + OFFSETS[e]


def offset(e):
    # sum_{n=1..e} 2^14 * 10^(n-1) = 16384 * (10^e - 1) / 9
    return 16384 * (10 ** e - 1) // 9


def currency_decode(field):
    """20-bit currency field -> signed units of 1e-5 currency (sts.md 3.1)."""
    e = (field >> 14) & 31
    v = (field & 0x3FFF) * 10 ** e + offset(e)
    return -v if (field >> 19) & 1 else v


def __getattr__(name):
    from sts import amount_encode  # encode, currency_encode: the vending side
    return getattr(amount_encode, name)
