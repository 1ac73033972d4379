"""tools/fleet.py: 50 virtual meters in one asyncio process, each driven with
a credit token over TCP by gurux-dlms (tools/pctools/meterclient.py), vended with that
meter's own DKGA02 key; identities unique with valid Luhn digits; the one-port
mode; the consumption model (a meter metered late meters what it would have
metered on time; credit runs down, low credit, relays open); the live summary."""
import asyncio
import io
import json
import os
import random
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

from pctools import fleet, stskeys
from pctools.loadmodel import LoadModel
from sts import vend
import vocab

HERE = os.path.dirname(os.path.abspath(__file__))

N = 50


# Below Linux's ephemeral range (32768-60999), so client sockets of other
# tests cannot hold the ports we pick.
PORTS_LO, PORTS_HI = 20000, 32000


def free_base(n):
    """A base port with n consecutive loopback ports free right now."""
    import socket
    for _ in range(50):
        base = random.randrange(PORTS_LO, PORTS_HI - n)
        socks = []
        try:
            for i in range(n):
                s = socket.socket()
                socks.append(s)
                s.bind(("127.0.0.1", base + i))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no %d consecutive free ports" % n)


class FleetThread:
    def __init__(self, n, folder, one_port=None):
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        self.error = None

        def run():
            asyncio.set_event_loop(self.loop)
            for _ in range(20):  # find n consecutive free loopback ports
                base = random.randrange(PORTS_LO, PORTS_HI - n)
                self.fleet = fleet.Fleet(n, folder, base_port=base,
                                         one_port=None if one_port is None else base + n)
                try:
                    self.loop.run_until_complete(self.fleet.start())
                    break
                except OSError:
                    self.loop.run_until_complete(self.fleet.stop())
            ready.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        assert ready.wait(30)

    def stop(self):
        asyncio.run_coroutine_threadsafe(self.fleet.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def test_identities_unique_luhn_and_keys():
    rows = [fleet.identity(i) for i in range(300)]
    assert len(set(r["drn"] for r in rows)) == 300
    assert len(set(r["decoder_key"] for r in rows)) == 300
    for r in rows[:20]:
        assert len(r["drn"]) == 11 and fleet.luhn_digit(r["drn"][:10]) == r["drn"][10]
        assert r["pan"] == "600727" + r["drn"] + fleet.luhn_digit("600727" + r["drn"])
        assert bytes.fromhex(r["decoder_key"]) == stskeys.dkga02(
            bytes.fromhex(fleet.FLEET_VENDING_KEY), r["pan"], 2, fleet.FLEET_SGC, 1, 1)
    # the development meter's documented identity follows the same rules
    assert fleet.luhn_digit("1111111111") == "5" and fleet.pan_of("11111111115") == \
        "600727111111111153"


def test_list_formats():
    rows = fleet.Fleet(3, "unused", base_port=4059).rows()
    out = io.StringIO()
    fleet.write_list(rows, "csv", out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("meter,port,hdlc_server,drn,pan") and len(lines) == 4
    assert lines[2].split(",")[1:3] == ["4060", str(1 << 14 | 17)]
    out = io.StringIO()
    fleet.write_list(rows, "json", out)
    assert json.loads(out.getvalue())[1]["drn"] == rows[1]["drn"]


def test_fifty_meters_take_a_token_each_over_tcp(tmp_path):
    from gurux_dlms.enums import DataType
    from gurux_dlms.objects import GXDLMSCredit, GXDLMSData, GXDLMSTokenGateway
    from pctools.meterclient import MeterClient

    ft = FleetThread(N, str(tmp_path))
    try:
        rows = ft.fleet.rows()
        assert not any(vm.built() for vm in ft.fleet.meters)  # lazy: nothing built yet

        def drive(row):
            tok = vend.vend(7, bytes.fromhex(row["decoder_key"]), 0, 0,
                            tid=vend.tid_for(2014, 2026, 1, 1, 0, 10 + row["meter"]),
                            value=10 + row["meter"])
            tg = GXDLMSTokenGateway("0.0.19.40.0.255")
            credit = GXDLMSCredit("0.0.19.10.0.255")
            with MeterClient("socket://127.0.0.1:%d" % row["port"], timeout=20) as m:
                drn = m.read(GXDLMSData("0.0.96.1.0.255"), 2)
                m.method(tg, 1, tok.encode(), DataType.OCTET_STRING)
                m.read(tg, 6)
                m.read(credit, 2)
            return (drn.decode() if isinstance(drn, bytes) else str(drn), int(tg.statusCode),
                    int(credit.currentCreditAmount))

        with ThreadPoolExecutor(8) as ex:
            got = list(ex.map(drive, rows))
        for row, (drn, status, credit) in zip(rows, got):
            assert drn == row["drn"]
            assert status == 3
            assert credit == 10 + row["meter"]
        # each meter kept its own state in its own folder
        assert all(vm.built() for vm in ft.fleet.meters)
        assert len(set(vm.folder for vm in ft.fleet.meters)) == N
        assert [vm.app.meter.account.credit[0] for vm in ft.fleet.meters[:3]] == [10, 11, 12]
        # a token for meter 0 is a CRC error on meter 1 (keys differ)
        tok0 = vend.vend(7, bytes.fromhex(rows[0]["decoder_key"]), 0, 0,
                         tid=vend.tid_for(2014, 2026, 2, 1), value=1)
        assert ft.fleet.meters[1].app.meter.enter_token(tok0)[0] == 13
    finally:
        ft.stop()


def test_one_port_addressed_by_hdlc_server_address(tmp_path):
    """--one-port: every meter behind one TCP port, picked by the lower HDLC
    address of the first frame; a frame for no meter closes the connection.
    Silent connections, to the one port and to a meter's own port, block nobody."""
    import socket
    from gurux_dlms.enums import DataType
    from gurux_dlms.objects import GXDLMSCredit, GXDLMSData, GXDLMSTokenGateway
    from pctools.meterclient import MeterClient

    ft = FleetThread(5, str(tmp_path), one_port=True)
    try:
        port = ft.fleet.base_port + 5
        rows = ft.fleet.rows()
        silent = [socket.create_connection(("127.0.0.1", p), 5) for p in (port, port - 1)]
        for row in (rows[4], rows[0], rows[2]):
            tok = vend.vend(7, bytes.fromhex(row["decoder_key"]), 0, 0,
                            tid=vend.tid_for(2014, 2026, 3, 1, 0, 10), value=7 + row["meter"])
            tg = GXDLMSTokenGateway("0.0.19.40.0.255")
            credit = GXDLMSCredit("0.0.19.10.0.255")
            with MeterClient("socket://127.0.0.1:%d" % port, server=row["hdlc_server"]) as m:
                assert str(m.read(GXDLMSData("0.0.96.1.0.255"), 2)) == row["drn"]
                m.method(tg, 1, tok.encode(), DataType.OCTET_STRING)
                m.read(tg, 6)
                m.read(credit, 2)
            assert int(tg.statusCode) == 3 and credit.currentCreditAmount == 7 + row["meter"]
        assert [vm.built() for vm in ft.fleet.meters] == [True, False, True, False, True]
        # SNRM to lower address 16 + 9: no such meter -> closed without an answer
        from dlms import hdlc_address
        assert fleet.destination(b"\x7e\xa0\x08" + hdlc_address.server(1, 25)) == (1, 25)
        s = socket.create_connection(("127.0.0.1", port), 5)
        s.sendall(b"\x7e\xa0\x0a" + hdlc_address.server(1, 25) + b"\x21\x93\x00\x00\x7e")
        s.settimeout(5)
        assert s.recv(64) == b""
        s.close()
        for s in silent:
            s.close()
    finally:
        ft.stop()


def test_command_line_lists_and_serves(tmp_path):
    import socket
    import subprocess
    import time
    tool = os.path.join(os.path.dirname(HERE), "tools", "fleet.py")
    base = free_base(3)
    lst = str(tmp_path / "meters.json")
    p = subprocess.Popen([sys.executable, tool, "--meters", "3", "--base-port", str(base),
                          "--data", str(tmp_path / "d"), "--list", lst],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", base + 2), 0.2).close()
                break
            except OSError:
                assert p.poll() is None, p.stderr.read()
                time.sleep(0.1)
        rows = json.load(open(lst))
        assert [r["port"] for r in rows] == [base, base + 1, base + 2]
        assert rows[1]["drn"] == fleet.fleet_drn(1)
    finally:
        p.terminate()
        p.wait(10)


def test_one_port_reaches_meters_beyond_one_byte_addresses(tmp_path):
    """Lower HDLC addresses above 127 take the 4-byte server address: meter
    299 (lower address 315) answers with its own DRN, and nothing else is built."""
    from gurux_dlms.objects import GXDLMSData
    from pctools.meterclient import MeterClient

    ft = FleetThread(300, str(tmp_path), one_port=True)
    try:
        row = ft.fleet.rows()[299]
        port = ft.fleet.base_port + 300
        with MeterClient("socket://127.0.0.1:%d" % port, client=16,
                         server=row["hdlc_server"]) as m:
            assert str(m.read(GXDLMSData("0.0.96.1.0.255"), 2)) == row["drn"]
        assert [i for i, vm in enumerate(ft.fleet.meters) if vm.built()] == [299]
    finally:
        ft.stop()


# -- the consumption model ---------------------------------------------------------

EPOCH = 836 * 86400  # 2002-04-16 00:00 UTC as seconds since 2000: any fixed day


def _model_meter(folder, n, model):
    ident = fleet.identity(n)
    return fleet.VirtualMeter(folder, fleet.provision_for(ident), n=n,
                              fleet_time=fleet.FleetTime(model, 0, EPOCH))


def _meter_state(vm):
    """What a meter has made durable and shows: its record, its event log
    (timestamps included), relay and low-credit flag."""
    m = vm.app.meter
    return (vm.app.store.load(), vm.app.eventlog.entries(), m.relay_closed, m.low_credit,
            m.account.consumed_wh, vm.t)


def test_metered_late_equals_metered_step_by_step(tmp_path):
    """The fleet meters a meter when it is addressed or when its sweep comes
    round, in one burst of steps. Meter A is metered every step (as a board
    meters continuously), meter B -- same household, same identity -- only
    when a token arrives and at the end: both end with the same record,
    the same events at the same times, the same relay. The run crosses low
    credit, the relay opening for lack of credit and closing after a token."""
    model = LoadModel(seed=7, credit_kwh=10, step_s=60)
    n = 3  # starts on 6.2 kWh, above the 5 kWh low-credit level; ~10 kWh a day
    a = _model_meter(str(tmp_path / "a"), n, model)
    b = _model_meter(str(tmp_path / "b"), n, model)
    day = 86400 // model.step_s
    tok = vend.vend(7, bytes.fromhex(fleet.identity(n)["decoder_key"]), 0, 0,
                    tid=vend.tid_for(2014, 2025, 1, 1), value=100)
    token_at, end = 2 * day + 17, 3 * day
    for k in range(1, end + 1):
        a.advance(k)
        if k == token_at:
            assert a.app.meter.enter_token(tok)[0] == vocab.ACCEPT
    b.advance(token_at)
    assert b.app.meter.enter_token(tok)[0] == vocab.ACCEPT
    b.advance(end)
    assert _meter_state(a) == _meter_state(b)
    # what happened on the way (t, code, a) after the first credit at t=0 (events
    # are stamped with the meter's real-time clock: the fleet's epoch + t)
    seen = [(e[1] - EPOCH, e[2], e[3]) for e in a.app.eventlog.entries() if e[1] > EPOCH]
    codes = [c for _, c, _ in seen]
    t_tok = token_at * model.step_s
    low, opened = codes.index(vocab.EV_LOW_CREDIT), codes.index(vocab.EV_RELAY_OPENED)
    assert low < opened and seen[opened][2] == vocab.REASON_NO_CREDIT and seen[opened][0] < t_tok
    assert (t_tok, vocab.EV_TOKEN_ACCEPTED) in [x[:2] for x in seen]
    assert (t_tok, vocab.EV_RELAY_CLOSED, vocab.REASON_NO_CREDIT) in seen
    assert a.t == end * model.step_s and a.app.meter.account.consumed_wh > 6200


def test_household_is_a_pure_function_of_seed_meter_and_time():
    m = LoadModel(seed=5)
    h, again = m.household(11), LoadModel(seed=5).household(11)
    ts = range(EPOCH, EPOCH + 86400, 600)
    day = [h.power(t) for t in ts]
    assert day == [again.power(t) for t in reversed(ts)][::-1]
    assert h.credit_units == again.credit_units
    assert all(h.base_w <= w <= h.base_w + h.peak_w * 6 // 5 for w in day)
    evening, night = max(day[17 * 6:22 * 6]), min(day[1 * 6:5 * 6])
    assert evening > 2 * night  # the daily shape: an evening peak
    assert [LoadModel(seed=6).household(11).power(t) for t in ts] != day
    assert m.household(12).credit_units != h.credit_units or m.household(12).peak_w != h.peak_w


def test_fleet_sweep_runs_credit_down_at_scale(tmp_path):
    """The background sweep builds every meter and meters it up to the
    fleet's time: after two meter days on small credit, low credit shows,
    relays have opened for lack of credit, and the summary says so; the same
    seed gives the same fleet."""
    days = 2

    def run(folder):
        f = fleet.Fleet(40, folder, base_port=0, model=LoadModel(seed=3, credit_kwh=20),
                        speed=3600, epoch=EPOCH)
        f.time.seconds = lambda: days * 86400  # the fleet's clock, held for the test
        while not f.sweep(5.0):
            pass
        return f

    f = run(str(tmp_path / "one"))
    s = f.summary()
    assert s["built"] == 40 and s["behind_s"] == 0 and s["meter_time_s"] == days * 86400
    assert 0 < s["relays_open"] < 40 and s["low_credit"] >= s["relays_open"]
    assert s["clock"] == "2002-04-18 00:00 UTC"
    opened = [vm for vm in f.meters if not vm.app.meter.relay_closed]
    assert all(vm.app.meter.relay_reason == vocab.REASON_NO_CREDIT for vm in opened)
    assert all(vm.t == days * 86400 and vm.app.meter.account.consumed_wh > 0 for vm in f.meters)
    g = run(str(tmp_path / "two"))
    assert [_meter_state(vm)[1:] for vm in g.meters] == [_meter_state(vm)[1:] for vm in f.meters]


def test_summary_line():
    s = {"meters": 10000, "built": 2500, "sessions": 9, "low_credit": 31, "relays_open": 7,
         "meter_time_s": 3600, "clock": "2026-01-02 03:04 UTC", "speed": 60.0, "behind_s": 120}
    assert fleet.summary_line(s, 12.34) == ("2026-01-02 03:04 UTC x60 (120 s behind)  built "
                                            "2500/10000  12.3 sessions/s  low credit 31  "
                                            "relays open 7")
    del s["clock"]
    assert fleet.summary_line(s, 0).startswith("built 2500/10000  0.0 sessions/s")


def test_command_line_json_summary_counts_sessions(tmp_path):
    """--json: one summary object per interval on stdout; a session through
    the one port is counted; the meter time runs at --speed."""
    import subprocess
    import time
    from gurux_dlms.objects import GXDLMSData
    from pctools.meterclient import MeterClient
    tool = os.path.join(os.path.dirname(HERE), "tools", "fleet.py")
    port = free_base(1)
    p = subprocess.Popen([sys.executable, tool, "--meters", "4", "--base-port", "0", "--one-port",
                          str(port), "--data", str(tmp_path / "d"), "--list",
                          str(tmp_path / "l.csv"), "--speed", "600", "--json",
                          "--interval", "0.3"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = json.loads(p.stdout.readline())
        assert first["meters"] == 4 and first["speed"] == 600
        row = fleet.Fleet(4, "unused", base_port=0).rows()[2]
        with MeterClient("socket://127.0.0.1:%d" % port, client=16,
                         server=row["hdlc_server"]) as m:
            assert str(m.read(GXDLMSData("0.0.96.1.0.255"), 2)) == row["drn"]
        deadline = time.monotonic() + 30
        while True:
            s = json.loads(p.stdout.readline())
            if s["sessions"] >= 1 and s["built"] == 4 or time.monotonic() > deadline:
                break
        assert s["sessions"] == 1 and s["built"] == 4
        assert s["meter_time_s"] > first["meter_time_s"]
    finally:
        p.terminate()
        p.wait(10)
