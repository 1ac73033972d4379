# Key change token sets (sts.md 3.3, 9.4), the part of sts.processor that a
# key change token needs: loaded for one only (they are rare), and unloaded
# with the token engine (sts.ENGINE).
import vocab
from sts import effect as E
from sts.processor import Decision
from sts.state import BASE_DATES

_PART = {3: 0, 4: 1, 8: 2, 9: 3}  # sub-class -> part of the set (KCT1..KCT4)


def decide(state, tok, s):
    """Key change token sets (sts.md 3.3, 9.4): KCT1+KCT2 for a 64-bit key,
    KCT1..KCT4 for a 128-bit key, in any order; a part entered again replaces
    the pending one. The set is applied when complete."""
    n = _PART[tok.subclass]
    need = 2 if state.ea == 7 else 4
    if n >= need:  # KCT3/4 on a 64-bit (EA07) meter
        return Decision(s.unknown_subclass_result, tok)
    parts = list(state.kct) if state.kct else [None, None, None, None]
    others = 0
    for i in range(need):
        if i != n and parts[i] is not None:
            others += 1
    a, b, c, _ = tok.words
    parts[n] = [a, b, c]
    if others < need - 1:
        new = state.derive(state.tids, parts)
        return Decision(vocab.KCT2_ACCEPTED if others else vocab.KCT1_ACCEPTED, tok, None, new)
    a1, b1, c1 = parts[0]
    a2, b2, c2 = parts[1]
    kt = a1 & 3
    krn = (a1 >> 4) & 15
    ro = (a1 >> 3) & 1
    ti = a2 & 0xFF
    ken = (((a1 >> 8) & 15) << 4) | ((a2 >> 8) & 15)
    if not (s.allowed_kt[state.kt] >> kt) & 1:
        return Decision(vocab.KEY_TYPE, tok)
    if krn < 1 or krn > 9 or ti > 99:
        return Decision(vocab.RANGE, tok)
    words = [b1, c1]  # NKHO: key bits 63..32 (EA07) / bytes 0..3 (EA11)
    new = state.derive(state.tids)
    if need == 4:
        a3, b3, c3 = parts[2]
        a4, b4, c4 = parts[3]
        words += [b3, c3, b4, c4]  # bytes 4..7 (KCT3), 8..11 (KCT4)
        new.sgc = ((a4 & 0xFFF) << 12) | (a3 & 0xFFF)
    words += [b2, c2]  # NKLO: the last 4 bytes
    key = bytearray(2 * len(words))
    for i in range(len(words)):
        key[2 * i] = words[i] >> 8
        key[2 * i + 1] = words[i] & 0xFF
    new.key = bytes(key)
    new.kt = kt
    new.krn = krn
    new.ti = ti
    new.ken = ken
    new.kct = None
    if ro:  # rollover: clear the TID memory; the base date moves on (sts.md 9.4)
        new.tids = []
        if s.ro_advances_base_date and new.base_date != BASE_DATES[-1]:
            new.base_date = BASE_DATES[BASE_DATES.index(new.base_date) + 1]
    return Decision(vocab.ACCEPT, tok, E.Effect(E.KEY_CHANGED, ro), new)
