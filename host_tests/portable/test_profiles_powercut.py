# mp32-skip: all: blockdev.RamDisk mounts os.VfsLfs2 (littlefs), which the WebAssembly port does not have
# Portable: a power cut at every flash operation of profile and event-log
# appends on littlefs (blockdev.sweep, three tear modes) loses at most the row
# being appended and never damages the ring: after the reboot the ring holds
# the rows that were appended, oldest first with consecutive numbers, and
# goes on. First a ring in the load profile's row format with a small
# geometry, so the run wraps around its segments; then meter.recorder itself
# (its real geometry) through quarter-hour captures, events and token rows.

import blockdev
from blockdev import TEAR_NONE, TEAR_HALF, TEAR_GARBLE
import vocab
from meter import recorder as rc
from meter.realtime import RealTime
from store.ring import Ring

T0 = 848001600
FMT = "<IBBI"  # a load profile row: time, clock status, AMR status, energy
CAP, PER = 7, 3


def _row(i):
    return (T0 + 900 * i, 0, i & 0xFF, 1000 + i)


def _ring_run(first, n):
    def run(fs, done):
        r = Ring(fs, "/d/load", FMT, CAP, PER)
        for i in range(first, first + n):
            assert r.append(*_row(i)) == i
            done.append(i)
    return run


def _ring_check(first, n):
    def check(fs, done):
        r = Ring(fs, "/d/load", FMT, CAP, PER)
        got = list(r.records())
        last = first - 1 + len(done)  # appended before the cut
        ok = [[(i, _row(i)) for i in range(max(1, k - CAP + 1), k + 1)]
              for k in (last, min(last + 1, first + n - 1))]
        assert got in ok, (done, got)
        assert r.in_use() == len(got) and r.newest == (got[-1][1] if got else None)
        seq = r.append(*_row(99))  # and it goes on
        assert seq == (got[-1][0] + 1 if got else 1) and list(r.records())[-1] == (seq, _row(99))
    return check


def _sweep_ring(tear, prefill, n):
    disk = blockdev.RamDisk()
    fs = disk.mount()
    r = Ring(fs, "/d/load", FMT, CAP, PER)
    for i in range(1, prefill + 1):
        r.append(*_row(i))
    return blockdev.sweep(disk, _ring_run(prefill + 1, n), _ring_check(prefill + 1, n), tear)


def test_every_cut_during_profile_appends_loses_at_most_that_row():
    assert _sweep_ring(TEAR_NONE, 4, 12) > 12


def test_every_cut_during_profile_appends_half_written():
    assert _sweep_ring(TEAR_HALF, 0, 10) > 10


def test_every_cut_during_profile_appends_garbled():
    assert _sweep_ring(TEAR_GARBLE, 6, 10) > 10


class _Meter:
    fault = 0

    def __init__(self):
        self.wh = 500

        class A:
            credit, metered, token_wh = [70] * 8, 0, 0
        self.account = A()

    def published_energy_wh(self):
        return self.wh


def _recorder(fs):
    r = rc.Recorder((Ring, fs, "/logs/"), RealTime(lambda: T0))
    r.meter = _Meter()
    return r


# (steps) each one append: a quarter-hour capture, an event, a token row
STEPS = (("tick", T0 + 900), ("event", [T0 + 901, vocab.EV_TAMPER_DETECTED, 0, 0]),
         ("event", [T0 + 902, vocab.EV_TOKEN_ACCEPTED, 1, 3000, vocab.REMOTE, 100]),
         ("tick", T0 + 1800), ("event", [T0 + 1801, vocab.EV_REMOTE_DISCONNECT, 1, 0]),
         ("tick", T0 + 2700))


_DISK = [None]  # the disk of the sweep: its recorder appends swallow the cut


def _recorder_run(fs, done):
    r = _recorder(fs)
    r.tick(T0)
    for k, (kind, arg) in enumerate(STEPS):
        if kind == "tick":
            r.meter.wh += 10
            r.tick(arg)
        else:
            r.event(arg)
        if _DISK[0].dead:
            return  # the recorder's appends are best effort: it goes on, we stop here
        done.append(k)


def _recorder_check(fs, done):
    r = _recorder(fs)
    load = [row for _, row in r.rows(rc.LOAD)]
    fraud = [row for _, row in r.rows(rc.FRAUD)]
    token = [row for _, row in r.rows(rc.TOKEN)]
    disc = [row for _, row in r.rows(rc.DISCONNECTOR)]
    want_load = [(T0 + 900 * q, 0, rc.POWER_DOWN if q == 1 else 0, 500 + 10 * q) for q in (1, 2, 3)]
    n = len(done)
    ticks = [k for k in (0, 3, 5) if k < n]
    # each step that returned is there; the one the cut hit may be or not
    assert load[:len(ticks)] == want_load[:len(ticks)] and len(load) <= len(ticks) + 1
    assert (fraud == [(T0 + 901, 0, 207)]) if n > 1 else fraud in ([], [(T0 + 901, 0, 207)])
    assert (token == [(T0 + 902, 0, 201, 0, 1, 100, 3000)]) if n > 2 else len(token) <= 1
    assert (disc == [(T0 + 1801, 0, 62)]) if n > 4 else len(disc) <= 1
    # every ring goes on after the cut
    r.event([T0 + 3000, vocab.EV_TAMPER_CLEARED, 0, 0])
    assert r.newest(rc.FRAUD) == (T0 + 3000, 0, 208)
    assert r.capture(rc.LOAD, T0 + 3600) and r.newest(rc.LOAD)[0] == T0 + 3600


def _sweep_recorder(tear):
    disk = blockdev.RamDisk()
    disk.mount()
    _DISK[0] = disk
    return blockdev.sweep(disk, _recorder_run, _recorder_check, tear)


def test_every_cut_in_the_recorder_loses_at_most_the_row_being_appended():
    assert _sweep_recorder(TEAR_GARBLE) > 6


def test_every_cut_in_the_recorder_half_written():
    assert _sweep_recorder(TEAR_HALF) > 6
