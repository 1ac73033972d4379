# Class 1 (test) and class 2 (management, key change) tokens, sts.md 3.2,
# 3.3: their fields (sts.token.from_words) and what sts.processor decides for
# them. A credit token (class 0) never loads this module; a meter loads it for
# one of these tokens and unloads it with the token engine (sts.ENGINE).
import vocab
from sts import amount
from sts import effect as E
from sts.token import Token

# class 2 sub-classes that carry no TID: the key change tokens (sts.md 3.3)
KCT_SUBCLASSES = (3, 4, 8, 9)


def token(cls, sub, words):
    """The Token of plain block `words` (a, b, c, d) of class 1 or 2."""
    a, b, c, _ = words
    f = {}
    if cls == 1:
        if sub == 0:
            f["control"] = ((a & 0xFFF) << 24) | (b << 8) | (c >> 8)
            f["mfrcode"] = c & 0xFF
        elif sub == 1:
            f["control"] = ((a & 0xFFF) << 16) | b
            f["mfrcode"] = c
        else:
            f["data"] = ((a & 0xFFF) << 32) | (b << 16) | c
        return Token(cls, sub, words, None, f)
    if sub in KCT_SUBCLASSES:
        if sub == 3:
            f["kenho"] = (a >> 8) & 15
            f["new_krn"] = (a >> 4) & 15
            f["ro"] = (a >> 3) & 1
            f["res"] = (a >> 2) & 1
            f["new_kt"] = a & 3
            f["nkho"] = (b << 16) | c
        elif sub == 4:
            f["kenlo"] = (a >> 8) & 15
            f["new_ti"] = a & 0xFF
            f["nklo"] = (b << 16) | c
        elif sub == 8:
            f["sgc_bits_11_0"] = a & 0xFFF
            f["key_bytes_4_7"] = (b << 16) | c
        else:
            f["sgc_bits_23_12"] = a & 0xFFF
            f["key_bytes_8_11"] = (b << 16) | c
        return Token(cls, sub, words, None, f)
    # the common frame: SubClass | RND | TID (24) | 16-bit value | CRC
    f["rnd"] = (a >> 8) & 15
    if sub == 0 or sub == 6:
        f["value_field"] = c
        f["value_w"] = amount.decode(c)
    elif sub == 1:
        f["register"] = c
    elif sub == 5:
        f["pad"] = c
    elif sub == 10:
        f["value_field"] = c
        f["index"] = c >> 10
        f["flag_index"] = (c >> 1) & 0x1FF
        f["flag_value"] = c & 1
    else:
        f["value_field"] = c
    return Token(cls, sub, words, ((a & 0xFF) << 16) | b, f)


def decide(state, tok, s):
    """sts.processor's Decision for the class 1 or 2 token `tok`."""
    from sts.processor import Decision, checked
    sub = tok.subclass
    if tok.cls == 1:  # InitiateMeterTest/Display (sts.md 3.2): no key, no TID
        if sub > 1:
            return Decision(s.unknown_subclass_result, tok)
        code = tok.fields["mfrcode"]
        if code != state.mfr_code and not (code == 0 and s.mfr_code_zero_wildcard):
            return Decision(vocab.MFR_CODE, tok)
        return Decision(vocab.ACCEPT, tok, E.Effect(E.TEST, tok.fields["control"], sub))
    if sub in KCT_SUBCLASSES:
        from sts import key_change
        return key_change.decide(state, tok, s)
    if not (s.management_subclasses >> sub) & 1:
        return Decision(s.unknown_subclass_result, tok)
    return checked(state, tok, _effect(sub, tok.fields, s), s)


def _effect(sub, f, s):
    """Effect of a class 2 value token, or the result code of its ranges."""
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
