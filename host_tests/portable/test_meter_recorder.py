# mp-heap: 512k
# Portable: meter.recorder, the profiles and event logs: which meter event
# lands in which log with which IDIS/DSMR code (docs/dlms.md "Event codes"),
# the token rows, the 15-minute load profile and its AMR status, the daily
# billing row per local day, a clock set back, reset; and through app.App on
# a RAM file system: a keypad token in the token log, events that keep their
# order and time across power cuts on a board without an RTC battery.
# Heap: the App tests import the whole firmware and run a keypad token; as
# test_store_damage.py, below about 448k the STS engine runs out (result 17).
import vocab
from meter import recorder as rc
from meter.realtime import RealTime
from meter_ramfs import RamFs
from meter_tokens import TOKENS
from store.ring import Ring

T0 = 848001600  # 2026-11-14 20:00:00 UTC, a quarter hour


class Rtc:
    def __init__(self, t):
        self.t = t

    def __call__(self):
        return self.t


class Account:
    def __init__(self):
        self.credit = [0] * 8
        self.metered = 0
        self.token_wh = 0


class Meter:
    fault = 0

    def __init__(self):
        self.wh = 0
        self.account = Account()

    def published_energy_wh(self):
        return self.wh


def _recorder(t=T0, battery=True):
    rtc, fs = Rtc(t), RamFs()
    clock = RealTime(rtc, None, None, battery)
    r = rc.Recorder((Ring, fs, "/logs/"), clock)
    r.meter = Meter()
    return r, rtc, clock


def _rows(r, i):
    return [row for _, row in r.rows(i)]


# (event, a) -> (log, code): the table of docs/dlms.md "Event codes"
ROUTES = (
    (vocab.EV_POWER_DOWN, rc.POWER, 1), (vocab.EV_POWER_UP, rc.POWER, 2),
    (vocab.EV_CLOCK_INVALID, rc.STANDARD, 6), (vocab.EV_FW_ACTIVATING, rc.STANDARD, 18),
    (vocab.EV_CTS_ENTERED, rc.STANDARD, 209), (vocab.EV_FAULT, rc.STANDARD, 229),
    (vocab.EV_TAMPER_DETECTED, rc.FRAUD, 207), (vocab.EV_TAMPER_CLEARED, rc.FRAUD, 208),
    (vocab.EV_MANUAL_RECONNECT, rc.DISCONNECTOR, 61),
    (vocab.EV_REMOTE_DISCONNECT, rc.DISCONNECTOR, 62),
    (vocab.EV_REMOTE_RECONNECT, rc.DISCONNECTOR, 63), (vocab.EV_RELAY_OPENED, rc.DISCONNECTOR, 64),
    (vocab.EV_POWER_LIMIT_TRIP, rc.DISCONNECTOR, 65), (vocab.EV_MPL_SET, rc.DISCONNECTOR, 67),
    (vocab.EV_RELAY_CLOSED, rc.DISCONNECTOR, 206),
    (vocab.EV_DLMS_AUTH_LOCKED, rc.SECURITY, 46), (vocab.EV_CLOCK_OLD, rc.SECURITY, 4),
    (vocab.EV_CLOCK_NEW, rc.SECURITY, 5), (vocab.EV_KEY_CHANGED, rc.SECURITY, 211),
    (vocab.EV_DLMS_AUTH_FAILED, rc.SECURITY, 231), (vocab.EV_DLMS_KEYS_RENEWED, rc.SECURITY, 224),
    (vocab.EV_CLOCK_JUMP, rc.SECURITY, 234), (vocab.EV_PAYMENT_MODE, rc.STANDARD, 236),
    (vocab.EV_CHARGE_COLLECTED, rc.STANDARD, 237), (vocab.EV_TARIFF_ACTIVATED, rc.STANDARD, 239),
    (40, rc.STANDARD, 240),  # meter.account_status.EV_ACCOUNT_STATUS
)


def test_events_go_to_their_log_with_their_code():
    r, _, _ = _recorder()
    for i, (code, log, std) in enumerate(ROUTES):
        r.event([T0 + i, code, vocab.REASON_NO_CREDIT, 0])
        assert r.newest(log)[:3] == (T0 + i, 0, std), (code, r.newest(log))
    # every vocab event code has a log
    for c in range(1, 41):
        r.event([T0, c, 1, 2])
    assert sum(r.ring(i).appends for i in range(rc.LOAD)) == len(ROUTES) + 40
    r.event([T0, 0, 0, 0])  # codes outside the table are not logged
    r.event([T0, 99, 0, 0])
    assert sum(r.ring(i).appends for i in range(rc.LOAD)) == len(ROUTES) + 40


def test_the_relay_opened_by_a_command_is_said_by_the_command_alone():
    r, _, _ = _recorder()
    r.event([T0, vocab.EV_REMOTE_DISCONNECT, 1, 0])
    r.event([T0, vocab.EV_RELAY_OPENED, vocab.REASON_COMMANDED, 0])
    r.event([T0 + 5, vocab.EV_RELAY_OPENED, vocab.REASON_NO_CREDIT, 0])
    assert [row[2] for row in _rows(r, rc.DISCONNECTOR)] == [62, 64]


def test_token_rows_and_credit_rows():
    r, _, _ = _recorder()
    r.event([T0, vocab.EV_TOKEN_ACCEPTED, vocab.ACCEPT, 3000, vocab.KEYPAD, 100])
    r.event([T0 + 1, vocab.EV_TOKEN_REJECTED, vocab.USED, 3000, vocab.REMOTE, 0])
    r.event([T0 + 2, vocab.EV_TOKEN_ACCEPTED, vocab.KCT2_ACCEPTED, -1, vocab.REMOTE, 0])
    r.event([T0 + 3, vocab.EV_EMERGENCY_CREDIT, 50, 0])
    assert _rows(r, rc.TOKEN) == [
        (T0, 0, 201, vocab.KEYPAD, vocab.ACCEPT, 100, 3000),
        (T0 + 1, 0, 202, vocab.REMOTE, vocab.USED, 0, 3000),
        (T0 + 2, 0, 201, vocab.REMOTE, vocab.KCT2_ACCEPTED, 0, 0xFFFFFFFF),  # a KCT has no TID
        (T0 + 3, 0, 214, 0xFF, 0, 50, 0xFFFFFFFF)]


def test_power_rows_carry_the_time_the_power_was_off():
    r, _, _ = _recorder()
    r.event([T0, vocab.EV_POWER_DOWN, 0, 0])
    r.event([T0 + 60, vocab.EV_POWER_UP, 3600, 0])
    assert _rows(r, rc.POWER) == [(T0, 0, 1, 0), (T0 + 60, 0, 2, 3600)]


def test_rows_record_a_doubtful_clock():
    r, _, clock = _recorder(battery=False)
    r.event([T0, vocab.EV_FAULT, 1, 1])
    assert r.newest(rc.STANDARD)[1] == 3  # invalid (never set) and doubtful (resumed)


def test_load_profile_every_quarter_hour_with_its_status():
    r, rtc, clock = _recorder(T0 + 100)
    m = r.meter
    for s in range(0, 2600, 10):  # ticks from 20:01:40 to 20:44:50
        t = T0 + 100 + s
        m.wh = s // 10
        r.tick(t)
    rows = _rows(r, rc.LOAD)
    assert [row[0] for row in rows] == [T0 + 900, T0 + 1800]  # nothing at the partial start
    assert rows[0][2] == rc.POWER_DOWN and rows[1][2] == 0  # the first interval began at power-up
    assert [row[3] for row in rows] == [80, 170]
    clock.set(T0 + 2000)  # the clock is set during the third interval
    r.tick(T0 + 2700)
    assert r.newest(rc.LOAD)[:3] == (T0 + 2700, 0, 0)  # no clock-adjusted: set() logs it ...
    r.event([T0 + 2710, vocab.EV_CLOCK_NEW, 10, 2])  # ... the meter passes the event on
    r.tick(T0 + 3600)
    assert r.newest(rc.LOAD)[2] == rc.CLOCK_ADJUSTED


def test_the_first_quarter_after_the_start_is_captured_when_the_first_tick_comes_late():
    r, _, _ = _recorder(T0 + 100)  # built at 20:01:40, first tick at 20:16
    r.tick(T0 + 960)
    assert [row[0] for row in _rows(r, rc.LOAD)] == [T0 + 900]


def test_load_profile_status_bits_clock_invalid_dst_and_fault():
    r, rtc, clock = _recorder(T0, battery=False)
    r.state[0] = 0
    r.meter.fault = 2
    clock.configure(tz=-60, dst=[[3, 0xFE, 7, 2, 0], [10, 0xFE, 7, 3, 0], 60, True])
    assert r.status(T0) == rc.CLOCK_INVALID | rc.DATA_NOT_VALID
    assert r.status(828061200 + 3600) & rc.DST  # in summer time


def test_a_clock_set_back_never_makes_rows_out_of_order():
    r, _, _ = _recorder(T0)
    for t in (T0, T0 + 900, T0 + 1800):
        r.tick(t)
    assert [row[0] for row in _rows(r, rc.LOAD)] == [T0 + 900, T0 + 1800]
    r.tick(T0 + 10)  # set back 30 minutes
    r.tick(T0 + 900)
    r.tick(T0 + 1800)  # these quarters are in the profile already
    r.tick(T0 + 2700)
    assert [row[0] for row in _rows(r, rc.LOAD)] == [T0 + 900, T0 + 1800, T0 + 2700]
    assert not r.capture(rc.LOAD, T0 + 2700)  # the capture method refuses too


def test_billing_row_at_the_first_quarter_of_each_local_day():
    r, rtc, clock = _recorder(T0)
    clock.configure(tz=-120)  # UTC+2: local midnight is 22:00 UTC
    a = r.meter.account
    a.credit[0], a.token_wh = 500, 40
    r.meter.wh = 100
    for t in range(T0, T0 + 86400 + 1, 900):
        r.tick(t)
        r.meter.wh += 1
    rows = _rows(r, rc.BILLING)
    # the first row at the first quarter after the start, then 22:00 UTC each day
    assert [row[0] for row in rows] == [T0 + 900, T0 + 7200]
    assert rows[0][2:] == (500, 101, 61) and rows[1][2:] == (500, 108, 68)
    a.token_wh = 1000  # consumption since the token never goes below 0
    assert r.capture(rc.BILLING, T0 + 9000) and r.newest(rc.BILLING)[4] == 0


def test_reset_empties_and_an_event_log_says_so():
    r, _, _ = _recorder(T0)
    for i in range(5):
        r.event([T0 + i, vocab.EV_TAMPER_DETECTED, 0, 0])
        r.event([T0 + i, vocab.EV_TOKEN_REJECTED, vocab.CRC, 5, 0, 0])
    r.tick(T0)
    r.tick(T0 + 900)
    for i in (rc.FRAUD, rc.TOKEN, rc.LOAD):
        r.reset(i)
    assert _rows(r, rc.FRAUD) == [(T0, 0, 255)]
    assert _rows(r, rc.TOKEN) == [(T0, 0, 255, 0, 0, 0, 0xFFFFFFFF)]
    assert _rows(r, rc.LOAD) == []


# -- through app.App ---------------------------------------------------------------

class _Relay:
    closed = None

    def set(self, closed):
        self.closed = closed


def _app(fs, rtc, up, battery):
    import app
    return app.App(None, fs, up, rtc, _Relay(), lambda n: bytes(n), rtc_battery=battery)


def test_a_keypad_token_reaches_the_token_log_with_source_amount_and_tid():
    a = _app(RamFs(), Rtc(T0), Rtc(0), True)
    for d in TOKENS["dev_keypad"]:
        a.key(d)
    assert a.key("#") == vocab.ACCEPT
    assert a.recorder().newest(rc.TOKEN) == (T0, 0, 201, vocab.KEYPAD, vocab.ACCEPT, 100, 3000)
    assert a.meter.account.token_wh == 0 and a.recorder().newest(rc.POWER)[:3] == (T0, 0, 2)


def test_events_keep_their_order_and_time_across_power_cuts_without_an_rtc_battery():
    fs, up = RamFs(), Rtc(0)
    a = _app(fs, Rtc(3), up, False)  # a Pico: its RTC restarts near zero at each power-up
    a.realtime.set(T0)
    times = []
    for k in range(3):
        for s in range(1, 400):
            up.t += 1
            a.realtime.rtc.t += 1
            a.tick()
        a.meter.set_tamper(True)  # an event just before the power cut
        a.meter.log_event(vocab.EV_FAULT, 1, 1)
        times.append(a.eventlog.entries()[-1][1])
        up.t = 0
        a = _app(fs, Rtc(2 + k), up, False)  # power cut: the RTC starts again
        assert a.realtime.resumed and a.realtime.now() == times[-1]  # from the newest event
    journal = a.eventlog.entries()
    assert [e[0] for e in journal] == sorted(e[0] for e in journal)
    assert [e[1] for e in journal] == sorted(e[1] for e in journal)  # never back in time
    assert journal[0][1] == 0 and journal[2][2] == vocab.EV_CLOCK_INVALID  # 2000-01-01: never set
    for i in range(rc.LOAD):
        ts = [row[0] for row in _rows(a.recorder(), i)]
        assert ts == sorted(ts)
    # the times logged before each cut did not change; each restart says "clock invalid"
    assert [e[1] for e in journal if e[2] == vocab.EV_FAULT] == times
    assert len([e for e in journal if e[2] == vocab.EV_CLOCK_INVALID]) == 4
    std = _rows(a.recorder(), rc.STANDARD)
    assert [row[2] for row in std].count(6) == 4 and all(row[1] & 2 for row in std[1:] if row[2] == 6)


def test_app_keeps_the_recorder_state_as_meter_recorder_makes_it():
    a = _app(RamFs(), Rtc(T0 + 901), Rtc(0), True)
    assert a.recorder().state == rc.new_state(T0 + 901) == [rc.POWER_DOWN, T0 + 900]
