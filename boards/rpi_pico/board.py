# Raspberry Pi Pico (RP2040): pin map and settings. Plain constants only, so
# this file stays importable everywhere and editable on the board (/board.py).
# GPIO numbers are the RP2040's GPn numbers; the wiring table is README.md.
# GP23 (SMPS mode), GP24 (VBUS sense), GP25 (LED) and GP29 (VSYS/3) are on-board.
NAME = "rpi_pico"
ARCH = "armv6m"  # mpy-cross -march for this board
MP_PORT = "rp2"  # MicroPython port and board for `make freeze`
MP_BOARD = "RPI_PICO"
MP_BASE_MANIFEST = "$(PORT_DIR)/boards/manifest.py"

# 4x4 membrane keypad: rows are open-drain outputs driven low one at a time,
# columns are inputs with pull-ups; a pressed key pulls its column low
# (hal/keypad.py).
KEYPAD_ROWS = (2, 3, 4, 5)
KEYPAD_COLS = (6, 7, 8, 9)
KEYPAD_MAP = "123A456B789C*0#D"  # row-major legend of the common 4x4 keypad
KEYPAD_SCAN_MS = 10  # one full matrix scan every 10 ms
KEYPAD_DEBOUNCE = 3  # scans a new matrix state must hold (about 30 ms)

# Load switch: a relay module or a contactor driver on one GPIO.
RELAY_PIN = 15
RELAY_ACTIVE_HIGH = True  # True: pin high closes the relay (load connected)
RELAY_FEEDBACK_PIN = None  # optional auxiliary contact, input with pull-up
RELAY_FEEDBACK_ACTIVE_LOW = True  # contact closed pulls the input low

# Status LEDs, active high.
LED_STATUS = 25  # on-board LED: heartbeat
LED_RELAY = 18  # lit while the load is connected
LED_ALARM = 19  # low credit, tamper, CTS ended

# Optical port (IEC 62056-21 head or a 3.3 V USB serial adapter): UART0.
OPTICAL_UART = 0
OPTICAL_TX = 0
OPTICAL_RX = 1
OPTICAL_BAUD = 9600  # HDLC, 8N1 (dlms.md 3)
OPTICAL_RXBUF = 512  # bytes of UART receive buffer
OPTICAL_MODE_E = True  # IEC 62056-21 mode E: sign-on at 300 baud 7E1, then HDLC at 9600;
#                        False: direct HDLC at OPTICAL_BAUD (a bench USB serial adapter, dlms.md 3)

# Optional HD44780 character display behind a PCF8574 I2C backpack.
DISPLAY_I2C = 0  # I2C bus id, or None for no display (console only)
DISPLAY_SDA = 16
DISPLAY_SCL = 17
DISPLAY_ADDR = 0x27  # PCF8574; 0x3F for PCF8574A backpacks
DISPLAY_COLS = 16
DISPLAY_FREQ = 100000

# Energy pulse input (S0 output of a reference meter, or a pulse generator).
PULSE_PIN = 14
PULSE_PULL = "up"  # internal pull-up; S0 is an open collector to ground
PULSE_MIN_GAP_MS = 20  # edges closer than this are contact bounce (S0: >= 30 ms pulses)
PULSES_PER_KWH = 1000

# Tick for the CTS powered-up timer and metering (hal/ticker.py).
TICK_TIMER_ID = -1  # rp2: a virtual (software) timer
TICK_MS = 100

# Real-time clock (hal.rtc over machine.RTC): no battery, so after a power cut the
# meter resumes from its last saved time and calls it doubtful until set (meter.realtime).
RTC_BATTERY = False

WDT_TIMEOUT_MS = 8000  # RP2040 maximum is 8388 ms

DATA_DIR = "/data"  # meter state on the littlefs filesystem
