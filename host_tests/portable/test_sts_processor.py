# Portable: the meter-side token processor (sts.md 9) and keypad lock-out.
from sts import processor, vend, amount
import vocab
from sts import effect as E
from sts.state import StsState, TID_MEMORY_SIZE
from sts.settings import Settings
from sts.lockout import Lockout
import vectors
from stshelp import key_of, ea_of, num, state_for

K7 = bytes.fromhex("e653341f9d5bf36f")  # CTSA01 P11 DKGA02 key
K11 = bytes.fromhex("f94b6ed353c3bfdb113e2d3a7ea3c41d")  # 04-suite CTSA01 key
TID0 = 5871715  # 2004-03-01 13:55 on BD 1993


def _credit(key, tid, units=1, ea=7, sub=0):
    return vend.vend(ea, key, 0, sub, tid=tid, value=units, rnd=5)


def _expected_effect(row):
    f = vectors.fields(row)
    cls, sub = int(row["token_class"]), int(row["subclass"])
    if cls == 0:
        return E.Effect(E.CREDIT, int(f["amount_units"]), sub)
    if cls == 1:
        return E.Effect(E.TEST, num(f["control"]), sub)
    kinds = {0: (E.SET_MPL, "value_w", None), 1: (E.CLEAR_CREDIT, None, "register"),
             2: (E.SET_TARIFF, "value_field", None), 5: (E.CLEAR_TAMPER, None, None),
             6: (E.SET_MPPUL, "value_w", None), 7: (E.SET_WATER_FACTOR, "value_field", None)}
    kind, v, r = kinds[sub]
    return E.Effect(kind, num(f[v]) if v else 0, num(f[r]) if r else 0)


def test_every_vector_token_is_accepted_by_its_meter():
    n = 0
    for row in vectors.rows("token"):
        st = state_for(row)
        before = st.to_record()
        d = processor.process(st, row["token"])
        assert st.to_record() == before, row["id"]  # never mutates its input
        assert d.token is not None and d.token.plain_hex() == row["plain_block_hex"], row["id"]
        sub = int(row["subclass"])
        if row["token_class"] == "2" and sub in (3, 4):
            assert d.result == vocab.KCT1_ACCEPTED, row["id"]
            assert d.effect is None and d.state.kct is not None
        else:
            assert d.result == vocab.ACCEPT, (row["id"], vocab.result_display(d.result))
            assert d.effect == _expected_effect(row), (row["id"], d.effect)
            if row["tid"]:
                assert d.state.tids == [int(row["tid"])], row["id"]
            else:
                assert d.state is None  # class 1 changes nothing
        n += 1
    assert n == 123


def test_replayed_token_is_used_and_changes_nothing():
    st = StsState(7, K7)
    tok = _credit(K7, TID0)
    d = processor.process(st, tok)
    assert d.result == vocab.ACCEPT and d.effect.value == 1
    d2 = processor.process(d.state, tok)
    assert d2.result == vocab.USED and d2.state is None and d2.effect is None


def test_token_older_than_the_memory_is_old():
    st = StsState(7, K7)
    st = processor.process(st, _credit(K7, TID0)).state
    d = processor.process(st, _credit(K7, TID0 - 1))
    assert d.result == vocab.OLD and d.state is None
    d = processor.process(st, _credit(K7, TID0 + 1))
    assert d.result == vocab.ACCEPT and d.state.tids == [TID0, TID0 + 1]


def test_old_rule_setting_until_the_memory_is_full():
    lenient = Settings(old_needs_full_memory=True)
    st = processor.process(StsState(7, K7), _credit(K7, TID0)).state
    d = processor.process(st, _credit(K7, TID0 - 100), settings=lenient)
    assert d.result == vocab.ACCEPT and d.state.tids == [TID0 - 100, TID0]
    assert processor.process(d.state, _credit(K7, TID0 - 100), settings=lenient).result == vocab.USED
    full = StsState(7, K7, tids=list(range(1000, 1000 + TID_MEMORY_SIZE)))
    assert processor.process(full, _credit(K7, 999), settings=lenient).result == vocab.OLD


def test_tid_memory_is_bounded_and_forgets_the_oldest():
    assert TID_MEMORY_SIZE >= 50
    st = StsState(7, K7)
    first = TID0 + 10
    for i in range(TID_MEMORY_SIZE + 3):
        d = processor.process(st, _credit(K7, first + 7 * i))
        assert d.result == vocab.ACCEPT, i
        st = d.state
    assert len(st.tids) == TID_MEMORY_SIZE
    assert st.tids[0] == first + 21 and st.tids == sorted(st.tids)
    # forgotten tokens are now Old, never accepted again
    assert processor.process(st, _credit(K7, first)).result == vocab.OLD
    # a gap inside the window is still accepted, once
    d = processor.process(st, _credit(K7, first + 7 * 10 + 3))
    assert d.result == vocab.ACCEPT
    assert processor.process(d.state, _credit(K7, first + 7 * 10 + 3)).result == vocab.USED


def test_key_expiry_number():
    # sts.md 9.3: reject when TID >> 16 > KEN; KEN 85 ends at 2003-09-19 22:55 (BD 1993)
    st = StsState(7, K7, ken=85)
    last = (86 << 16) - 1
    assert processor.process(st, _credit(K7, last)).result == vocab.ACCEPT
    assert processor.process(st, _credit(K7, last + 1)).result == vocab.KEY_EXPIRED
    assert processor.process(StsState(7, K7, ken=255), _credit(K7, 0xFFFFFF)).result == vocab.ACCEPT


def test_ctsa19_key_change_sets_ken_then_credit():
    # CTSA19 s1: a set that keeps the key (TI 02 key) and sets KEN 85.
    rows = [r for r in vectors.rows("token") if r["group"] == "STS_531_1_0_02 CTSA19 s1"]
    kct2, credit = rows[0], rows[1]
    key = key_of(kct2)
    st = StsState(7, key, ti=2)
    kct1 = vend.encode(7, key, 2, vend.kct_block(3, ken=85, krn=1, kt=2, key_word=0x060B8643))
    d = processor.process(st, kct2["token"])
    assert d.result == vocab.KCT1_ACCEPTED
    d = processor.process(d.state, kct1)
    assert d.result == vocab.ACCEPT and d.effect == E.Effect(E.KEY_CHANGED, 0)
    st = d.state
    assert (st.key, st.ken, st.krn, st.ti, st.kct) == (key, 85, 1, 2, None)
    d = processor.process(st, credit["token"])  # 2002-04-01 10:05: TID >> 16 = 74
    assert d.result == vocab.ACCEPT
    late = _credit(key, TID0)  # 2004: TID >> 16 = 89 > 85
    assert processor.process(d.state, late).result == vocab.KEY_EXPIRED


def test_64bit_key_change_in_either_order_installs_the_new_key():
    new = bytes.fromhex("060b8643c59a27f1")
    toks = vend.key_change_tokens(7, K7, new, kt=2, krn=2, ti=2, ken=255)
    for order in (toks, toks[::-1]):
        st = StsState(7, K7, tids=[TID0])
        d = processor.process(st, order[0])
        assert d.result == vocab.KCT1_ACCEPTED and d.state.key == K7
        d = processor.process(d.state, order[1])
        assert d.result == vocab.ACCEPT and d.effect.kind == E.KEY_CHANGED
        st = d.state
        assert (st.key, st.krn, st.ti, st.tids) == (new, 2, 2, [TID0])
        assert processor.process(st, _credit(K7, TID0 + 5)).result == vocab.CRC
        assert processor.process(st, _credit(new, TID0 + 5)).result == vocab.ACCEPT


def test_128bit_key_change_set_and_sgc():
    new = bytes(range(16))
    toks = vend.key_change_tokens(11, K11, new, kt=2, krn=3, ti=7, ken=200, sgc=123457)
    st = StsState(11, K11, sgc=1)
    codes = []
    for t in (toks[2], toks[0], toks[3], toks[1]):  # any order
        d = processor.process(st, t)
        codes.append(d.result)
        st = d.state
    assert codes == [vocab.KCT1_ACCEPTED, vocab.KCT2_ACCEPTED, vocab.KCT2_ACCEPTED, vocab.ACCEPT]
    assert (st.key, st.krn, st.ti, st.ken, st.sgc, st.kct) == (new, 3, 7, 200, 123457, None)
    assert processor.process(st, _credit(new, TID0, ea=11)).result == vocab.ACCEPT
    # KCT3/KCT4 mean nothing to a 64-bit meter
    b = vend.kct_block(8, sgc=5)
    assert processor.process(StsState(7, K7), vend.encode(7, K7, 2, b)).result == vocab.FUNCTION


def test_rollover_clears_the_tid_memory_and_moves_the_base_date():
    new = bytes.fromhex("aa4baa8749c10d27")
    st = StsState(7, K7, tids=[100, 200, TID0])
    for t in vend.key_change_tokens(7, K7, new, ro=1):
        d = processor.process(st, t)
        st = d.state
    assert d.result == vocab.ACCEPT and d.effect == E.Effect(E.KEY_CHANGED, 1)
    assert st.tids == [] and st.base_date == 2014 and st.key == new
    # an early TID of the new base date is accepted
    assert processor.process(st, _credit(new, 480)).result == vocab.ACCEPT
    off = Settings(ro_advances_base_date=False)
    st = StsState(7, K7, tids=[TID0])
    for t in vend.key_change_tokens(7, K7, new, ro=1):
        st = processor.process(st, t, settings=off).state
    assert st.base_date == 1993 and st.tids == []


def test_key_type_and_range_of_a_key_change():
    st = StsState(7, K7)
    for kw, code in (({"kt": 0}, vocab.KEY_TYPE), ({"krn": 0}, vocab.RANGE),
                     ({"krn": 10}, vocab.RANGE), ({"ti": 100}, vocab.RANGE)):
        toks = vend.key_change_tokens(7, K7, bytes(8), **kw)
        d1 = processor.process(st, toks[0])
        d2 = processor.process(d1.state, toks[1])
        assert d2.result == code, kw
        assert d2.state is None
    strict = Settings(allowed_kt=(0, 0, 0b0100, 0))  # only DUTK -> DUTK
    toks = vend.key_change_tokens(7, K7, bytes(8), kt=3)
    st2 = processor.process(st, toks[0], settings=strict).state
    assert processor.process(st2, toks[1], settings=strict).result == vocab.KEY_TYPE


def test_default_key_refuses_credit_but_takes_management():
    st = StsState(7, K7, kt=1)
    assert processor.process(st, _credit(K7, TID0)).result == vocab.DDTK
    mpl = vend.vend(7, K7, 2, 0, tid=TID0, value=5000)
    d = processor.process(st, mpl)
    assert d.result == vocab.ACCEPT and d.effect == E.Effect(E.SET_MPL, 5000)


def test_class1_manufacturer_code():
    t2 = vend.vend(7, None, 1, 0, control=1 << 3, mfrcode=47)
    t4 = vend.vend(7, None, 1, 1, control=1, mfrcode=47)
    t0 = vend.vend(7, None, 1, 0, control=1, mfrcode=0)
    ours = StsState(7, K7, drn="47123456785")
    other = StsState(7, K7, drn="12345678903")
    d = processor.process(ours, t2)
    assert d.result == vocab.ACCEPT and d.effect == E.Effect(E.TEST, 8, 0) and d.state is None
    assert processor.process(ours, t4).result == vocab.ACCEPT
    assert processor.process(other, t2).result == vocab.MFR_CODE
    assert processor.process(other, t0).result == vocab.ACCEPT
    strict = Settings(mfr_code_zero_wildcard=False)
    assert processor.process(other, t0, settings=strict).result == vocab.MFR_CODE
    assert processor.process(StsState(7, K7, drn="0100000000008"),
                             vend.vend(7, None, 1, 1, control=1, mfrcode=100)).result == vocab.ACCEPT


def test_management_effects_and_ranges():
    st = StsState(7, K7)
    cases = (
        ((2, 1, {"value": 0xFFFF}), vocab.ACCEPT, E.Effect(E.CLEAR_CREDIT, 0, 0xFFFF)),
        ((2, 1, {"value": 4}), vocab.ACCEPT, E.Effect(E.CLEAR_CREDIT, 0, 4)),
        ((2, 1, {"value": 8}), vocab.RANGE, None),
        ((2, 5, {}), vocab.ACCEPT, E.Effect(E.CLEAR_TAMPER)),
        ((2, 6, {"value": 180224}), vocab.ACCEPT, E.Effect(E.SET_MPPUL, 180224)),
        ((2, 2, {"value": 77}), vocab.ACCEPT, E.Effect(E.SET_TARIFF, 77)),
        ((2, 7, {"value": 3}), vocab.ACCEPT, E.Effect(E.SET_WATER_FACTOR, 3)),
        ((2, 10, {"field": vend.set_flag_field(2, 1)}), vocab.ACCEPT, E.Effect(E.SET_FLAG, 1, 2)),
        ((2, 10, {"field": vend.set_flag_field(12, 1)}), vocab.RANGE, None),
        ((2, 10, {"field": 5}), vocab.RANGE, None),
        ((2, 11, {}), vocab.FUNCTION, None),
        ((2, 15, {}), vocab.FUNCTION, None),
        ((0, 8, {}), vocab.FUNCTION, None),
        ((0, 3, {"value": 600}), vocab.ACCEPT, E.Effect(E.CREDIT, 600, 3)),
        ((0, 4, {"value": 12345600}), vocab.ACCEPT,  # 123.456 currency, rounded up
         E.Effect(E.CREDIT, amount.currency_decode(amount.currency_encode(12345600)), 4)),
        ((0, 7, {"value": -100}), vocab.RANGE, None),
    )
    for (cls, sub, kw), code, eff in cases:
        d = processor.process(st, vend.vend(7, K7, cls, sub, tid=TID0, **kw))
        assert d.result == code, (cls, sub, kw, vocab.result_display(d.result))
        assert d.effect == eff, (cls, sub, d.effect)
        assert (d.state is not None) == (code == vocab.ACCEPT)


def test_unsupported_functions_by_setting():
    elec_only = Settings(credit_subclasses=0b00010001, management_subclasses=0b1100111011)
    st = StsState(7, K7)
    assert processor.process(st, _credit(K7, TID0, sub=1), settings=elec_only).result == vocab.FUNCTION
    assert processor.process(st, _credit(K7, TID0, sub=0), settings=elec_only).result == vocab.ACCEPT
    wmf = vend.vend(7, K7, 2, 7, tid=TID0, value=1)
    assert processor.process(st, wmf, settings=elec_only).result == vocab.FUNCTION


def test_state_record_round_trip():
    st = StsState(11, K11, kt=2, krn=4, ti=1, sgc=123457, ken=170, base_date=2014,
                  drn="0100000000008", tids=[5, 3, 9], kct=[[1, 2, 3], None, None, None])
    rec = st.to_record()
    assert rec["tids"] == [3, 5, 9] and rec["mfr_code"] == 100
    back = StsState.from_record(rec)
    assert back == st and back.to_record() == rec
    c = st.copy()
    c.tids.append(10)
    c.kct[0][0] = 99
    assert st.tids == [3, 5, 9] and st.kct[0][0] == 1


def test_lockout_after_repeated_rejects():
    s = Settings(lockout_after=3, lockout_base_s=20, lockout_max_s=100)
    lk = Lockout(s)
    for _ in range(2):
        lk.note(vocab.CRC, 1000)
    assert not lk.locked(1000)
    lk.note(vocab.FORMAT, 1000)
    assert lk.locked(1000) and lk.locked(1019) and not lk.locked(1020)
    lk.note(vocab.CRC, 1020)
    assert lk.locked(1059) and not lk.locked(1060)  # doubled: 40 s
    for _ in range(5):
        lk.note(vocab.USED, 2000)
    assert lk.remaining(2000) == 100  # capped
    lk2 = Lockout.from_record(lk.to_record(), s)
    assert lk2.locked(2099) and not lk2.locked(2100)
    lk.note(vocab.OVERFLOW, 2000)  # a valid token that does not fit is not a bad entry
    assert lk.rejects == 9
    lk.note(vocab.ACCEPT, 2001)
    assert not lk.locked(2001) and lk.rejects == 0
