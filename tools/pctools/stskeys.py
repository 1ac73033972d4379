"""Decoder key generation, vending / key-management side (sts.md 8). CPython.

DKGA02 (EA07, 64-bit): X = PANBlock ^ ControlBlock; DK = DES(VK, X) ^ X ^ VK.
DKGA04 (STS Ed 2, 64- or 128-bit): first 8/16 bytes of HMAC-SHA-256(VK, M) with
the NectarAPI framing of M (sts.md 8; the PYS variant without the two item
count bytes is not reproduced by any vector).
Keys are returned as bytes in the spec's byte order (sts.md 1).
"""
import hashlib
import hmac

BASE_DATE_CODES = {1993: "93", 2014: "14", 2035: "35"}


def _digits(s, n, what):
    s = str(s)
    if len(s) != n or not s.isdigit():
        raise ValueError("%s must be %d digits" % (what, n))
    return s


def pan_block(pan, kt):
    """16 nibbles: MeterPAN digits 2..17; DRN zeroed for KT 3 (DCTK)."""
    pan = _digits(pan, 18, "MeterPAN")
    block = pan[1:17]
    if kt == 3:
        iin = 6 if pan.startswith("600727") else 4
        block = block[:iin - 1] + "0" * (16 - (iin - 1))
    return bytes.fromhex(block)


def control_block(kt, sgc, ti, krn):
    """16 nibbles: KT | SGC (6) | TI (2) | KRN | FFFFFF."""
    if not (0 <= kt <= 3 and 0 <= sgc <= 999999 and 0 <= ti <= 99 and 0 <= krn <= 9):
        raise ValueError("KT 0..3, SGC 6 digits, TI 0..99, KRN 0..9")
    return bytes.fromhex("%d%06d%02d%dFFFFFF" % (kt, sgc, ti, krn))


def dkga02(vending_key, pan, kt, sgc, ti, krn):
    from Crypto.Cipher import DES
    vk = bytes(vending_key)
    if len(vk) != 8:
        raise ValueError("DKGA02 vending key must be 8 bytes")
    x = bytes(a ^ b for a, b in zip(pan_block(pan, kt), control_block(kt, sgc, ti, krn)))
    e = DES.new(vk, DES.MODE_ECB).encrypt(x)
    return bytes(a ^ b ^ c for a, b, c in zip(e, x, vk))


def _lv(text):
    b = text.encode("ascii")
    return bytes([len(b)]) + b


def dkga04_message(pan, kt, sgc, ti, krn, ea, base_date):
    if base_date not in BASE_DATE_CODES:
        raise ValueError("base date must be 1993, 2014 or 2035")
    if ea not in (7, 11):
        raise ValueError("EA must be 07 or 11")
    pan = _digits(pan, 18, "MeterPAN")
    bits = 64 if ea == 7 else 128
    return (b"\x04" + _lv("04") + _lv(BASE_DATE_CODES[base_date]) + _lv("%02d" % ea)
            + _lv("%02d" % ti) + b"\x00" + b"\x04" + _lv("%06d" % sgc) + _lv("%X" % kt)
            + _lv("%X" % krn) + _lv(pan) + bits.to_bytes(4, "big"))


def dkga04(vending_key, pan, kt, sgc, ti, krn, ea, base_date):
    m = dkga04_message(pan, kt, sgc, ti, krn, ea, base_date)
    mac = hmac.new(bytes(vending_key), m, hashlib.sha256).digest()
    return mac[:8] if ea == 7 else mac[:16]


def luhn_digit(digits):
    """The Luhn check digit for a string of decimal digits (the DRN and the
    MeterPAN end with one, sts.md 4.4)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 == 0 else 1)  # the rightmost digit and every second one
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)


def pan_of(drn):
    """MeterPAN of a DRN: IIN 600727 for an 11-digit DRN, 0000 for a 13-digit
    one, then the Luhn check digit (sts.md 4.4)."""
    body = ("600727" if len(drn) == 11 else "0000") + drn
    return body + luhn_digit(body)
