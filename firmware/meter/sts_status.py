# What a head-end needs to vend for and support this meter (issue 13 item 3):
# the STS parameters, key expiry, TID memory, CTS mode and keypad lock-out as
# plain values, read when asked (binding.sts_attributes shows them over DLMS).
# Never the decoder key. Loaded only when a client reads them.
from sts import tid as _tid
from sts.state import TID_MEMORY_SIZE


def status(meter, lockout=None):
    """A dict of the meter's STS status (docs/dlms.md "STS attributes"):
    drn, ea, sgc, ti, krn, kt, ken; key_expiry: (y, m, d, hh, mm) of the last
    minute a token of this key may carry, None for KEN 255 (no expiry);
    base_date (year); last_tid: the TID of the last accepted token (None
    before one) and last_tid_date its (y, m, d, hh, mm); tids_used and
    tids_size: the TID memory's fill; cts_state (meter.cts), cts_timer_s;
    keypad_locked, keypad_lock_s (seconds left), keypad_rejects (in a row)
    from `lockout` (sts.lockout.Lockout, the keypad's; None: no lock-out)."""
    s = meter.sts
    tid = meter.last_tid
    state, _, timer_s, _ = meter.cts_register_read()
    now = meter.clock()
    left = lockout.remaining(now) if lockout is not None else 0
    return {
        "drn": s.drn, "ea": s.ea, "sgc": s.sgc, "ti": s.ti, "krn": s.krn, "kt": s.kt,
        "ken": s.ken,
        # sts.md 9.3: a TID whose top 8 bits exceed KEN is refused (KEN 255: never)
        "key_expiry": None if s.ken >= 255 else _tid.to_date(s.base_date,
                                                             ((s.ken + 1) << 16) - 1),
        "base_date": s.base_date,
        "last_tid": tid if tid >= 0 else None,
        "last_tid_date": _tid.to_date(s.base_date, tid) if tid >= 0 else None,
        "tids_used": len(s.tids), "tids_size": TID_MEMORY_SIZE,
        "cts_state": state, "cts_timer_s": timer_s,
        "keypad_locked": left > 0, "keypad_lock_s": left,
        "keypad_rejects": lockout.rejects if lockout is not None else 0,
    }
