# mp32-skip: test_uart_task_under_asyncio: asyncio.run is missing on the WebAssembly port (its asyncio runs on the JavaScript event loop)
# hal.rtc (seconds since 2000 <-> RTC tuples) and hal.uart_port (bytes
# between a UART and a sans-IO protocol, line changes for mode E).
from fakes import EchoProtocol, machine  # first: sets the path for asyncio
import asyncio

from hal import rtc
from hal.uart_port import UartPort, machine_line
from hal.make import uart as make


def test_known_dates():
    assert rtc.to_seconds(2000, 1, 1) == 0
    assert rtc.to_seconds(2000, 3, 1) == (31 + 29) * 86400  # 2000 is a leap year
    assert rtc.to_seconds(2001, 1, 1) == 366 * 86400
    # 2024-04-01 00:30 UTC = 1711931400 in the Unix epoch; 2000 is 946684800
    assert rtc.to_seconds(2024, 4, 1, 0, 30) == 1711931400 - 946684800
    assert rtc.from_seconds(0) == (2000, 1, 1, 0, 0, 0, 5)  # a Saturday
    assert rtc.from_seconds(1711931400 - 946684800) == (2024, 4, 1, 0, 30, 0, 0)  # Monday
    assert rtc.from_seconds(rtc.to_seconds(2100, 2, 28, 23, 59, 59) + 1)[:3] == (2100, 3, 1)


def test_round_trip_day_by_day_across_leap_rules():
    prev = None
    for day in range(0, 40000, 7):  # 2000 .. 2109, every 7th day
        y, m, d = rtc.civil_from_days(day)
        assert rtc.days_from_civil(y, m, d) == day
        assert 1 <= m <= 12 and 1 <= d <= 31
        if prev is not None:
            assert (y, m, d) > prev
        prev = (y, m, d)


def test_out_of_range_rejected():
    for args in ((1999, 12, 31), (2000, 13, 1), (2000, 1, 0), (2000, 1, 1, 24)):
        try:
            rtc.to_seconds(*args)
        except ValueError:
            continue
        raise AssertionError("accepted %r" % (args,))
    try:
        rtc.from_seconds(-1)
    except ValueError:
        return
    raise AssertionError("negative seconds accepted")


def test_clock_sets_and_reads_the_rtc():
    t0 = [1700000000]
    hw = machine.RTC(now=lambda: t0[0])
    clock = rtc.Clock(hw)
    clock.set(rtc.to_seconds(2026, 11, 22, 5, 30, 0))
    dt = hw.datetime()
    assert dt[:3] == (2026, 11, 22) and dt[4:7] == (5, 30, 0) and dt[3] == 6  # Sunday
    t0[0] += 90
    assert clock.now() == rtc.to_seconds(2026, 11, 22, 5, 31, 30)


def test_clock_reads_zero_from_an_unset_rtc():
    class Unset:
        def datetime(self):
            return (1970, 1, 1, 3, 0, 0, 0, 0)

    assert rtc.Clock(Unset()).now() == 0


def test_uart_bytes_reach_the_protocol_and_answers_go_out():
    uart = machine.UART(0)
    proto = EchoProtocol()
    port = UartPort(uart, proto, bufsize=8)
    assert uart.settings[-1] == (9600, 8, None) and port.line == (9600, 8, None, 1)
    assert port.poll() is False
    uart.feed(b"\x7e\xa0\x07\x03\x21\x93\x0f\x01\x7e" * 3)  # 27 bytes, > bufsize
    assert port.poll() is True
    assert bytes(proto.received) == b"\x7e\xa0\x07\x03\x21\x93\x0f\x01\x7e" * 3
    out = uart.take_tx()
    assert len(out) == 27 and port.rx_bytes == 27 and port.tx_bytes == 27


def test_uart_switches_line_after_writing_for_mode_e():
    uart = machine.UART(0)
    proto = EchoProtocol()
    proto.line = (300, 7, "E", 1)  # IEC 62056-21 sign-on
    port = UartPort(uart, proto)
    assert uart.settings == [(9600, 8, None), (300, 7, 0)]  # make(), then the protocol's line
    port.poll()
    assert len(uart.settings) == 2
    uart.feed(b"/?!\r\n")
    proto.line = (9600, 8, "N", 1)  # acknowledged: switch after this answer
    port.poll()
    assert uart.take_tx() == b"\n\r!?/"
    assert uart.settings[-1] == (9600, 8, None) and port.line == (9600, 8, None, 1)
    n = len(uart.settings)
    proto.line = (9600, 8, "N", 1)  # an equal tuple: no re-init
    port.poll()
    port.poll()
    assert len(uart.settings) == n


def test_machine_line_maps_parity_and_refuses_nonsense():
    assert machine_line((300, 7, "E", 1)) == (300, 7, 0, 1)
    assert machine_line((9600, 8, None)) == (9600, 8, None, 1)
    assert machine_line((1200, 8, "O", 2)) == (1200, 8, 1, 2)
    try:
        machine_line((9600, 8, "X"))
    except ValueError:
        return
    raise AssertionError("parity X accepted")


def test_uart_gives_the_protocol_time():
    now = [100]
    proto = EchoProtocol()
    port = UartPort(machine.UART(0), proto, ticks_ms=lambda: now[0])
    port.poll()
    now[0] = 105
    port.poll()
    assert proto.ticks == [100, 105]
    assert UartPort(machine.UART(0), EchoProtocol()).poll() is False  # no clock: no tick


def test_uart_task_under_asyncio():
    uart = machine.UART(0)
    proto = EchoProtocol()
    port = UartPort(uart, proto, poll_ms=1)
    beats = []

    async def peer():
        uart.feed(b"abc")
        for _ in range(50):
            await asyncio.sleep(0.002)
            if uart.tx:
                break
        port.stop()

    async def main():
        task = asyncio.create_task(port.run(alive=lambda: beats.append(1)))
        await peer()
        await task

    asyncio.run(main())
    assert uart.take_tx() == b"cba" and beats


def test_make_builds_a_uart_from_board_constants():
    u = make(machine.UART, machine.Pin, 2, 17, 16, 9600, 512)
    assert u.id == 2 and u.baudrate == 9600
