# CPython: every board configuration imports (on CPython and on the real
# micropython executable), defines the settings the firmware reads, and
# uses pins that exist, do not collide and can do what they are used for.
import importlib.util
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
import deploy  # noqa: E402

HARDWARE = ("rpi_pico", "rpi_pico_w", "esp32_devkitc")
ALL = HARDWARE + ("host",)

# RP2040 datasheet 1.4.3 (GPIO function table): pins per peripheral signal.
RP2040_UART = {0: ({0, 12, 16, 28}, {1, 13, 17}), 1: ({4, 8, 20}, {5, 9, 21})}
RP2040_I2C = {0: ({0, 4, 8, 12, 16, 20, 28}, {1, 5, 9, 13, 17, 21}),
              1: ({2, 6, 10, 14, 18, 26}, {3, 7, 11, 15, 19, 27})}
RP2040_HEADER = set(range(23)) | {26, 27, 28}  # GP pins on the Pico's header
ESP32_INPUT_ONLY = {34, 35, 36, 37, 38, 39}
ESP32_FLASH = set(range(6, 12))
ESP32_STRAPPING = {0, 2, 5, 12, 15}
ESP32_GPIO = set(range(0, 20)) | {21, 22, 23, 25, 26, 27} | set(range(32, 40))


def load(name):
    return deploy.load_board(name)


def used_pins(b):
    """(pin, role) of every pin a hardware board uses."""
    out = [(p, "keypad row") for p in b.KEYPAD_ROWS] + [(p, "keypad col") for p in b.KEYPAD_COLS]
    out += [(b.RELAY_PIN, "relay"), (b.OPTICAL_TX, "optical tx"), (b.OPTICAL_RX, "optical rx"),
            (b.PULSE_PIN, "pulse"), (b.LED_STATUS, "led status"), (b.LED_RELAY, "led relay"),
            (b.LED_ALARM, "led alarm")]
    if b.RELAY_FEEDBACK_PIN is not None:
        out.append((b.RELAY_FEEDBACK_PIN, "relay feedback"))
    if b.DISPLAY_I2C is not None:
        out += [(b.DISPLAY_SDA, "i2c sda"), (b.DISPLAY_SCL, "i2c scl")]
    return [(p, role) for p, role in out if p is not None]  # LEDs may be None


OUTPUTS = ("keypad row", "relay", "optical tx", "led status", "led relay", "led alarm",
           "i2c sda", "i2c scl")
PULLED = ("keypad col", "relay feedback")


@pytest.mark.parametrize("name", ALL)
def test_board_imports_as_plain_constants(name):
    b = load(name)
    assert b.NAME == name
    for key in dir(b):
        if key.isupper():
            v = getattr(b, key)
            assert v is None or isinstance(v, (int, str, bool, tuple)), key
    required = deploy.REQUIRED if name in HARDWARE else deploy.HOST_REQUIRED
    missing = [k for k in required if not hasattr(b, k)]
    assert not missing, missing


@pytest.mark.parametrize("name", ALL)
def test_board_imports_under_micropython(name):
    exe = os.path.join(os.path.dirname(sys.executable), "micropython")
    env = dict(os.environ, MICROPYPATH=os.path.join(ROOT, "boards", name))
    p = subprocess.run([exe, "-c", "import board; print(board.NAME)"], env=env,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and p.stdout.strip() == name, p.stdout + p.stderr


@pytest.mark.parametrize("name", HARDWARE)
def test_pins_do_not_collide(name):
    pins = used_pins(load(name))
    seen = {}
    for pin, role in pins:
        assert pin not in seen, "%s: pin %r used for %s and %s" % (name, pin, seen[pin], role)
        seen[pin] = role


@pytest.mark.parametrize("name", HARDWARE)
def test_settings_are_sane(name):
    b = load(name)
    assert len(b.KEYPAD_MAP) == len(b.KEYPAD_ROWS) * len(b.KEYPAD_COLS)
    assert sorted(b.KEYPAD_MAP) == sorted(set(b.KEYPAD_MAP)), "duplicate legend"
    assert set("0123456789") <= set(b.KEYPAD_MAP)
    assert b.OPTICAL_BAUD == 9600  # direct HDLC default, dlms.md 3
    assert b.TICK_MS <= 5000  # CTS-14: timer updated at least every 5 s
    assert 1 <= b.KEYPAD_DEBOUNCE * b.KEYPAD_SCAN_MS <= 60
    assert b.PULSES_PER_KWH > 0 and b.PULSE_PULL in ("up", None)
    assert 0x20 <= b.DISPLAY_ADDR <= 0x3F  # PCF8574 0x20-27, PCF8574A 0x38-3F
    assert b.ARCH in ("armv6m", "xtensawin")
    assert b.DATA_DIR.startswith("/")


@pytest.mark.parametrize("name", ("rpi_pico", "rpi_pico_w"))
def test_rp2040_pins_exist_and_mux_to_their_function(name):
    b = load(name)
    for pin, role in used_pins(b):
        if name == "rpi_pico_w" and pin == "LED":
            continue
        assert pin in RP2040_HEADER or (name == "rpi_pico" and pin == 25), (pin, role)
    if name == "rpi_pico_w":
        assert not {23, 24, 25, 29} & {p for p, _ in used_pins(b)}  # CYW43 interface
    tx, rx = RP2040_UART[b.OPTICAL_UART]
    assert b.OPTICAL_TX in tx and b.OPTICAL_RX in rx
    sda, scl = RP2040_I2C[b.DISPLAY_I2C]
    assert b.DISPLAY_SDA in sda and b.DISPLAY_SCL in scl
    assert b.WDT_TIMEOUT_MS <= 8388  # RP2040 watchdog maximum
    assert b.TICK_TIMER_ID == -1


def test_esp32_pins_can_do_their_jobs():
    b = load("esp32_devkitc")
    for pin, role in used_pins(b):
        assert pin in ESP32_GPIO and pin not in ESP32_FLASH, (pin, role)
        if role in OUTPUTS or role in PULLED:
            assert pin not in ESP32_INPUT_ONLY, (pin, role)  # no output, no pull-up
        if role in OUTPUTS and role != "led status":
            assert pin not in ESP32_STRAPPING, (pin, role)
    if b.PULSE_PIN in ESP32_INPUT_ONLY:
        assert b.PULSE_PULL is None  # these pins have no internal pull-up
    assert b.OPTICAL_UART in (1, 2)  # UART0 is the REPL / USB bridge
    assert b.TICK_TIMER_ID in (0, 1, 2, 3)


@pytest.mark.parametrize("name", HARDWARE)
def test_board_readme_wiring_table_matches_board_py(name):
    b = load(name)
    text = open(os.path.join(ROOT, "boards", name, "README.md")).read()
    for pin, role in used_pins(b):
        label = ("GP%d" % pin if name.startswith("rpi") else "GPIO%d" % pin) \
            if isinstance(pin, int) else pin
        assert "| %s |" % label in text, "%s README lacks %s (%s)" % (name, label, role)
