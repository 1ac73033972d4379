"""Property tests (hypothesis, CPython) of the STS token engine (issue 3)."""
from hypothesis import given, settings, strategies as st, HealthCheck

from sts import processor, token, vend, carrier, amount
import vocab
from sts import effect as E
from sts.state import StsState, TID_MEMORY_SIZE
from sts.settings import Settings

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

keys7 = st.binary(min_size=8, max_size=8)
keys11 = st.binary(min_size=16, max_size=16)
tids = st.integers(0, 0xFFFFFF)


@st.composite
def any_token(draw):
    """(ea, key, cls, sub, kwargs for vend_block) over every class/sub-class."""
    ea = draw(st.sampled_from((7, 11)))
    key = draw(keys7 if ea == 7 else keys11)
    cls = draw(st.sampled_from((0, 1, 2)))
    sub = draw(st.integers(0, 15))
    if cls == 1:
        if sub == 0:
            kw = {"control": draw(st.integers(0, (1 << 36) - 1)), "mfrcode": draw(st.integers(0, 255))}
        elif sub == 1:
            kw = {"control": draw(st.integers(0, (1 << 28) - 1)), "mfrcode": draw(st.integers(0, 0xFFFF))}
        else:
            kw = {"control": draw(st.integers(0, (1 << 44) - 1))}
    elif cls == 2 and sub in vend.KCT_SUBCLASSES:
        kw = {"ken": draw(st.integers(0, 255)), "krn": draw(st.integers(0, 15)), "ro": draw(st.integers(0, 1)),
              "kt": draw(st.integers(0, 3)), "ti": draw(st.integers(0, 255)), "sgc": draw(st.integers(0, 2 ** 24 - 1)),
              "key_word": draw(st.integers(0, 2 ** 32 - 1))}
    elif cls == 0 and 4 <= sub <= 7:
        kw = {"tid": draw(tids), "field": draw(st.integers(0, 2 ** 20 - 1))}
    else:
        kw = {"tid": draw(tids), "rnd": draw(st.integers(0, 15)), "field": draw(st.integers(0, 0xFFFF))}
    return ea, key, cls, sub, kw


@SETTINGS
@given(any_token())
def test_vend_decode_round_trip(t):
    ea, key, cls, sub, kw = t
    block = vend.vend_block(cls, sub, **kw)
    text = vend.encode(ea, key, cls, block)
    assert len(text) == 20 and int(text) < 2 ** 66
    tok, crc_ok = token.decode(text, ea, key)
    assert crc_ok and tok.cls == cls and tok.subclass == sub and int(tok.plain_hex(), 16) == block
    f = tok.fields
    if "tid" in kw:
        assert tok.tid == kw["tid"]
    if cls == 1 and sub < 2:
        assert (f["control"], f["mfrcode"]) == (kw["control"], kw["mfrcode"])
    elif cls == 0 and 4 <= sub <= 7:
        assert f["currency_field"] == kw["field"]
        assert f["amount_units"] == amount.currency_decode(kw["field"])
    elif cls == 0:
        assert f["amount_field"] == kw["field"] and f["amount_units"] == amount.decode(kw["field"])
    elif cls == 2 and sub == 3:
        assert (f["kenho"], f["new_krn"], f["ro"], f["new_kt"], f["nkho"]) == (
            kw["ken"] >> 4, kw["krn"], kw["ro"], kw["kt"], kw["key_word"])
    elif cls == 2 and sub == 4:
        assert (f["kenlo"], f["new_ti"], f["nklo"]) == (kw["ken"] & 15, kw["ti"], kw["key_word"])


@SETTINGS
@given(st.integers(0, 18201624))
def test_amount_round_trip_rounds_up_by_less_than_one_step(units):
    f = amount.encode(units)
    v = amount.decode(f)
    assert units <= v < units + 10 ** (f >> 14)


@SETTINGS
@given(any_token(), st.integers(0, 19), st.integers(1, 9))
def test_any_changed_digit_is_rejected_or_is_a_different_valid_token(t, pos, delta):
    ea, key, cls, sub, kw = t
    text = vend.encode(ea, key, cls, vend.vend_block(cls, sub, **kw))
    bad = text[:pos] + str((int(text[pos]) + delta) % 10) + text[pos + 1:]
    d = processor.process(StsState(ea, key), bad)
    assert d.result in range(1, 17)
    if d.token is not None:  # it decoded with a valid CRC: it must be another block
        assert int(d.token.plain_hex(), 16) != vend.vend_block(cls, sub, **kw) or d.token.cls != cls


# -- processor properties over sequences ------------------------------------

@st.composite
def sequences(draw):
    ea = draw(st.sampled_from((7, 11)))
    key = draw(keys7 if ea == 7 else keys11)
    other = draw(keys7 if ea == 7 else keys11)
    base = draw(st.integers(0, 0xFFFFFF - 400))
    n = draw(st.integers(1, 120))
    toks = []
    for _ in range(n):
        kind = draw(st.sampled_from(("credit", "credit", "credit", "mgmt", "wrongkey", "replay", "junk", "test")))
        t = base + draw(st.integers(0, 300))
        if kind == "credit":
            toks.append(vend.vend(ea, key, 0, draw(st.integers(0, 7)), tid=t, value=draw(st.integers(0, 16383))))
        elif kind == "mgmt":
            toks.append(vend.vend(ea, key, 2, draw(st.sampled_from((0, 1, 5, 6))), tid=t, value=draw(st.integers(0, 7))))
        elif kind == "wrongkey":
            toks.append(vend.vend(ea, other, 0, 0, tid=t, value=5))
        elif kind == "replay" and toks:
            toks.append(draw(st.sampled_from(toks)))
        elif kind == "test":
            toks.append(vend.vend(ea, None, 1, 0, control=1, mfrcode=draw(st.integers(0, 3))))
        else:
            toks.append(draw(st.text(alphabet="0123456789 -x", min_size=0, max_size=24)))
    return ea, key, toks, draw(st.booleans())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(sequences())
def test_processor_never_accepts_a_tid_twice_nor_an_old_one_nor_credits_a_reject(seq):
    ea, key, toks, lenient = seq
    rules = Settings(old_needs_full_memory=lenient)
    state = StsState(ea, key)
    accepted_tids = set()
    for text in toks:
        before = state.to_record()
        d = processor.process(state, text, settings=rules)
        assert state.to_record() == before  # pure
        assert d.result in range(1, 17)
        if d.result != vocab.ACCEPT:
            assert d.effect is None or d.result in (vocab.KCT1_ACCEPTED, vocab.KCT2_ACCEPTED)
            assert d.state is None or d.result in (vocab.KCT1_ACCEPTED, vocab.KCT2_ACCEPTED)
            continue
        if d.token.tid is not None:
            t = d.token.tid
            assert t not in accepted_tids
            if state.tids and (len(state.tids) == TID_MEMORY_SIZE or not lenient):
                assert t >= state.tids[0]  # nothing older than the memory
            accepted_tids.add(t)
            assert t in d.state.tids and len(d.state.tids) <= TID_MEMORY_SIZE
        else:
            assert d.token.cls == 1 and d.effect.kind == E.TEST and d.state is None
        if d.state is not None:
            state = d.state


@SETTINGS
@given(st.text(max_size=40))
def test_processor_never_raises_on_any_text(text):
    d = processor.process(StsState(7, bytes(8)), text)
    assert d.result in range(1, 17)
    if d.result != vocab.ACCEPT:
        assert d.effect is None and d.state is None


@SETTINGS
@given(st.integers(0, 2 ** 70))
def test_carrier_numbers(n):
    text = "%020d" % n
    if len(text) != 20 or n >= 2 ** 66:
        d = processor.process(StsState(7, bytes(8)), text)
        assert d.result == vocab.FORMAT
    else:
        cls, block = carrier.parse(text)
        assert carrier.format_token(cls, block) == text
        assert carrier.parse_words(text) == (cls, block >> 48, (block >> 32) & 0xFFFF,
                                             (block >> 16) & 0xFFFF, block & 0xFFFF)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from((7, 11)), st.data())
def test_key_change_set_in_any_order_with_other_tokens_between(ea, data):
    key = data.draw(keys7 if ea == 7 else keys11)
    new = data.draw(keys7 if ea == 7 else keys11)
    ken = data.draw(st.integers(0, 255))
    kcts = vend.key_change_tokens(ea, key, new, kt=2, krn=data.draw(st.integers(1, 9)),
                                  ti=data.draw(st.integers(0, 99)), ken=ken, ro=0,
                                  sgc=data.draw(st.integers(0, 999999)))
    order = data.draw(st.permutations(kcts))
    state = StsState(ea, key)
    t = 1000
    for i, k in enumerate(order):
        d = processor.process(state, k)
        last = i == len(order) - 1
        assert d.result == (vocab.ACCEPT if last else vocab.KCT1_ACCEPTED if i == 0 else vocab.KCT2_ACCEPTED)
        assert (d.effect is not None) == last
        state = d.state
        if not last:  # a credit token with the current key between parts is fine
            t += 1
            d = processor.process(state, vend.vend(ea, key, 0, 0, tid=t, value=1))
            assert d.result in (vocab.ACCEPT, vocab.KEY_EXPIRED)
            state = d.state or state
    assert state.key == new and state.ken == ken and state.kct is None
    if new != key:  # the old key no longer credits anything
        assert processor.process(state, vend.vend(ea, key, 0, 0, tid=t + 1, value=1)).result != vocab.ACCEPT
