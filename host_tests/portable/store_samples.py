# Sample records for the storage tests and the storage bench.


def meter_state(n):
    """A realistic record: about 600 bytes encoded."""
    return {
        "sts": {"ea": 11, "key": bytes((n + i) & 0xFF for i in range(16)), "kt": 1, "krn": 1,
                "ti": 7, "sgc": 999910, "ken": 255, "base_date": 1993, "drn": "600727000000",
                "mfr_code": 60, "tids": [7000000 + 4099 * i + n for i in range(50)], "kct": None},
        "credit": [1000 * n, 0, 0, 0, 0, 0, 0, 0], "ec": {"on": False, "owed": 0},
        "energy_wh": 123456789 + n, "relay": {"closed": True, "reason": 0},
        "mode": "prepaid", "mpl_w": 0, "cts": {"state": 0, "elapsed_s": 0, "uut": 0},
        "lockout": {"rejects": 0, "until_s": 0},
        "counters": {"tokens": n, "rejects": 3, "power_ups": 17, "events": 90 + n},
        "last": {"result": 1, "tid": 7000000 + n, "time_s": 800000000 + n},
    }


def reboot_and_check(disk, committed, pending_state, logged, pending_event, cap, per_segment):
    """After a power cut: remount; the state must be the committed one or the
    one being committed; the log must hold what was logged, plus at most the
    event being appended (added to `logged` when it made it). Returns
    (fs, the state now committed)."""
    from store.eventlog import EventLog
    from store.state import StateStore
    fs = disk.reboot()
    got = StateStore(fs, "/state").load()
    assert got == committed or (pending_state is not None and got == pending_state)
    entries = EventLog(fs, "/ev", cap, per_segment).entries()
    if pending_event is not None and entries and entries[-1] == pending_event:
        logged.append(pending_event)
    assert entries == logged[-cap:]
    return fs, got
