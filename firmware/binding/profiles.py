# The meter's profiles and event logs as COSEM profile generics (class 7,
# dlms.profile_generic) over meter.recorder, their capture objects (columns)
# and the objects those name (dlms.obis.COLUMN_OBJECTS, class 1; the energy
# since the last token, class 3). binding.object_list lists them as entries,
# so this module loads when a client first reaches one; `rec` is the callable
# that gives the recorder (app.App.recorder: importing meter.recorder here
# keeps it, and the recorder, loaded from then on). docs/dlms.md "Profiles
# and event logs".
from compat import const
from dlms import axdr, obis
from dlms.cosem import CosemObject, AccessError, R0, R1, MANAGEMENT, NOBODY, OTHER_REASON, \
    READ_WRITE_DENIED
from meter import recorder as rc

_U8, _ENUM, _I32, _U32 = axdr.UNSIGNED, axdr.ENUM, axdr.DOUBLE_LONG, axdr.DOUBLE_LONG_UNSIGNED
_C = obis.COLUMN_OBJECTS
_AMR = const(6)  # COLUMN_OBJECTS: 0-5 the event logs' event codes, then these
_DAY = const(86400)
# COLUMN_OBJECTS 7.. -> (log, row index, A-XDR type) of the newest row they show
_NEWEST = ((rc.POWER, 3, _U32), (rc.TOKEN, 4, _U8), (rc.TOKEN, 5, _I32), (rc.TOKEN, 6, _U32))


def _obj(k, tag):
    return (1, _C[k], 2, tag)


# columns after the clock per recorder log (their rows: meter.recorder._LOGS)
_COLUMNS = (
    (_obj(rc.STANDARD, _U8),), (_obj(rc.FRAUD, _U8),), (_obj(rc.DISCONNECTOR, _U8),),
    (_obj(rc.POWER, _U8), _obj(7, _U32)),
    (_obj(rc.TOKEN, _U8), (115, obis.TOKEN_GATEWAY, 5, _ENUM), _obj(8, _U8), _obj(9, _I32),
     _obj(10, _U32)),
    (_obj(rc.SECURITY, _U8),),
    (_obj(_AMR, _U8), (3, obis.ACTIVE_ENERGY_IMPORT, 2, _U32)),
    ((112, obis.CREDIT_TOKEN, 2, _I32), (3, obis.ACTIVE_ENERGY_IMPORT, 2, _U32),
     (3, obis.ENERGY_SINCE_TOKEN, 2, _U32)),
)


class Source:
    """What dlms.profile_generic reads: the profile or log `ln` of recorder rec()."""

    def __init__(self, rec, ln):
        self.rec = rec  # called at each use: it files the events logged since (app.App)
        self.i = i = obis.PROFILES.index(ln)
        self.columns = ((8, obis.CLOCK, 2, axdr.OCTET_STRING),) + _COLUMNS[i]
        if i == rc.BILLING:  # a payment meter's charges: total_amount_paid (docs/payment.md)
            self.columns += tuple((113, obis.ln(0, 0, 19, 20, k), 2, _I32)
                                  for k in range(rec().charges()))
        self.period = rc.CAPTURE_S if i == rc.LOAD else _DAY if i == rc.BILLING else 0
        self.capacity = rc.capacity(i)
        self.clock = rec().clock

    def in_use(self):
        return self.rec().ring(self.i).in_use()

    def rows(self):
        return self.rec().rows(self.i)

    def reset(self):
        self.rec().reset(self.i)

    def capture(self):
        if self.i < rc.LOAD:
            raise AccessError(READ_WRITE_DENIED)  # an event log captures its events
        if not self.rec().capture(self.i, self.clock.now()):
            raise AccessError(OTHER_REASON)  # the profile holds a newer row (clock set back)


def profile(ln, rec):
    """The profile generic `ln` (obis.PROFILES) of recorder rec(): management
    may reset every one and capture the load and billing profiles."""
    from dlms.profile_generic import ProfileGeneric
    src = Source(rec, ln)
    return ProfileGeneric(ln, src, (MANAGEMENT, MANAGEMENT if src.i >= rc.LOAD else NOBODY))


class Column(CosemObject):
    """Class 1, COLUMN_OBJECTS[k]: its column in the newest row (0 before
    any), or the AMR status of the running interval."""
    class_id = 1
    ATTRS = (R0, R1)

    def __init__(self, ln, rec):
        CosemObject.__init__(self, ln)
        self.rec = rec
        self.k = _C.index(ln)

    def read(self, attr, ctx):
        rec, k = self.rec(), self.k
        if k == _AMR:
            return (_U8, rec.status(rec.clock.now()))
        log, col, tag = (k, 2, _U8) if k < _AMR else _NEWEST[k - _AMR - 1]
        r = rec.newest(log)
        return (tag, r[col] if r is not None else 0)


def energy_since_token(ln, meter):
    """Class 3: Wh consumed since the last credit token (a billing column)."""
    from dlms.obj_data import Register
    return Register(ln, lambda c: (_U32, max(0, meter.published_energy_wh()
                                             - meter.account.token_wh) & 0xFFFFFFFF), 0, 30, R1)
