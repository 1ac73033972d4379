# Espressif ESP32-DevKitC (ESP32-WROOM-32): pin map and settings.
# Avoids strapping pins 0, 2, 5, 12, 15 for outputs, and 6..11 (SPI flash).
NAME = "esp32_devkitc"
ARCH = "xtensawin"

KEYPAD_ROWS = (32, 33, 25, 26)
KEYPAD_COLS = (27, 14, 4, 13)  # inputs with pull-ups
KEYPAD_MAP = "123A456B789C*0#D"

RELAY_PIN = 23
RELAY_ACTIVE_HIGH = True

LED_PIN = 2  # on-board blue LED on most DevKitC boards
OPTICAL_UART = 2
OPTICAL_TX = 17
OPTICAL_RX = 16
OPTICAL_BAUD = 9600

DISPLAY_I2C = 0
DISPLAY_SDA = 21
DISPLAY_SCL = 22
DISPLAY_ADDR = 0x27

PULSE_PIN = 34  # input-only pin
PULSES_PER_KWH = 1000

DATA_DIR = "/data"
