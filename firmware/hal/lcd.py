# The meter's LCD: an HD44780 character LCD (16x2) behind a PCF8574 I2C
# backpack, with the methods of hal.display.ConsoleDisplay; a text longer
# than a line goes on at the next (hal.display.wrap).
#
# The common backpack wires PCF8574 P0 = RS, P1 = RW, P2 = E, P3 = backlight,
# P4..P7 = D4..D7, so the LCD runs in 4-bit mode and every nibble is two I2C
# bytes: once with E high, once with E low (the falling edge latches it).
# One I2C byte at 100 kHz takes about 90 us, longer than the 37 us an LCD
# command needs, so only clear needs an explicit wait (1.52 ms).
# Initialisation by instruction: HD44780U datasheet, figure 24 (4-bit).
import time

from compat import const
from hal.display import wrap

_RS = const(0x01)
_E = const(0x04)
_BL = const(0x08)

_CLEAR = const(0x01)
_ENTRY_INC = const(0x06)
_DISPLAY_ON = const(0x0C)
_FUNCTION_4BIT_2LINE = const(0x28)
_DDRAM = const(0x80)
_LINE_ADDR = (0x00, 0x40, 0x14, 0x54)


def _sleep_ms(ms):
    if hasattr(time, "sleep_ms"):
        time.sleep_ms(ms)
    else:
        time.sleep(ms / 1000)


def _fit(text, cols):
    """`text` cut or padded to `cols` characters of the LCD's ASCII range."""
    out = bytearray(cols)
    n = 0
    for ch in text:
        if n == cols:
            break
        c = ord(ch)
        out[n] = c if 0x20 <= c < 0x7E else 0x3F  # '?'; 0x7E/0x7F are arrows
        n += 1
    while n < cols:
        out[n] = 0x20
        n += 1
    return out


class LcdDisplay:
    def __init__(self, i2c, addr=0x27, cols=16, lines=2, sleep_ms=None):
        self.i2c = i2c
        self.addr = addr
        self.cols = cols
        self.lines = lines
        self.bl = _BL
        self._sleep = sleep_ms or _sleep_ms
        self._buf = bytearray(4)
        self._shown = [None] * lines
        self._own = [""] * lines  # what show(text, line) put on the lower lines
        self._used = 1  # lines the text of line 0 takes (wrap)
        self.text = ""
        self._init()

    def _write4(self, nibble, rs):
        b = (nibble << 4) | rs | self.bl
        self._buf[0] = b | _E
        self._buf[1] = b
        self.i2c.writeto(self.addr, memoryview(self._buf)[:2])

    def _byte(self, v, rs=0):
        b = rs | self.bl
        hi = (v & 0xF0) | b
        lo = ((v << 4) & 0xF0) | b
        buf = self._buf
        buf[0] = hi | _E
        buf[1] = hi
        buf[2] = lo | _E
        buf[3] = lo
        self.i2c.writeto(self.addr, buf)

    def _init(self):
        self.i2c.writeto(self.addr, bytes((self.bl,)))
        self._sleep(50)  # > 40 ms after Vcc rises to 2.7 V
        self._write4(0x3, 0)
        self._sleep(5)  # > 4.1 ms
        self._write4(0x3, 0)
        self._sleep(1)  # > 100 us
        self._write4(0x3, 0)
        self._write4(0x2, 0)  # now in 4-bit mode
        self._byte(_FUNCTION_4BIT_2LINE)
        self._byte(_DISPLAY_ON)
        self._byte(_ENTRY_INC)
        self.clear()

    def clear(self):
        self._byte(_CLEAR)
        self._sleep(2)
        blank = _fit("", self.cols)  # what clear leaves in the display RAM
        for i in range(self.lines):
            self._shown[i] = blank
            self._own[i] = ""
        self._used = 1
        self.text = ""

    def show(self, text, line=0):
        """Show `text` on `line`. On line 0 a longer text goes on at the
        next lines (wrap); the lines it does not take show again what was
        shown on them. Only changed lines are written."""
        if line >= self.lines:
            return
        if line:
            self._own[line] = text
            if line >= self._used:
                self._put(line, text)
            return
        self.text = text
        parts = wrap(text, self.cols, self.lines)
        self._used = len(parts)
        for i in range(self.lines):
            self._put(i, parts[i] if i < len(parts) else self._own[i])

    def _put(self, line, text):
        data = _fit(text, self.cols)
        if data == self._shown[line]:
            return
        self._shown[line] = data
        self._byte(_DDRAM | _LINE_ADDR[line])
        for c in data:
            self._byte(c, _RS)

    def backlight(self, on):
        self.bl = _BL if on else 0
        self.i2c.writeto(self.addr, bytes((self.bl,)))
