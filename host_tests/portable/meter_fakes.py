# Portable fakes for meter tests: they follow api-contract.md exactly but are
# small and independent of the real sts/store implementations. The store,
# event log, clock, relay and display stand-ins are in meter_rig.py (re-exported).
#
# Fake token language (20 digits): d0 class (0..2), d1 sub-class, d2..d9 TID,
# d10..d17 value, d18..d19 = sum of d0..d17 mod 100. Class 2 sub 0 MPL, 1 clear
# credit (value = register, 99999999 = all), 5 clear tamper, 3 key change
# (value = new KRN; TID ignored, RO if TID==1). Class 1 = test token.

from meter_rig import Store, EventLog, Clock, Relay, Display, PowerCut  # noqa: F401


class Effect:
    CREDIT = 1
    SET_MPL = 2
    CLEAR_CREDIT = 3
    CLEAR_TAMPER = 4
    SET_MPPUL = 5
    SET_TARIFF = 6
    SET_WATER_FACTOR = 7
    SET_FLAG = 8
    KEY_CHANGED = 9
    TEST = 10

    def __init__(self, kind, value=0, register=0):
        self.kind, self.value, self.register = kind, value, register


TID_MEMORY_SIZE = 8


class StsState:
    def __init__(self, drn="00000000000"):
        self.ea = 7
        self.key = b"\x01" * 8
        self.kt = 2
        self.krn = 1
        self.ti = 1
        self.sgc = 123456
        self.ken = 255
        self.base_date = 1993
        self.drn = drn
        self.mfr_code = int(drn[:2]) if len(drn) == 11 else int(drn[:4])
        self.tids = []
        self.kct = None

    def to_record(self):
        return {"ea": self.ea, "key": self.key, "kt": self.kt, "krn": self.krn, "ti": self.ti,
                "sgc": self.sgc, "ken": self.ken, "bd": self.base_date, "drn": self.drn,
                "tids": list(self.tids), "kct": self.kct}

    @classmethod
    def from_record(cls, d):
        s = cls(d["drn"])
        s.ea, s.key, s.kt, s.krn, s.ti = d["ea"], d["key"], d["kt"], d["krn"], d["ti"]
        s.sgc, s.ken, s.base_date = d["sgc"], d["ken"], d["bd"]
        s.tids = list(d["tids"])
        s.kct = d["kct"]
        return s

    def copy(self):
        return StsState.from_record(self.to_record())


class Token:
    def __init__(self, cls, sub, tid):
        self.cls, self.subclass, self.tid = cls, sub, tid


class Decision:
    def __init__(self, result, token=None, effect=None, state=None):
        self.result, self.token, self.effect, self.state = result, token, effect, state


def make(cls, sub, tid, value):
    s = "%d%d%08d%08d" % (cls, sub, tid, value)
    return s + "%02d" % (sum(int(c) for c in s) % 100)


def process(state, text, now_minutes=None, settings=None):
    """Contract-following fake of sts.processor.process (never raises)."""
    try:
        if not isinstance(text, str) or len(text) != 20:
            return Decision(6)
        for c in text:
            if not "0" <= c <= "9":
                return Decision(6)
        if sum(int(c) for c in text[:18]) % 100 != int(text[18:]):
            return Decision(13)
        cls, sub, tid, value = int(text[0]), int(text[1]), int(text[2:10]), int(text[10:18])
        tok = Token(cls, sub, tid)
        if cls == 1:
            return Decision(1, tok, Effect(Effect.TEST, value))
        if cls == 2 and sub == 3:
            s = state.copy()
            s.krn = value % 10
            if tid == 1:
                s.tids = []
            return Decision(3, Token(2, 3, None), Effect(Effect.KEY_CHANGED, 1 if tid == 1 else 0), s)
        if cls > 2:
            return Decision(6)
        if state.tids and tid < min(state.tids) and len(state.tids) >= TID_MEMORY_SIZE:
            return Decision(9, tok)
        if tid in state.tids:
            return Decision(10, tok)
        s = state.copy()
        s.tids.append(tid)
        s.tids.sort()
        while len(s.tids) > TID_MEMORY_SIZE:
            s.tids.pop(0)
        if cls == 0:
            eff = Effect(Effect.CREDIT, value, sub)
        elif sub == 0:
            eff = Effect(Effect.SET_MPL, value)
        elif sub == 1:
            eff = Effect(Effect.CLEAR_CREDIT, 0, 0xFFFF if value == 99999999 else value)
        elif sub == 5:
            eff = Effect(Effect.CLEAR_TAMPER)
        else:
            return Decision(8, tok)
        return Decision(1, tok, eff, s)
    except MemoryError:  # as sts.processor: the meter collects and tries again
        raise
    except Exception:
        return Decision(6)


def new_meter(store=None, drn="00000000000", config=None, clock=None, log=None, sts_state=None,
              realtime=None):
    from meter.meter import Meter
    from meter_rig import Store, Clock, Relay, Display, EventLog
    cfg = {"process": process, "effect": Effect}
    if config:
        cfg.update(config)
    store = store if store is not None else Store()
    clock = clock if clock is not None else Clock()
    m = Meter(cfg, store, sts_state or StsState(drn), clock, Relay(), Display(),
              log if log is not None else EventLog(), realtime=realtime)
    return m


class FakeTokens:
    """Token maker with the interface of meter_sts.Tokens, for the fakes."""

    def config(self):
        return {"process": process, "effect": Effect}

    def factory_state(self, drn):
        return StsState(drn)

    def credit(self, drn, tid, units):
        return make(0, 0, tid, units)

    def tids(self, rec):
        return rec["tids"]

    def memory(self):
        return TID_MEMORY_SIZE
