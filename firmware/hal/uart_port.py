# The optical port: a UART read/write loop around a sans-IO protocol object
# (the HDLC server, or the IEC 62056-21 mode E front end in front of it).
#
# The protocol object has receive_data(bytes) and data_to_send() -> bytes
# (empty when there is nothing to send), like h11. Optional:
#   tick(now_ms)  called every round with ticks_ms() (timeouts);
#   line          a tuple (baud, bits, parity[, stop]) the protocol wants the
#                 UART to use, parity None/"N", 0/"E" or 1/"O". The port
#                 re-initialises the UART when it changes, after the pending
#                 output has left: this is how mode E answers at 300 baud
#                 7E1 and then switches to 9600 8N1 (dlms.md section 3).
#
# Polling every poll_ms (default 5 ms) is enough: at 9600 baud one byte
# takes about 1 ms and the UART's receive buffer (rxbuf) holds hundreds.
# An idle round allocates nothing.
from hal.aio import sleep_ms

_PARITY = {None: None, "N": None, 0: 0, "E": 0, 1: 1, "O": 1}


def machine_line(line):
    """(baud, bits, parity[, stop]) -> (baud, bits, machine parity, stop)."""
    if line[2] not in _PARITY:
        raise ValueError("parity must be None/'N', 0/'E' or 1/'O'")
    return (line[0], line[1], _PARITY[line[2]], line[3] if len(line) > 3 else 1)


class UartPort:
    def __init__(self, uart, protocol, baud=9600, bits=8, parity=None, stop=1,
                 bufsize=256, poll_ms=5, ticks_ms=None):
        self.uart = uart  # a machine.UART already constructed
        self.protocol = protocol
        self.poll_ms = poll_ms
        self._buf = bytearray(bufsize)
        self._mv = memoryview(self._buf)
        self._ticks = ticks_ms
        self._tick = getattr(protocol, "tick", None) if ticks_ms else None
        self.rx_bytes = 0
        self.tx_bytes = 0
        self._run = False
        want = getattr(protocol, "line", None)
        self._asked = want
        self._apply(machine_line(want if want is not None else (baud, bits, parity, stop)))

    def _apply(self, line):
        self.uart.init(baudrate=line[0], bits=line[1], parity=line[2], stop=line[3])
        self.line = line

    def set_line(self, baud, bits=8, parity=None, stop=1):
        """Change the line settings now (e.g. a fixed rate set by DLMS)."""
        self._apply(machine_line((baud, bits, parity, stop)))

    def poll(self):
        """One round: time to the protocol, received bytes in, pending bytes
        out, then the protocol's line setting. True if anything moved."""
        if self._tick is not None:
            self._tick(self._ticks())
        moved = False
        while self.uart.any():
            n = self.uart.readinto(self._buf)
            if not n:
                break
            self.rx_bytes += n
            self.protocol.receive_data(bytes(self._mv[:n]))
            moved = True
        out = self.protocol.data_to_send()
        if out:
            self.uart.write(out)
            self.tx_bytes += len(out)
            moved = True
        want = getattr(self.protocol, "line", None)
        if want is not None and want is not self._asked and want != self._asked:
            self._asked = want
            self._flush()
            self._apply(machine_line(want))
        return moved

    def _flush(self):
        # Let the last byte leave at the old rate before switching.
        f = getattr(self.uart, "flush", None)
        if f is not None:
            f()

    async def run(self, alive=None):
        """The port task. `alive` (optional) is called every round, e.g. a
        watchdog check-in."""
        self._run = True
        while self._run:
            self.poll()
            if alive is not None:
                alive()
            await sleep_ms(self.poll_ms)

    def stop(self):
        self._run = False
