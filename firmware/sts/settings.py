# Policy settings of the STS token processor and keypad lock-out. Every
# default is a choice made where sts.md says UNCERTAIN; docs/sts.md says why.
import vocab


class Settings:
    # Class 0 sub-classes this meter credits (bit n = sub-class n); others -> FUNCTION.
    credit_subclasses = 0xFF
    # Class 2 sub-classes supported (bit n); KCTs 3/4 (and 8/9 on EA11) are always on.
    management_subclasses = 0x7FF  # 0..10
    # Result for class 3 (reserved) and for text that is not a token.
    class3_result = vocab.FORMAT
    # Result for a reserved/proprietary sub-class.
    unknown_subclass_result = vocab.FUNCTION
    # Old rule (sts.md 9.2): False = a TID below the smallest remembered is Old (IEC
    # wording, with the memory seeded at manufacture); True = only once the memory is
    # full (nothing has been forgotten before that, so replays are still Used).
    old_needs_full_memory = False
    # Class 1: a token with MfrCode 0 is accepted by every meter (CTS test tokens use 0).
    mfr_code_zero_wildcard = True
    # KT transitions: allowed_kt[current] is a bit mask of the new KTs accepted by a
    # key change (bit 0 DITK, 1 DDTK, 2 DUTK, 3 DCTK). Default: anything but DITK.
    allowed_kt = (0b1110, 0b1110, 0b1110, 0b1110)
    # RO = 1 in a key change moves the base date on (1993 -> 2014 -> 2035).
    ro_advances_base_date = True
    # Class 0 currency sub-classes: a negative amount is rejected with this code.
    negative_credit_result = vocab.RANGE
    # SetFlag (class 2 sub 10): highest flag index known (Prism list 0..11).
    max_flag_index = 11
    # STA tables (a sts.sta.StaTables); None = the shipped sts.sta_tables.REAL.
    sta_tables = None
    # Keypad lock-out: after `lockout_after` rejects in a row, lock for
    # lockout_base_s seconds, doubling with each further reject up to lockout_max_s.
    lockout_after = 3
    lockout_base_s = 20
    lockout_max_s = 1280

    def __init__(self, **kw):
        for k in kw:
            if not hasattr(Settings, k):
                raise AttributeError("unknown STS setting " + k)
            setattr(self, k, kw[k])


DEFAULT = Settings()
