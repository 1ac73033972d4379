# Shared fakes for the hal tests, on both interpreters: the host board's
# machine stand-ins (boards/host/machine_stub.py), a keypad matrix, and a
# sans-IO protocol object for the UART port.
import sys


def _repo_root():
    f = globals().get("__file__", "")
    parts = f.replace("\\", "/").rsplit("/", 3)  # root/host_tests/portable/fakes.py
    return parts[0] if len(parts) == 4 and parts[0] else "."


if _repo_root() not in sys.path:
    sys.path.append(_repo_root())
# MICROPYPATH replaces micropython's default path, which held ".frozen",
# where the unix port keeps asyncio. Import fakes before asyncio.
if ".frozen" not in sys.path and sys.implementation.name == "micropython":
    sys.path.append(".frozen")

from boards.host import machine_stub as machine  # noqa: E402


class MatrixRow(machine.Pin):
    """A row output of a keypad matrix."""


class MatrixCol:
    """A column input with pull-up: reads 0 while a pressed key on this
    column joins it to a row that is driven low."""

    def __init__(self, matrix, index):
        self.matrix = matrix
        self.index = index

    def value(self, v=None):
        if v is not None:
            raise AssertionError("a column is an input")
        m = self.matrix
        for r, row in enumerate(m.rows):
            if row.value() == 0 and (r, self.index) in m.down:
                return 0
        return 1


class Matrix:
    """Rows x columns of keys; `down` is the set of (row, col) pressed."""

    def __init__(self, nrows=4, ncols=4):
        self.rows = [MatrixRow(r, machine.Pin.OUT, value=1) for r in range(nrows)]
        self.cols = [MatrixCol(self, c) for c in range(ncols)]
        self.down = set()
        self.reads = 0

    def press(self, r, c):
        self.down.add((r, c))

    def release(self, r, c):
        self.down.discard((r, c))


class EchoProtocol:
    """Sans-IO stand-in: answers each received chunk with its bytes
    reversed; `line` is the UART setting it wants; records tick() times."""

    def __init__(self):
        self.received = bytearray()
        self.out = bytearray()
        self.line = (9600, 8, "N", 1)
        self.ticks = []

    def receive_data(self, data):
        self.received.extend(data)
        self.out.extend(bytes(reversed(data)))

    def data_to_send(self):
        data = bytes(self.out)
        self.out = bytearray()
        return data

    def tick(self, now_ms):
        self.ticks.append(now_ms)
