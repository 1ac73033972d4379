# Raspberry Pi Pico (RP2040): pin map and settings. GPIO numbers are the
# RP2040's GPn numbers. See README.md in this folder for the wiring table.
NAME = "rpi_pico"
ARCH = "armv6m"  # mpy-cross -march for native code on this board

KEYPAD_ROWS = (2, 3, 4, 5)  # outputs, driven low one at a time
KEYPAD_COLS = (6, 7, 8, 9)  # inputs with pull-ups
KEYPAD_MAP = "123A456B789C*0#D"  # row-major legend of a common 4x4 membrane keypad

RELAY_PIN = 15
RELAY_ACTIVE_HIGH = True  # True: pin high closes the load contactor

LED_PIN = 25  # on-board LED: heartbeat / relay state
OPTICAL_UART = 0
OPTICAL_TX = 0
OPTICAL_RX = 1
OPTICAL_BAUD = 9600

DISPLAY_I2C = 0  # optional HD44780 character display behind a PCF8574 backpack
DISPLAY_SDA = 16
DISPLAY_SCL = 17
DISPLAY_ADDR = 0x27

PULSE_PIN = 14  # energy pulse input (S0 output of a reference meter)
PULSES_PER_KWH = 1000

DATA_DIR = "/data"  # on the littlefs filesystem
