"""Interop (issue 13): gurux-dlms and dlms-cosem, unmodified, read the load
profile, the billing profile and the event logs (class 7) of the whole meter
(app.App behind the host board's HDLC-over-TCP adapter, host_tests/meter_tcp.py)
after a simulated day on an injected clock: every row read matches the row
the meter recorded (meter.recorder) and what the day did to it.

dlms-cosem 25.1 cannot encode an entry_descriptor (EntryDescriptor.to_bytes
raises NotImplementedError): it reads by range and whole buffers; gurux reads
by range and by entry."""
import contextlib
import datetime
import io
import logging

import pytest
import structlog
from dlms_cosem import cosem as dc, enumerations as en, time as dtime, utils
from dlms_cosem.client import DlmsClient
from dlms_cosem.cosem.capture_object import CaptureObject
from dlms_cosem.cosem.selective_access import RangeDescriptor
from dlms_cosem.io import BlockingTcpIO, HdlcTransport
from dlms_cosem.security import LowLevelSecurityAuthentication
from gurux_dlms import GXDateTime
from gurux_dlms.objects import GXDLMSClock, GXDLMSData, GXDLMSProfileGeneric

import provision
import vocab
from dlms import obis
from meter import recorder as rc
from meter_tcp import ApduLog, MeterTcp, vend
from pctools import tokens
from pctools.meterclient import MANAGEMENT, READER, MeterClient

structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
pytestmark = pytest.mark.xdist_group("profiles_day")

UTC = datetime.timezone.utc
EPOCH = datetime.datetime(2000, 1, 1, tzinfo=UTC)
DAY0 = 848016000  # 2026-11-15 00:00:00 UTC, seconds since 2000
START = DAY0 + 300  # the meter is built at 00:05
STEP = 300  # the simulated board ticks every 5 minutes
OUTAGE = (9 * 3600, 9 * 3600 + 1500)  # a power cut from 09:00 to 09:25


def wh_in_quarter(q):
    """Energy drawn in the q-th quarter hour of the day (a made-up load curve)."""
    return 40 + (q * 37) % 200


def clear_tamper_token(minute):
    """A ClearTamper token (class 2 subclass 5) for the development meter,
    issued `minute` minutes past 2026-01-01 00:10 (meter_tcp.vend's dates)."""
    p = provision.DEV_PROVISION
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert tokens.main(["vend", "--key", p["key"], "--ea", "07", "--class", "2",
                            "--subclass", "5", "--base-date", str(p["base_date"]),
                            "--date", "2026-01-01 00:%02d" % (10 + minute), "--value", "0"]) == 0
    return out.getvalue().split()[0]


def at(t):
    return EPOCH + datetime.timedelta(seconds=t)


def secs(dt):
    if dt.tzinfo is None:  # dlms-cosem gives deviation 0 as a naive datetime
        dt = dt.replace(tzinfo=UTC)
    return int((dt - EPOCH).total_seconds())


class Day:
    """The meter's RTC (wall clock) and its powered clock, both moved by the test."""

    def __init__(self):
        self.t = START
        self.t_on = START  # when the power came back: the powered clock counts from there
        self.draws = []  # (time, Wh drawn in the STEP before)

    def uptime(self):
        return self.t - self.t_on


def _run(m, sim, until, happen):
    """Tick the meter every STEP seconds up to `until`, drawing each quarter's
    energy as it goes; happen[t] runs at time t (on the server's thread)."""
    def steps():
        a = m.app
        while sim.t < until:
            q = (sim.t - DAY0) // 900
            sim.t += STEP
            wh = wh_in_quarter(q) // 3
            sim.draws.append((sim.t, wh))
            a.meter.consume(wh)
            a.tick()
            for t in sorted(happen):
                if t <= sim.t:
                    happen.pop(t)(a)
    m.call(steps)


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    """One meter through 2026-11-15 and the first half hour of the 16th: a
    keypad token, the same token again (used), a tamper cleared by a
    ClearTamper token, a remote
    disconnection and reconnection, a power cut with its brown-out warning,
    and the clock set one minute forward by the management client."""
    sim = Day()
    m = MeterTcp(str(tmp_path_factory.mktemp("day")), clock=sim.uptime, wallclock=lambda: sim.t)
    token, clear = vend("5", 1), clear_tamper_token(2)
    _run(m, sim, DAY0 + OUTAGE[0], {
        DAY0 + 3 * 3600: lambda a: a.meter.enter_token(token, vocab.KEYPAD),
        DAY0 + 3 * 3600 + 1800: lambda a: a.meter.enter_token(token, vocab.KEYPAD),
        DAY0 + 6 * 3600: lambda a: a.meter.set_tamper(True),
        DAY0 + 6 * 3600 + 600: lambda a: a.meter.enter_token(clear, vocab.KEYPAD),
        DAY0 + 7 * 3600: lambda a: a.meter.remote_disconnect(),
        DAY0 + 8 * 3600: lambda a: a.meter.remote_reconnect(),
    })
    m.call(lambda: m.meter.power_down())
    m.stop()
    sim.t = sim.t_on = DAY0 + OUTAGE[1]
    m.start()
    _run(m, sim, DAY0 + 86400 + 1800, {})
    with MeterClient(m.url, client=MANAGEMENT) as c:
        clock = GXDLMSClock(obis.to_text(obis.CLOCK))
        clock.time = GXDateTime(at(sim.t + 60))
        c.write(clock, 2)
    m.sim = sim
    yield m
    m.stop()


def recorded(m, log, lo=0, hi=1 << 40):
    """The rows the meter recorded in `log` with lo <= time <= hi, as tuples."""
    return m.call(lambda: [r for _, r in m.app.recorder().rows(log) if lo <= r[0] <= hi])


def pg(log):
    return GXDLMSProfileGeneric(obis.to_text(obis.PROFILES[log]))


def gurux_rows(c, p, frames, cols=None):
    """The rows of a buffer read, as gurux parses them (by the capture objects
    read before, or the columns `cols` selected), date-times as UTC seconds."""
    reply = c.exchange(frames)
    assert not reply.error, reply.error
    c.client.updateValue(p, 2, reply.value, cols)
    return [[secs(v.value) if isinstance(v, GXDateTime) else v for v in row] for row in p.buffer]


def as_read(row, cols=None):
    """A recorded row (time, clock status, values...) as a client reads it:
    time, values..., or the columns `cols` of that."""
    r = [row[0]] + list(row[2:])
    return r if cols is None else [r[i] for i in cols]


def test_the_day_was_recorded(day):
    """What the checks below compare with is what the day did."""
    load = recorded(day, rc.LOAD)
    times = [r[0] for r in load]
    # every quarter hour from 00:15 to 00:30 the next day but the two in the power cut
    want = [t for t in range(DAY0 + 900, DAY0 + 86400 + 1801, 900)
            if not DAY0 + OUTAGE[0] < t <= DAY0 + OUTAGE[1]]
    assert times == want
    # energy at each quarter's end: what was drawn by then
    assert [r[3] for r in load] == [sum(w for te, w in day.sim.draws if te <= t) for t in times]
    # the intervals that began with a power-up are flagged (AMR status power down), no other
    assert [r[2] & rc.POWER_DOWN for r in load] == [
        rc.POWER_DOWN if t in (DAY0 + 900, DAY0 + OUTAGE[1] + 300) else 0 for t in times]
    bill = recorded(day, rc.BILLING)
    # a billing row at the first quarter hour after the first start, then at midnight
    assert [r[0] for r in bill] == [DAY0 + 900, DAY0 + 86400]
    tokens = recorded(day, rc.TOKEN)
    tid = tokens[0][6]
    # event codes 201 token accepted, 202 rejected (docs/dlms.md)
    assert [r[2:] for r in tokens] == [(201, vocab.KEYPAD, vocab.ACCEPT, 50, tid),
                                       (202, vocab.KEYPAD, vocab.USED, 0, tid),
                                       (201, vocab.KEYPAD, vocab.ACCEPT, 0, tid + 1)]


def test_gurux_reads_the_load_profile_by_range_and_by_entry(day):
    log = ApduLog(day.app.server)
    p = pg(rc.LOAD)
    with MeterClient(day.url, client=READER) as c:
        for i in (3, 4, 5, 6, 7, 8):
            c.read(p, i)
        assert [(int(o.objectType), o.logicalName, a.attributeIndex) for o, a in p.captureObjects] \
            == [(8, "0.0.1.0.0.255", 2), (1, "0.0.96.10.1.255", 2), (3, "1.0.1.8.0.255", 2)]
        assert p.capturePeriod == 900 and int(p.sortMethod) == 1
        assert p.profileEntries == rc.capacity(rc.LOAD)
        rows = recorded(day, rc.LOAD)
        assert p.entriesInUse == len(rows)
        # the whole buffer: longer than a PDU, so it comes in GET data blocks
        assert gurux_rows(c, p, c.client.read(p, 2)) == [as_read(r) for r in rows]
        assert any(a[:2] == b"\xc0\x02" for s, a in log.apdus)  # get-request-next
        # a range on the clock column, bounds included: 06:00 .. 12:00
        lo, hi = DAY0 + 6 * 3600, DAY0 + 12 * 3600
        got = gurux_rows(c, p, c.client.readRowsByRange(p, at(lo), at(hi)))
        assert got == [as_read(r) for r in recorded(day, rc.LOAD, lo, hi)] and len(got) == 24
        # the same range with two columns selected: the clock and the energy
        cols = [p.captureObjects[0], p.captureObjects[2]]
        got = gurux_rows(c, p, c.client.readRowsByRange(p, at(lo), at(hi), cols), cols)
        assert got == [as_read(r, (0, 2)) for r in recorded(day, rc.LOAD, lo, hi)]
        # entries 10..14 (entry 1 is the oldest row)
        got = gurux_rows(c, p, c.client.readRowsByEntry(p, 10, 5))
        assert got == [as_read(r) for r in rows[9:14]]
        # entries from 90 to the newest, the first two columns (gurux sends
        # from_selected_value 1, to_selected_value 2)
        cols = p.captureObjects[:2]
        got = gurux_rows(c, p, c.client.readRowsByEntry(p, 90, 0, cols), cols)
        assert got == [as_read(r, (0, 1)) for r in rows[89:]]
        # a range with no rows
        assert gurux_rows(c, p, c.client.readRowsByRange(p, at(DAY0 - 7200), at(DAY0))) == []


def test_gurux_reads_the_billing_profile(day):
    p = pg(rc.BILLING)
    with MeterClient(day.url, client=READER) as c:
        c.read(p, 3)
        assert [o.logicalName for o, _ in p.captureObjects] == [
            "0.0.1.0.0.255", "0.0.19.10.0.255", "1.0.1.8.0.255", "1.128.1.8.0.255"]
        got = gurux_rows(c, p, c.client.read(p, 2))
    rows = recorded(day, rc.BILLING)
    assert got == [as_read(r) for r in rows] and len(got) == 2
    # the midnight row: the energy of the load profile's midnight row, and what was
    # drawn since the credit token at 03:00
    energy = recorded(day, rc.LOAD, DAY0 + 86400, DAY0 + 86400)[0][3]
    at_token = sum(w for te, w in day.sim.draws if te <= DAY0 + 3 * 3600)
    assert got[1][2] == energy and got[1][3] == energy - at_token


def test_gurux_reads_the_event_logs_by_range_and_by_entry(day):
    with MeterClient(day.url, client=READER) as c:
        def read(log, frames=None):
            p = pg(log)
            c.read(p, 3)
            return p, gurux_rows(c, p, frames(p) if frames else c.client.read(p, 2))

        # the token log: time, event code, source, STS result, amount, TID
        p, got = read(rc.TOKEN, lambda p: c.client.readRowsByRange(
            p, at(DAY0 + 3 * 3600), at(DAY0 + 4 * 3600)))
        assert got == [as_read(r) for r in recorded(day, rc.TOKEN)][:2]
        assert [(r[0] - DAY0, r[2], r[3], r[4]) for r in got] == [
            (3 * 3600, vocab.KEYPAD, vocab.ACCEPT, 50), (3 * 3600 + 1800, vocab.KEYPAD, vocab.USED, 0)]
        # fraud detection: tamper detected 06:00, cleared by the token at 06:10
        # (codes 207, 208: docs/dlms.md)
        p, got = read(rc.FRAUD)
        assert got == [[DAY0 + 6 * 3600, 207], [DAY0 + 6 * 3600 + 600, 208]]
        # disconnector control: remote disconnection (62) at 07:00, remote connection (63) at 08:00
        p, got = read(rc.DISCONNECTOR, lambda p: c.client.readRowsByRange(
            p, at(DAY0 + 7 * 3600), at(DAY0 + 8 * 3600)))
        assert [r[1] for r in got][:1] == [62] and 63 in [r[1] for r in got]
        assert got == [as_read(r) for r in recorded(day, rc.DISCONNECTOR, DAY0 + 7 * 3600,
                                                    DAY0 + 8 * 3600)]
        # power failure log by entry: the power-up at build (code 2), then the
        # power down at 09:00 (1) and the power up at 09:25 with the outage (s)
        p, got = read(rc.POWER, lambda p: c.client.readRowsByEntry(p, 2, 2))
        assert got == [as_read(r) for r in recorded(day, rc.POWER)[1:3]]
        assert [r[:2] for r in got] == [[DAY0 + OUTAGE[0], 1], [DAY0 + OUTAGE[1], 2]]
        assert 1500 <= got[1][2] <= 1500 + 300  # off since the clock was last saved
        # security: the clock set one minute forward, old and new time (4, 5)
        p, got = read(rc.SECURITY)
        assert [r[1] for r in got][-2:] == [4, 5] and got[-1][0] - got[-2][0] == 60
        # the standard event log: nothing of the day belongs there
        p, got = read(rc.STANDARD)
        assert got == [as_read(r) for r in recorded(day, rc.STANDARD)]


def test_gurux_reads_the_column_objects_as_the_newest_rows(day):
    """The class 1 objects the capture objects name show the newest row's value."""
    want = {}
    for log in (rc.STANDARD, rc.FRAUD, rc.DISCONNECTOR, rc.POWER, rc.TOKEN, rc.SECURITY):
        rows = recorded(day, log)
        want[obis.COLUMN_OBJECTS[log]] = rows[-1][2] if rows else 0  # its event code
    power, token = recorded(day, rc.POWER)[-1], recorded(day, rc.TOKEN)[-1]
    want[obis.COLUMN_OBJECTS[7]] = power[3]  # seconds off
    for k, v in zip((8, 9, 10), token[4:]):  # STS result, amount, TID
        want[obis.COLUMN_OBJECTS[k]] = v
    with MeterClient(day.url, client=READER) as c:
        got = {ln: c.read(GXDLMSData(obis.to_text(ln)), 2) for ln in want}
        amr = c.read(GXDLMSData(obis.to_text(obis.COLUMN_OBJECTS[6])), 2)
    assert got == want
    assert amr & rc.CLOCK_ADJUSTED  # the clock was set in the running interval


# -- dlms-cosem ---------------------------------------------------------------------

def _cosem_client(m):
    return DlmsClient(
        transport=HdlcTransport(client_logical_address=17, server_logical_address=1,
                                io=BlockingTcpIO(host="127.0.0.1", port=m.port, timeout=5),
                                timeout=5),
        authentication=LowLevelSecurityAuthentication(secret=b"Gurux"))


def _buffer(ln):
    return dc.CosemAttribute(en.CosemInterface.PROFILE_GENERIC, dc.Obis(*ln[:5]), 2)


def _clock_column():
    return CaptureObject(cosem_attribute=dc.CosemAttribute(
        en.CosemInterface.CLOCK, dc.Obis(0, 0, 1, 0, 0), 2), data_index=0)


def cosem_rows(raw):
    rows = utils.parse_as_dlms_data(raw)
    return [[secs(dtime.datetime_from_bytes(v)[0]) if i == 0 else v for i, v in enumerate(r)]
            for r in rows]


def test_dlms_cosem_reads_the_load_profile_and_event_logs_by_range(day):
    lo, hi = DAY0 + 12 * 3600, DAY0 + 18 * 3600 + 900
    with _cosem_client(day).session() as s:
        whole = cosem_rows(s.get(_buffer(obis.PROFILES[rc.LOAD])))
        part = cosem_rows(s.get(_buffer(obis.PROFILES[rc.LOAD]), access_descriptor=RangeDescriptor(
            restricting_object=_clock_column(), from_value=at(lo), to_value=at(hi))))
        tokens = cosem_rows(s.get(_buffer(obis.PROFILES[rc.TOKEN]), access_descriptor=RangeDescriptor(
            restricting_object=_clock_column(), from_value=at(DAY0), to_value=at(DAY0 + 86400))))
        fraud = cosem_rows(s.get(_buffer(obis.PROFILES[rc.FRAUD])))
    assert whole == [as_read(r) for r in recorded(day, rc.LOAD)]
    assert part == [as_read(r) for r in recorded(day, rc.LOAD, lo, hi)] and len(part) == 26
    assert tokens == [as_read(r) for r in recorded(day, rc.TOKEN)] and len(tokens) == 3
    assert fraud == [[DAY0 + 6 * 3600, 207], [DAY0 + 6 * 3600 + 600, 208]]
