# 4x4 matrix keypad scanner as an asyncio task, in the style of Peter
# Hinch's micropython-async primitives (sw_array.py): pins are passed in.
#
# Hardware: rows are open-drain outputs, released (high impedance) except
# while scanned; columns are inputs with pull-ups. To scan row r it is
# driven low and every column is read: a pressed key joins its row to its
# column, so that column reads 0. Open drain means two keys held in one
# column never short a low row to a high one. The pull-ups (~50 kOhm) and
# the keypad's few tens of pF settle in microseconds, faster than
# MicroPython gets from one pin call to the next. Without diodes three keys
# at the corners of a rectangle make a fourth ("ghost") key appear, so a
# scan with more than two keys down is ignored.
#
# Debounce: the whole matrix is one 16-bit bitmap; a new bitmap is accepted
# only after it has been read `debounce` scans in a row (10 ms x 3 = 30 ms,
# longer than the 5..20 ms bounce of a membrane keypad). Each key that goes
# from up to down in an accepted bitmap is reported once, as its legend
# character, to `on_key`. Nothing is allocated per scan.
from hal.aio import sleep_ms


def _bits(x):
    n = 0
    while x:
        x &= x - 1
        n += 1
    return n


class Keypad:
    def __init__(self, rows, cols, keymap, on_key, scan_ms=10, debounce=3):
        if len(keymap) != len(rows) * len(cols):
            raise ValueError("keymap needs one legend per key")
        if len(keymap) > 30:
            raise ValueError("at most 30 keys (bitmap stays a small int)")
        self.rows = rows
        self.cols = cols
        self.keymap = keymap
        self.on_key = on_key
        self.scan_ms = scan_ms
        self.debounce = debounce
        self.state = 0  # debounced bitmap: bit (row * ncols + col) = key down
        self._raw = 0
        self._same = 0
        self._run = False
        for p in rows:
            p.value(1)

    def read(self):
        """One pass over the matrix: the raw bitmap of keys down. Index
        loops over range() allocate nothing on MicroPython."""
        rows = self.rows
        cols = self.cols
        ncols = len(cols)
        bits = 0
        for i in range(len(rows)):
            r = rows[i]
            r.value(0)
            for j in range(ncols):
                if not cols[j].value():
                    bits |= 1 << (i * ncols + j)
            r.value(1)
        return bits

    def is_down(self, legend):
        """True if the key with this legend is held now (no debounce), e.g.
        a safe-boot key read once at start-up."""
        k = self.keymap.find(legend)
        return k >= 0 and bool(self.read() >> k & 1)

    def scan(self):
        """One debounce step; calls on_key for each newly pressed key."""
        raw = self.read()
        if _bits(raw) > 2:
            return  # ambiguous (possible ghost key): keep the last state
        if raw != self._raw:
            self._raw = raw
            self._same = 1
        elif self._same < self.debounce:
            self._same += 1
        if self._same < self.debounce or raw == self.state:
            return
        down = raw & ~self.state
        self.state = raw
        k = 0
        while down:
            if down & 1:
                self.on_key(self.keymap[k])
            down >>= 1
            k += 1

    async def run(self, alive=None):
        """The scanning task: asyncio.create_task(keypad.run()). `alive`
        (optional) is called every scan, e.g. a watchdog check-in."""
        self._run = True
        while self._run:
            self.scan()
            if alive is not None:
                alive()
            await sleep_ms(self.scan_ms)

    def stop(self):
        self._run = False
