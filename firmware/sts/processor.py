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
# -> DDTK (class 0) -> KEN -> Old -> Used -> field ranges -> accept. Here
# the credit tokens' (class 0); class 1 and 2 are sts.management's, loaded
# for such a token only.
from compat import module
from sts import crc, digits
import vocab
from sts import effect as E
from sts import token as T
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
    cls, a, b, c, d = digits.parse_words(text)  # not a token: FormatError, FORMAT (process)
    if cls == 3:
        return Decision(s.class3_result)
    if cls != 1:
        a, b, c, d = T.decrypt_words(state.ea, state.key, a, b, c, d, s.sta_tables)
    if crc.field_words(cls, a, b, c) != d:
        return Decision(vocab.CRC)
    tok = T.from_words(cls, a, b, c, d)
    if cls:  # test, management and key change tokens: rare, their code loads for them
        return module("sts.management").decide(state, tok, s)
    sub = tok.subclass
    if not (s.credit_subclasses >> sub) & 1:
        return Decision(s.unknown_subclass_result, tok)
    if state.kt == DDTK:
        return Decision(vocab.DDTK, tok)
    units = tok.fields["amount_units"]
    if sub > 7:
        eff = s.unknown_subclass_result
    elif units < 0:  # a currency amount (sub-classes 4..7) below zero
        eff = s.negative_credit_result
    else:
        eff = E.Effect(E.CREDIT, units, sub)
    return checked(state, tok, eff, s)


def checked(state, tok, eff, s):
    """KEN -> Old -> Used for the class 0 or 2 token `tok`, then its effect
    `eff`: an E.Effect, or the result code of its field ranges."""
    tid = tok.tid
    if (tid >> 16) > state.ken:  # sts.md 9.3
        return Decision(vocab.KEY_EXPIRED, tok)
    tids = state.tids
    if tids and tid < tids[0] and (len(tids) >= TID_MEMORY_SIZE or not s.old_needs_full_memory):
        return Decision(vocab.OLD, tok)  # sts.md 9.2
    if tid in tids:
        return Decision(vocab.USED, tok)
    if not isinstance(eff, E.Effect):
        return Decision(eff, tok)
    return Decision(vocab.ACCEPT, tok, eff, state.derive(_remember(tids, tid), state.kct))


def _remember(tids, tid):
    """A new ascending list with `tid` in it; when the memory is full the
    smallest (oldest) entry drops out. The caller has checked that tid is not
    Old (so it is above tids[0]) and not Used. The new list is made at its
    size (an append to a copy could take a block of twice the memory)."""
    n = len(tids)
    if n < TID_MEMORY_SIZE:
        out = tids + [tid]
        i = n
        while i and out[i - 1] > tid:
            out[i] = out[i - 1]
            i -= 1
    else:
        out = list(tids)
        i = 0
        while i + 1 < n and out[i + 1] < tid:
            out[i] = out[i + 1]
            i += 1
    out[i] = tid
    return out
