# The meter-side token processor, sts.md 9 (IEC 62055-41 7.3, 8.2).
#
# process(state, text) decides; it never mutates `state`, never does I/O and
# never raises for any input: it ends in a result code (sts.md 9.5). Only a
# MemoryError passes through (nothing changed): the meter collects, retries
# once and reports a resource fault (compat.retry_on_memory). When something
# must change, Decision.state is the new StsState to commit atomically with
# the effect (sts.effect), and Decision.state is None otherwise. The new
# state may share its tids/kct lists with the old one: treat both as
# read-only values (StsState.copy() gives independent lists).
#
# Order of checks: carrier format -> class 3 -> decrypt -> CRC -> sub-class
# supported -> (class 1: MfrCode) (key change: set assembly, KT, ranges)
# -> DDTK (class 0) -> KEN -> Old -> Used -> field ranges -> accept.
from sts import crc, digits
import vocab
from sts import effect as E
from sts import token as T
from sts.errors import FormatError
from sts.settings import DEFAULT
from sts.state import TID_MEMORY_SIZE, DDTK


class Decision:
    def __init__(self, code, token=None, effect=None, state=None):
        self.result = code
        self.token = token
        self.effect = effect
        self.state = state

    def __repr__(self):
        return "Decision(%s, %r, %r, %s)" % (
            vocab.result_display(self.result), self.token, self.effect,
            "new state" if self.state is not None else "no change")


def process(state, token_text, now_minutes=None, settings=None):
    """Decide what the token `token_text` does to a meter in `state`.

    now_minutes (minutes since the state's base date, optional) is not used by
    the current rules; it is accepted so that time-based policies can be added
    without changing callers.
    """
    s = settings if settings is not None else DEFAULT
    try:
        return _process(state, token_text, s)
    except MemoryError:  # not a reject: the caller reports the resource fault
        raise
    except Exception:  # never raise: a bad state or setting ends as a reject
        return Decision(vocab.FORMAT)


def _process(state, text, s):
    try:
        cls, a, b, c, d = digits.parse_words(text)
    except FormatError:
        return Decision(vocab.FORMAT)
    if cls == 3:
        return Decision(s.class3_result)
    if cls != 1:
        a, b, c, d = T.decrypt_words(state.ea, state.key, a, b, c, d, s.sta_tables)
    if crc.field_words(cls, a, b, c) != d:
        return Decision(vocab.CRC)
    tok = T.from_words(cls, a, b, c, d)
    sub = tok.subclass
    if cls == 1:
        return _test(state, tok, s)
    if cls == 2 and sub in T.KCT_SUBCLASSES:
        from sts import key_change  # rare: loaded for a key change token only
        return key_change.decide(state, tok, s)
    mask = s.credit_subclasses if cls == 0 else s.management_subclasses
    if not (mask >> sub) & 1:
        return Decision(s.unknown_subclass_result, tok)
    if cls == 0 and state.kt == DDTK:
        return Decision(vocab.DDTK, tok)
    tid = tok.tid
    if (tid >> 16) > state.ken:  # sts.md 9.3
        return Decision(vocab.KEY_EXPIRED, tok)
    tids = state.tids
    if tids and tid < tids[0] and (len(tids) >= TID_MEMORY_SIZE or not s.old_needs_full_memory):
        return Decision(vocab.OLD, tok)  # sts.md 9.2
    if tid in tids:
        return Decision(vocab.USED, tok)
    eff = _effect(cls, sub, tok.fields, s)
    if not isinstance(eff, E.Effect):
        return Decision(eff, tok)
    new = state.derive(_remember(tids, tid), state.kct)
    return Decision(vocab.ACCEPT, tok, eff, new)


def _remember(tids, tid):
    """A new ascending list with `tid` in it; when the memory is full the
    smallest (oldest) entry drops out. The caller has checked that tid is not
    Old (so it is above tids[0]) and not Used. One list allocation."""
    out = list(tids)
    n = len(out)
    if n < TID_MEMORY_SIZE:
        out.append(tid)
        i = n
        while i and out[i - 1] > tid:
            out[i] = out[i - 1]
            i -= 1
    else:
        i = 0
        while i + 1 < n and out[i + 1] < tid:
            out[i] = out[i + 1]
            i += 1
    out[i] = tid
    return out


def _effect(cls, sub, f, s):
    """Effect of an accepted class 0/2 value token, or a result code."""
    if cls == 0:
        if sub < 4:
            return E.Effect(E.CREDIT, f["amount_units"], sub)
        if sub < 8:
            if f["amount_units"] < 0:
                return s.negative_credit_result
            return E.Effect(E.CREDIT, f["amount_units"], sub)
        return s.unknown_subclass_result
    if sub == 0:
        return E.Effect(E.SET_MPL, f["value_w"])
    if sub == 1:
        r = f["register"]
        if r > 7 and r != E.ALL_REGISTERS:
            return vocab.RANGE
        return E.Effect(E.CLEAR_CREDIT, 0, r)
    if sub == 2:
        return E.Effect(E.SET_TARIFF, f["value_field"])
    if sub == 5:
        return E.Effect(E.CLEAR_TAMPER)
    if sub == 6:
        return E.Effect(E.SET_MPPUL, f["value_w"])
    if sub == 7:
        return E.Effect(E.SET_WATER_FACTOR, f["value_field"])
    if sub == 10:
        if f["index"] != 63 or f["flag_index"] > s.max_flag_index:
            return vocab.RANGE
        return E.Effect(E.SET_FLAG, f["flag_value"], f["flag_index"])
    return s.unknown_subclass_result


def _test(state, tok, s):
    """Class 1 InitiateMeterTest/Display (sts.md 3.2): no key, no TID."""
    if tok.subclass > 1:
        return Decision(s.unknown_subclass_result, tok)
    code = tok.fields["mfrcode"]
    if code != state.mfr_code and not (code == 0 and s.mfr_code_zero_wildcard):
        return Decision(vocab.MFR_CODE, tok)
    return Decision(vocab.ACCEPT, tok, E.Effect(E.TEST, tok.fields["control"], tok.subclass))
