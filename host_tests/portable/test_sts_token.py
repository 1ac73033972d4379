# Portable: field parsing (sts.md 3), amounts (4.3, 3.1) and TID dates (4.2) against the vectors.
from sts import amount, tid, token
from sts.errors import FormatError
import vectors
from stshelp import key_of, ea_of, num


def test_amount_vectors_encode_and_decode():
    n = 0
    for row in vectors.rows("amount"):
        f = vectors.fields(row)
        field = int(row["amount_field_hex"], 16)
        assert amount.encode(int(row["amount_units"])) == field, row["id"]
        assert amount.decode(field) == int(f["decoded_units"]), row["id"]
        assert field >> 14 == int(f["exponent"]) and field & 0x3FFF == int(f["mantissa"])
        n += 1
    assert n == 12


def test_amount_encoding_rounds_up_and_is_tight():
    for units in list(range(0, 40000, 37)) + [180214, 180215, 180224, 1818524, 1818525, 18201623]:
        f = amount.encode(units)
        v = amount.decode(f)
        assert v >= units
        if f & 0x3FFF:  # one mantissa step less would be below the request
            assert amount.decode(f - 1) < units


def test_amount_out_of_range_is_refused():
    for bad in (-1, 18201625):
        try:
            amount.encode(bad)
        except ValueError:
            continue
        assert False, bad


def test_currency_codec():
    # sts.md 3.1: value = m*10^e + sum 2^14*10^(n-1)
    assert amount.currency_decode(0) == 0
    assert amount.currency_decode(0x3FFF) == 16383
    assert amount.currency_decode(1 << 14) == 16384
    assert amount.currency_decode((1 << 19) | 5) == -5
    for units in (0, 1, 16383, 16384, 99999, 12345678, 10 ** 12, -250000):
        f = amount.currency_encode(units)
        v = amount.currency_decode(f)
        assert (v >= units) if units >= 0 else (v <= units), units
        assert f < 1 << 20


def test_tid_dates_of_every_vector():
    n = 0
    for row in vectors.rows("token"):
        f = vectors.fields(row)
        if row["tid"] and "time" in f:
            assert tid.format_date(int(row["base_date"]), int(row["tid"])) == f["time"], row["id"]
            y, mo, d, hh, mm = tid.to_date(int(row["base_date"]), int(row["tid"]))
            assert tid.from_date(int(row["base_date"]), y, mo, d, hh, mm) == int(row["tid"])
            n += 1
    assert n == 79


def test_tid_base_dates_and_rollover():
    assert tid.format_date(1993, 0) == "1993-01-01 00:00"
    assert tid.format_date(2014, 0) == "2014-01-01 00:00"
    assert tid.format_date(2035, 0) == "2035-01-01 00:00"
    # sts.md 4.2: the 1993 epoch rolled over on 2024-11-24 20:15, 2014's on 2045-11-24 20:15
    assert tid.format_date(1993, 0xFFFFFF) == "2024-11-24 20:15"
    assert tid.format_date(2014, 0xFFFFFF) == "2045-11-24 20:15"
    assert tid.format_date(1993, 12593749) == "2016-12-11 15:49"  # STSA TID page (crc-002)
    for bad in ((1993, 2024, 11, 24, 20, 16), (2014, 2013, 12, 31, 23, 59), (2000, 2001, 1, 1, 0, 0)):
        try:
            tid.from_date(*bad)
        except ValueError:
            continue
        assert False, bad
    assert tid.is_stid(tid.from_date(1993, 2004, 3, 29, 0, 1))
    assert not tid.is_stid(tid.from_date(1993, 2004, 3, 29, 0, 2))


def test_tid_of_a_day_the_calendar_does_not_have_is_refused():
    # issue 12: 2026-02-30 used to give the TID of 2026-03-02
    assert tid.format_date(2014, tid.from_date(2014, 2024, 2, 29, 10, 0)) == "2024-02-29 10:00"
    assert tid.format_date(2014, tid.from_date(2014, 2026, 4, 30, 0, 0)) == "2026-04-30 00:00"
    for y, m, d in ((2026, 2, 30), (2026, 2, 29), (2100, 2, 29), (2026, 4, 31), (2026, 6, 31),
                    (2026, 1, 0), (2026, 13, 1)):
        try:
            tid.from_date(2014, y, m, d, 10, 0)
        except ValueError as e:
            assert "date" in str(e), e
            continue
        assert False, (y, m, d)


def test_every_token_decodes_to_its_plain_block_and_fields():
    n = 0
    for row in vectors.rows("token"):
        tok, crc_ok = token.decode(row["token"], ea_of(row), key_of(row))
        assert crc_ok, row["id"]
        assert tok.cls == int(row["token_class"]) and tok.subclass == int(row["subclass"])
        assert tok.plain_hex() == row["plain_block_hex"], row["id"]
        assert tok.tid == (int(row["tid"]) if row["tid"] else None), row["id"]
        checked = 0
        for k, v in vectors.fields(row).items():
            if k in tok.fields:
                assert tok.fields[k] == num(v), (row["id"], k, v, tok.fields[k])
                checked += 1
        assert checked >= 2, row["id"]
        n += 1
    assert n == 123


def test_kct_and_set_flag_fields():
    from sts import vend
    b = vend.kct_block(3, ken=0xA5, krn=7, ro=1, kt=3, key_word=0xDEADBEEF)
    t = token.from_words(2, b >> 48, (b >> 32) & 0xFFFF, (b >> 16) & 0xFFFF, b & 0xFFFF)
    assert t.fields == {"kenho": 0xA, "new_krn": 7, "ro": 1, "res": 0, "new_kt": 3, "nkho": 0xDEADBEEF}
    b = vend.kct_block(9, sgc=0x01E241, key_word=0x01020304)
    t = token.from_words(2, b >> 48, (b >> 32) & 0xFFFF, (b >> 16) & 0xFFFF, b & 0xFFFF)
    assert t.fields == {"sgc_bits_23_12": 0x01E, "key_bytes_8_11": 0x01020304}
    b = vend.vend_block(2, 10, tid=99, field=vend.set_flag_field(2, 1))
    t = token.from_words(2, b >> 48, (b >> 32) & 0xFFFF, (b >> 16) & 0xFFFF, b & 0xFFFF)
    assert (t.fields["index"], t.fields["flag_index"], t.fields["flag_value"], t.tid) == (63, 2, 1, 99)
    b = vend.vend_block(0, 4, tid=5, value=250000)
    t = token.from_words(0, b >> 48, (b >> 32) & 0xFFFF, (b >> 16) & 0xFFFF, b & 0xFFFF)
    assert t.fields["amount_units"] >= 250000 and t.fields["sign"] == 0 and t.tid == 5


def test_decode_refuses_what_is_not_a_token():
    for text in ("", "1234", "2905434713930985135x", "73786976294838206464"):
        try:
            token.decode(text, 7, bytes(8))
        except FormatError:
            continue
        assert False, text
    try:
        token.decode("29054347139309851356", 7, None)  # class 0 needs a key
    except ValueError:
        pass
    else:
        assert False
