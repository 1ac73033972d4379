# The virtual meter: the same firmware on a PC (CPython or the micropython
# executable). The optical port is HDLC over TCP; keypad, relay and display
# are the terminal. Stand-ins for `machine` live only under boards/host/
# (machine_stub.py), so nothing here names real pins.
NAME = "host"
ARCH = None

TCP_HOST = "127.0.0.1"
TCP_PORT = 4059  # the IANA port for DLMS/COSEM over TCP
OPTICAL_BAUD = 9600  # only what a pty link reports

KEYPAD_MAP = "123A456B789C*0#D"  # the same legend as the boards' keypads
DISPLAY_COLS = 16

PULSES_PER_KWH = 1000
SIM_LOAD_W = 1000  # default simulated load
SIM_SPEED = 1  # clock speed factor (--speed)

TICK_MS = 100
WDT_TIMEOUT_MS = 8000
RTC_BATTERY = True  # the PC's clock keeps running (x --speed on the virtual meter)

SIM_ROOT = "sim-data"  # host folder playing the board's root file system (--data)
DATA_DIR = "/data"  # meter state under it, as on the boards
