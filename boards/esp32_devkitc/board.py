# Espressif ESP32-DevKitC (ESP32-WROOM-32): pin map and settings.
# Outputs avoid the strapping pins 0, 2 (LED only), 5, 12, 15 and the flash
# pins 6..11; GPIO 34..39 are input-only without pull-ups. On WROVER modules
# GPIO 16/17 drive the PSRAM: move the optical port (see README.md).
NAME = "esp32_devkitc"
ARCH = "xtensawin"
MP_PORT = "esp32"
MP_BOARD = "ESP32_GENERIC"
MP_BASE_MANIFEST = "$(PORT_DIR)/boards/manifest.py"

KEYPAD_ROWS = (32, 33, 25, 26)  # outputs
KEYPAD_COLS = (27, 14, 4, 13)  # inputs with internal pull-ups
KEYPAD_MAP = "123A456B789C*0#D"
KEYPAD_SCAN_MS = 10
KEYPAD_DEBOUNCE = 3

RELAY_PIN = 23
RELAY_ACTIVE_HIGH = True
RELAY_FEEDBACK_PIN = None
RELAY_FEEDBACK_ACTIVE_LOW = True

LED_STATUS = 2  # blue LED on many DevKit clones; the DevKitC itself has none
LED_RELAY = 18
LED_ALARM = 19

OPTICAL_UART = 2
OPTICAL_TX = 17
OPTICAL_RX = 16
OPTICAL_BAUD = 9600
OPTICAL_RXBUF = 512
OPTICAL_MODE_E = True  # IEC 62056-21 sign-on first; False: direct HDLC (rpi_pico board.py)

DISPLAY_I2C = 0
DISPLAY_SDA = 21
DISPLAY_SCL = 22
DISPLAY_ADDR = 0x27
DISPLAY_COLS = 16
DISPLAY_FREQ = 100000

PULSE_PIN = 34  # input-only pin: needs an external 10 kOhm pull-up to 3V3
PULSE_PULL = None
PULSE_MIN_GAP_MS = 20
PULSES_PER_KWH = 1000

TICK_TIMER_ID = 0  # esp32: hardware timer 0
TICK_MS = 100

RTC_BATTERY = False  # machine.RTC stops without power (meter.realtime)

WDT_TIMEOUT_MS = 8000

DATA_DIR = "/data"
