# Raspberry Pi Pico W (RP2040 + CYW43439): pin map and settings. The same
# header pins as the Pico (boards/rpi_pico), except that the on-board LED is
# on the wireless chip (Pin("LED")) and GP23, GP24, GP25 and GP29 belong to
# the wireless chip's interface: do not use them. Wiring table: README.md.
NAME = "rpi_pico_w"
ARCH = "armv6m"
MP_PORT = "rp2"
MP_BOARD = "RPI_PICO_W"
MP_BASE_MANIFEST = "$(BOARD_DIR)/manifest.py"  # keeps the network modules

KEYPAD_ROWS = (2, 3, 4, 5)
KEYPAD_COLS = (6, 7, 8, 9)
KEYPAD_MAP = "123A456B789C*0#D"
KEYPAD_SCAN_MS = 10
KEYPAD_DEBOUNCE = 3

RELAY_PIN = 15
RELAY_ACTIVE_HIGH = True
RELAY_FEEDBACK_PIN = None
RELAY_FEEDBACK_ACTIVE_LOW = True

LED_STATUS = "LED"  # named pin on the CYW43 chip
LED_RELAY = 18
LED_ALARM = 19

OPTICAL_UART = 0
OPTICAL_TX = 0
OPTICAL_RX = 1
OPTICAL_BAUD = 9600
OPTICAL_RXBUF = 512
OPTICAL_MODE_E = True  # IEC 62056-21 sign-on first; False: direct HDLC (rpi_pico board.py)

DISPLAY_I2C = 0
DISPLAY_SDA = 16
DISPLAY_SCL = 17
DISPLAY_ADDR = 0x27
DISPLAY_COLS = 16
DISPLAY_FREQ = 100000

PULSE_PIN = 14
PULSE_PULL = "up"
PULSE_MIN_GAP_MS = 20
PULSES_PER_KWH = 1000

TICK_TIMER_ID = -1
TICK_MS = 100

RTC_BATTERY = False  # machine.RTC stops without power (meter.realtime)

WDT_TIMEOUT_MS = 8000

DATA_DIR = "/data"
