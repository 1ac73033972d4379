# Portable: bad input gives the documented result code (docs/sts.md), never an exception,
# and never a new state.
from sts import processor, vend, carrier
import vocab
from sts.state import StsState
from sts.settings import Settings

KEY = bytes.fromhex("0abc12def3456789")
GOOD = "29054347139309851356"  # IEC example: class 0, 25.6 kWh, TID 1698595


def _code(text, st=None, settings=None):
    st = st or StsState(7, KEY)
    before = st.to_record()
    d = processor.process(st, text, settings=settings)
    assert st.to_record() == before
    if d.result != vocab.ACCEPT:
        assert d.effect is None and d.state is None
    return d.result


def test_the_good_token_is_accepted():
    assert _code(GOOD) == vocab.ACCEPT


def test_not_twenty_digits_is_a_format_error():
    for text in ("", " ", "2905434713930985135", "290543471393098513560", "2905434713930985135x",
                 "2905434713930985135\u0660", "29054347139309851356\n", "+2905434713930985135",
                 "0x1234567890123456789", "２９０５４３４７１３９３０９８５１３５６"):
        assert _code(text) == vocab.FORMAT, repr(text)


def test_not_text_is_a_format_error():
    for thing in (None, 29054347139309851356, 3.5, [1, 2], b"\xff" * 20):
        assert _code(thing) == vocab.FORMAT, repr(thing)
    assert _code(GOOD.encode()) == vocab.ACCEPT  # bytes of digits are fine


def test_at_or_above_2_pow_66_is_a_format_error():
    for text in ("73786976294838206464", "73786976294838206465", "99999999999999999999"):
        assert _code(text) == vocab.FORMAT


def test_class_3_is_a_format_error_by_default():
    t = carrier.format_token(3, 0x0123456789ABCDEF)
    assert _code(t) == vocab.FORMAT
    assert _code(t, settings=Settings(class3_result=vocab.FUNCTION)) == vocab.FUNCTION


def test_unknown_subclasses_are_function_errors():
    for cls, sub in ((0, 8), (0, 15), (2, 11), (2, 12), (2, 15), (1, 2), (1, 15)):
        kw = {"control": 1} if cls == 1 else {"tid": 1698595, "value": 1}
        t = vend.vend(7, KEY, cls, sub, **kw)
        assert _code(t) == vocab.FUNCTION, (cls, sub)


def test_wrong_key_is_a_crc_error():
    assert _code(GOOD, StsState(7, bytes.fromhex("0abc12def3456788"))) == vocab.CRC
    assert _code(GOOD, StsState(11, bytes(16))) == vocab.CRC


def test_every_single_flipped_digit_is_rejected():
    for pos in range(20):
        for delta in range(1, 10):
            bad = GOOD[:pos] + str((int(GOOD[pos]) + delta) % 10) + GOOD[pos + 1:]
            code = _code(bad)
            # a 16-bit CRC lets ~1 in 65536 random blocks through; none of these does
            assert code in (vocab.CRC, vocab.FORMAT), (pos, delta, code)


def test_swapped_neighbours_are_rejected():
    for pos in range(19):
        if GOOD[pos] != GOOD[pos + 1]:
            bad = GOOD[:pos] + GOOD[pos + 1] + GOOD[pos] + GOOD[pos + 2:]
            assert _code(bad) in (vocab.CRC, vocab.FORMAT), pos


def test_a_broken_state_gives_a_reject_not_an_exception():
    st = StsState(7, KEY)
    st.key = b"short"
    assert processor.process(st, GOOD).result == vocab.FORMAT
    assert processor.process(None, GOOD).result == vocab.FORMAT
    assert processor.process(st, GOOD, settings="nonsense").result == vocab.FORMAT


def test_state_refuses_bad_values():
    for kw in ({"ea": 9, "key": KEY}, {"ea": 7, "key": bytes(16)}, {"ea": 11, "key": KEY},
               {"ea": 7, "key": KEY, "base_date": 2000}, {"ea": 7, "key": KEY, "drn": "123"},
               {"ea": 7, "key": KEY, "kt": 4}, {"ea": 7, "key": KEY, "drn": "1234567890x"}):
        try:
            StsState(**kw)
        except ValueError:
            continue
        assert False, kw
