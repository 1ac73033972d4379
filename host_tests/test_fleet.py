"""tools/fleet.py: 50 virtual meters in one asyncio process, each driven with
a credit token over TCP by gurux-dlms (tools/pctools/meterclient.py), vended with that
meter's own DKGA02 key; identities unique with valid Luhn digits."""
import asyncio
import io
import json
import os
import random
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

from pctools import fleet, stskeys
from sts import vend

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
