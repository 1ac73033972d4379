"""firmware/start.py (what main.py runs) on a board's pin map with the host machine stand-ins
(boards/host/machine_stub.py): the hardware path builds, the keypad matrix
reaches the meter, the relay pin follows the credit, the UART carries HDLC, a
restart keeps the state, provision.json is committed and deleted, and holding
D at power-up starts nothing (safe boot)."""
import asyncio
import importlib.util
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "firmware"))
sys.path.insert(0, os.path.join(ROOT, "boards", "host"))

import machine_stub  # noqa: E402
import start as firmware_start  # noqa: E402  (firmware/start.py)
from hal.fs import FileSystem  # noqa: E402
from sts import vend  # noqa: E402


def load_board(tmp_path):
    spec = importlib.util.spec_from_file_location(
        "pico_board", os.path.join(ROOT, "boards", "rpi_pico", "board.py"))
    b = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(b)
    b.DISPLAY_I2C = None  # console display
    return b


class Hw:
    """machine_stub with the pins shared, so the test can press keys."""

    def __init__(self):
        self.pins = {}
        hw = self

        class Pin(machine_stub.Pin):
            def __new__(cls, id, *a, **k):
                p = hw.pins.get(id)
                if p is None:
                    p = object.__new__(cls)
                    hw.pins[id] = p
                return p

            def __init__(self, id, *a, **k):
                if getattr(self, "_made", False):
                    machine_stub.Pin.init(self, *a, **k)
                    return
                self._made = True
                machine_stub.Pin.__init__(self, id, *a, **k)

            def value(self, v=None):
                if v is None and self.id in hw.cols:
                    row = hw.row_low()
                    return 0 if row is not None and (row, self.id) in hw.down else 1
                return machine_stub.Pin.value(self, v)

        self.Pin = Pin
        self.UART = machine_stub.UART
        self.Timer = machine_stub.Timer
        self.WDT = machine_stub.WDT
        self.RTC = machine_stub.RTC
        self.I2C = machine_stub.I2C
        self.down = set()
        self.cols = ()
        self.rows = ()

    def row_low(self):
        for r in self.rows:
            if self.pins[r]._v == 0:
                return r
        return None

    def press(self, board, legend):
        i = board.KEYPAD_MAP.index(legend)
        self.down = {(board.KEYPAD_ROWS[i // 4], board.KEYPAD_COLS[i % 4])}


def start(tmp_path, hw, b):
    hw.rows, hw.cols = b.KEYPAD_ROWS, b.KEYPAD_COLS
    return firmware_start.build(b, hw, FileSystem(str(tmp_path)))


async def drive(rt, tasks, hw, b, keys):
    started = [asyncio.ensure_future(t) for t in tasks]
    for k in keys:
        hw.press(b, k)
        for _ in range(6):
            machine_stub.Timer.advance_all(b.TICK_MS)
            rt.step()
            await asyncio.sleep(b.KEYPAD_SCAN_MS / 1000)
        hw.down = set()
        for _ in range(6):
            await asyncio.sleep(b.KEYPAD_SCAN_MS / 1000)
    for t in started:
        t.cancel()


def test_main_build_keypad_token_relay_restart(tmp_path):
    b = load_board(tmp_path)
    b.DATA_DIR = "/data"
    tok = vend.vend(7, bytes.fromhex("9ca1fc37b27dac93"), 0, 0,
                    tid=vend.tid_for(2014, 2026, 11, 22, 10, 0), rnd=3, value=1000)
    hw = Hw()
    rt, tasks = start(tmp_path, hw, b)
    relay_pin = hw.pins[b.RELAY_PIN]
    assert relay_pin._v == 0 and rt.meter.relay_closed is False  # no credit: open
    asyncio.run(drive(rt, tasks, hw, b, tok + "#"))
    assert rt.meter.account.available() == 1000
    assert relay_pin._v == 1 and hw.pins[b.LED_RELAY]._v == 1
    assert rt.app.gateway.sts_result == 1  # the keypad token shows in the token gateway
    # restart (a power cut after the commit): the same state, the token is Used
    machine_stub.Timer.running[:] = []
    hw2 = Hw()
    rt2, tasks2 = start(tmp_path, hw2, b)
    assert rt2.meter.account.available() == 1000 and hw2.pins[b.RELAY_PIN]._v == 1
    asyncio.run(drive(rt2, tasks2, hw2, b, tok + "#"))
    assert rt2.app.keypad.last_message == "Used 10"
    assert rt2.meter.account.available() == 1000


def test_main_uart_carries_hdlc(tmp_path):
    """OPTICAL_MODE_E = False: direct HDLC at OPTICAL_BAUD."""
    sys.path.insert(0, os.path.join(ROOT, "host_tests", "portable"))
    from hdlc_testclient import Client, frames_in
    b = load_board(tmp_path)
    b.OPTICAL_MODE_E = False
    hw = Hw()
    rt, tasks = start(tmp_path, hw, b)
    port = tasks[1]
    uart_port_obj = port.cr_frame.f_locals["self"]  # the UartPort behind the task
    uart = uart_port_obj.uart
    uart.feed(Client().snrm())
    uart_port_obj.poll()
    out = uart.take_tx()
    for t in tasks:
        t.close()
    assert len(list(frames_in(out))) == 1  # the UA to the SNRM
    assert rt.app.server.link.connected


def test_provision_file_committed_and_deleted(tmp_path):
    b = load_board(tmp_path)
    prov = {"drn": "12345678903", "system_title": "5354530000000099"}
    (tmp_path / "provision.json").write_text(json.dumps(prov))
    hw = Hw()
    rt, tasks = start(tmp_path, hw, b)
    for t in tasks:
        t.close()
    assert rt.meter.sts.drn == "12345678903"
    assert not (tmp_path / "provision.json").exists()
    hw2 = Hw()
    rt2, tasks2 = start(tmp_path, hw2, b)  # the stored record, no file
    for t in tasks2:
        t.close()
    assert rt2.meter.sts.drn == "12345678903"
    assert rt2.app.server.system_title == bytes.fromhex("5354530000000099")


def test_boot_without_a_display_does_not_scan_the_bus(tmp_path):
    """The board's LCD bus is configured but nothing answers: boot neither
    scans the bus nor fails; the meter runs on the console display."""
    b = load_board(tmp_path)
    b.DISPLAY_I2C = 0  # as boards/rpi_pico/board.py has it

    class EmptyBus(machine_stub.I2C):
        def __init__(self, *a, **k):
            machine_stub.I2C.__init__(self, *a, devices=(), **k)

        def scan(self):
            raise AssertionError("I2C scan at boot")

    hw = Hw()
    hw.I2C = EmptyBus
    rt, tasks = start(tmp_path, hw, b)
    for t in tasks:
        t.close()
    from hal.display import ConsoleDisplay
    assert isinstance(rt.app.display, ConsoleDisplay)
    assert rt.app.keypad.last_message  # the idle screen was shown on it


def test_safe_boot_with_d_held(tmp_path):
    b = load_board(tmp_path)
    hw = Hw()
    hw.press(b, "D")
    assert start(tmp_path, hw, b) is None
    assert not (tmp_path / "data").exists()


def test_main_mode_e_sign_on_then_hdlc_then_back(tmp_path):
    """OPTICAL_MODE_E: IEC 62056-21 sign-on at 300 7E1, switch to 9600 8N1,
    HDLC with the meter, and after the link ends sign-on again (iec62056_21.ModeEPort)."""
    sys.path.insert(0, os.path.join(ROOT, "host_tests", "portable"))
    from hdlc_testclient import Client, frames_in
    b = load_board(tmp_path)
    b.OPTICAL_MODE_E = True
    hw = Hw()
    rt, tasks = start(tmp_path, hw, b)
    port = tasks[1].cr_frame.f_locals["self"]
    for t in tasks:
        t.close()
    uart = port.uart
    assert uart.baudrate == 300 and uart.bits == 7
    uart.feed(b"/?!\r\n")
    port.poll()
    ident = uart.take_tx()
    assert ident.startswith(b"/XXx5\\2") and ident.endswith(b"\r\n")
    uart.feed(b"\x06252\r\n")  # ACK, mode E, 9600, binary
    port.poll()
    assert (uart.baudrate, uart.bits) == (9600, 8)
    c = Client()
    uart.feed(c.snrm())
    port.poll()
    assert len(list(frames_in(uart.take_tx()))) == 1 and rt.app.server.link.connected
    uart.feed(c.disc())
    port.poll()
    port.poll()
    assert not rt.app.server.link.connected
    assert (uart.baudrate, uart.bits) == (300, 7)  # back to sign-on
