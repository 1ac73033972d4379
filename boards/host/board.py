# The virtual meter: the same firmware on a PC (CPython or the micropython
# executable). The optical port is HDLC over TCP; keypad, relay and display
# are the terminal. Stand-ins for `machine` live only under boards/host/.
NAME = "host"
ARCH = None

TCP_HOST = "127.0.0.1"
TCP_PORT = 4059  # the IANA port for DLMS/COSEM over TCP
OPTICAL_BAUD = 9600
DATA_DIR = "sim-data"
PULSES_PER_KWH = 1000
