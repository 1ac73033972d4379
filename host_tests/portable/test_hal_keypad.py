# mp32-skip: test_run_task_types_a_token_under_asyncio: asyncio.run is missing on the WebAssembly port (its asyncio runs on the JavaScript event loop)
# hal.keypad: matrix scan, debounce and key-down events, on a fake matrix.
from fakes import Matrix, machine  # first: sets the path for asyncio
import asyncio

from hal.keypad import Keypad
from hal.make import keypad_pins as make_pins

MAP = "123A456B789C*0#D"


def _pad(m, debounce=3, scan_ms=1):
    keys = []
    return Keypad(m.rows, m.cols, MAP, keys.append, scan_ms, debounce), keys


def test_read_finds_each_key_of_the_matrix():
    m = Matrix()
    kp, _ = _pad(m)
    for r in range(4):
        for c in range(4):
            m.down = {(r, c)}
            assert kp.read() == 1 << (r * 4 + c)
    m.down = set()
    assert kp.read() == 0
    assert all(row.value() == 1 for row in m.rows)  # rows idle high after a scan


def test_key_reported_once_after_debounce_scans():
    m = Matrix()
    kp, keys = _pad(m, debounce=3)
    m.press(0, 1)  # "2"
    kp.scan()
    kp.scan()
    assert keys == []
    kp.scan()
    assert keys == ["2"]
    for _ in range(10):  # held down: no repeat
        kp.scan()
    assert keys == ["2"]
    m.release(0, 1)
    for _ in range(3):
        kp.scan()
    assert kp.state == 0
    m.press(0, 1)
    for _ in range(3):
        kp.scan()
    assert keys == ["2", "2"]


def test_bounce_shorter_than_debounce_is_ignored():
    m = Matrix()
    kp, keys = _pad(m, debounce=3)
    for _ in range(5):  # contact chatter: down, up, down, up ...
        m.press(3, 1)
        kp.scan()
        m.release(3, 1)
        kp.scan()
    assert keys == []
    m.press(3, 1)
    for _ in range(3):
        kp.scan()
    assert keys == ["0"]


def test_second_key_while_first_held_is_reported():
    m = Matrix()
    kp, keys = _pad(m, debounce=2)
    m.press(3, 0)
    kp.scan()
    kp.scan()
    m.press(3, 2)
    kp.scan()
    kp.scan()
    assert keys == ["*", "#"]


def test_three_keys_down_is_ignored_as_possible_ghost():
    m = Matrix()
    kp, keys = _pad(m, debounce=1)
    m.down = {(0, 0), (0, 1), (1, 0)}  # makes (1, 1) a ghost without diodes
    for _ in range(4):
        kp.scan()
    assert keys == [] and kp.state == 0


def test_keymap_must_fit_the_matrix():
    m = Matrix()
    try:
        Keypad(m.rows, m.cols, "123", print)
    except ValueError:
        return
    raise AssertionError("short keymap accepted")


def test_make_pins_configures_rows_open_drain_released_and_cols_pulled_up():
    rows, cols = make_pins(machine.Pin, (2, 3, 4, 5), (6, 7, 8, 9))
    assert [p.id for p in rows] == [2, 3, 4, 5]
    assert all(p.mode == machine.Pin.OPEN_DRAIN and p.value() == 1 for p in rows)
    assert all(p.mode == machine.Pin.IN and p.pull == machine.Pin.PULL_UP for p in cols)


def test_run_task_types_a_token_under_asyncio():
    m = Matrix()
    keys = []
    kp = Keypad(m.rows, m.cols, MAP, keys.append, scan_ms=1, debounce=2)
    where = {}
    for i, ch in enumerate(MAP):
        where[ch] = (i // 4, i % 4)

    async def typist():
        for ch in "0123#":
            m.press(*where[ch])
            await asyncio.sleep(0.01)
            m.release(*where[ch])
            await asyncio.sleep(0.01)
        kp.stop()

    beats = []

    async def main():
        task = asyncio.create_task(kp.run(alive=lambda: beats.append(1)))
        await typist()
        await task

    asyncio.run(main())
    assert "".join(keys) == "0123#" and len(beats) > 10


def test_is_down_reads_a_held_key_for_safe_boot():
    m = Matrix()
    kp, keys = _pad(m)
    assert not kp.is_down("D")
    m.press(3, 3)
    assert kp.is_down("D") and not kp.is_down("1") and not kp.is_down("x")
    assert keys == []  # no key event from a direct read
