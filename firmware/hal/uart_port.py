# The optical port: a UART read/write loop around a sans-IO protocol object
# (the HDLC server, or the IEC 62056-21 mode E front end in front of it).
#
# The protocol object has receive_data(bytes) and data_to_send() -> bytes
# (empty when there is nothing to send), like h11. If it also has
# line_settings() -> (baud, bits, parity) (a tuple) the port re-initialises the UART
# whenever that changes, after the pending output has been written: this is
# how mode E answers at 300 baud 7E1 and then switches to 9600 8N1
# (dlms.md section 3). parity is None, 0 (even) or 1 (odd), as machine.UART.
#
# Polling every poll_ms (default 5 ms) is enough: at 9600 baud one byte
# takes about 1 ms and the UART's receive buffer (rxbuf) holds hundreds.
from hal.aio import sleep_ms


class UartPort:
    def __init__(self, uart, protocol, baud=9600, bits=8, parity=None,
                 bufsize=256, poll_ms=5):
        self.uart = uart  # a machine.UART already constructed
        self.protocol = protocol
        self.line = (baud, bits, parity)
        self.poll_ms = poll_ms
        self._buf = bytearray(bufsize)
        self._mv = memoryview(self._buf)
        self.rx_bytes = 0
        self.tx_bytes = 0
        self._run = False
        self._want = getattr(protocol, "line_settings", None)
        self._apply(self.line)

    def _apply(self, line):
        self.uart.init(baudrate=line[0], bits=line[1], parity=line[2], stop=1)
        self.line = line

    def set_line(self, baud, bits=8, parity=None):
        """Change the line settings now (e.g. for a test or a fixed rate)."""
        self._apply((baud, bits, parity))

    def poll(self):
        """One round: move received bytes in, pending bytes out, and apply
        the protocol's line settings. Returns True if anything moved."""
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
        want = self._want
        if want is not None:
            line = want()  # a tuple; compared without allocating
            if line != self.line:
                self._flush()
                self._apply(tuple(line))
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


def make(UART, Pin, uart_id, tx, rx, baud=9600, rxbuf=512):
    """A machine.UART for the optical port from board constants."""
    return UART(uart_id, baudrate=baud, tx=Pin(tx), rx=Pin(rx), rxbuf=rxbuf)
