# The meter's STS state record (sts.md 9.1): everything the token processor
# reads, and a plain-value record form the storage layer commits atomically.

# Bounded TID memory (sts.md 9.2; IEC 62055-41 7.3.8 gives no public size).
# 64 entries: above the 50 the vending side of PYS remembers, so every token of a
# vending system's cancellation window is still recognised as Used; at most
# ~0.5 KB in the committed record.
TID_MEMORY_SIZE = 64

BASE_DATES = (1993, 2014, 2035)

# Key types, sts.md 4.4
DITK = 0
DDTK = 1
DUTK = 2
DCTK = 3


def mfr_code_of(drn):
    """MfrCode from the DRN: 2 digits of an 11-digit DRN, 4 of a 13-digit one."""
    if len(drn) == 11:
        return int(drn[:2])
    if len(drn) == 13:
        return int(drn[:4])
    raise ValueError("DRN must have 11 or 13 digits")


class StsState:
    """ea 7|11, key bytes (8|16), kt, krn, ti, sgc, ken, base_date, drn, mfr_code,
    tids (ascending, at most TID_MEMORY_SIZE), kct (None or a 4-list of pending
    key change parts, each None or [a, b, c] plain halfwords of KCT1..KCT4)."""

    def __init__(self, ea, key, kt=DUTK, krn=1, ti=1, sgc=0, ken=255, base_date=1993,
                 drn="00000000000", mfr_code=None, tids=None, kct=None, _trusted=False):
        if not _trusted:  # derive() passes values of a checked state, lists as given
            if ea not in (7, 11):
                raise ValueError("EA must be 7 or 11")
            key = bytes(key)
            if len(key) != (8 if ea == 7 else 16):
                raise ValueError("decoder key must be %d bytes for EA%02d" % (8 if ea == 7 else 16, ea))
            if base_date not in BASE_DATES:
                raise ValueError("base date must be 1993, 2014 or 2035")
            if not (0 <= kt <= 3 and 0 <= krn <= 15 and 0 <= ti <= 255 and 0 <= ken <= 255):
                raise ValueError("KT, KRN, TI or KEN out of range")
            drn = str(drn)
            for ch in drn:
                if ch < "0" or ch > "9":
                    raise ValueError("DRN must be digits")
            if mfr_code is None:
                mfr_code = mfr_code_of(drn)
            tids = (sorted(tids) if tids else [])[-TID_MEMORY_SIZE:]
            kct = None if kct is None else [None if p is None else list(p) for p in kct]
        self.ea = ea
        self.key = key
        self.kt = kt
        self.krn = krn
        self.ti = ti
        self.sgc = sgc
        self.ken = ken
        self.base_date = base_date
        self.drn = drn
        self.mfr_code = mfr_code
        self.tids = tids
        self.kct = kct

    def derive(self, tids, kct=None):
        """A copy that takes `tids` and `kct` as given (no copying, no checks):
        the processor's cheap path to a new state. The lists must not be
        shared with anything that mutates them."""
        return StsState(self.ea, self.key, self.kt, self.krn, self.ti, self.sgc, self.ken,
                        self.base_date, self.drn, self.mfr_code, tids, kct, True)

    def copy(self):
        return StsState(self.ea, self.key, self.kt, self.krn, self.ti, self.sgc, self.ken,
                        self.base_date, self.drn, self.mfr_code, self.tids, self.kct)

    def to_record(self):
        return {"ea": self.ea, "key": self.key, "kt": self.kt, "krn": self.krn, "ti": self.ti,
                "sgc": self.sgc, "ken": self.ken, "base_date": self.base_date, "drn": self.drn,
                "mfr_code": self.mfr_code, "tids": list(self.tids),
                "kct": None if self.kct is None else [None if p is None else list(p) for p in self.kct]}

    @classmethod
    def from_record(cls, d):
        return cls(d["ea"], d["key"], d["kt"], d["krn"], d["ti"], d["sgc"], d["ken"],
                   d["base_date"], d["drn"], d.get("mfr_code"), d.get("tids"), d.get("kct"))

    def __eq__(self, other):
        return isinstance(other, StsState) and self.to_record() == other.to_record()

    def __repr__(self):
        return "StsState(EA%02d, KT %d, KRN %d, TI %d, SGC %d, KEN %d, BD %d, DRN %s, %d TIDs%s)" % (
            self.ea, self.kt, self.krn, self.ti, self.sgc, self.ken, self.base_date, self.drn,
            len(self.tids), ", KCT pending" if self.kct else "")
