# machine.UART, machine.Timer and machine.I2C stand-ins (machine_stub.py
# loads them on first use), with the hooks a test plays the other side with:
# feed UART bytes and take what was written, advance timers, read what went
# to the I2C bus.


class UART:
    def __init__(self, id, baudrate=9600, bits=8, parity=None, stop=1, **kw):
        self.id = id
        self.rx = bytearray()  # bytes waiting to be read by the firmware
        self.tx = bytearray()  # bytes the firmware wrote
        self.settings = []  # every (baudrate, bits, parity) applied
        self.init(baudrate, bits, parity, stop)

    def init(self, baudrate=9600, bits=8, parity=None, stop=1, **kw):
        self.baudrate, self.bits, self.parity, self.stop = baudrate, bits, parity, stop
        self.settings.append((baudrate, bits, parity))

    def any(self):
        return len(self.rx)

    def read(self, n=-1):
        if not self.rx:
            return None
        if n < 0:
            n = len(self.rx)
        data = bytes(self.rx[:n])
        self.rx = self.rx[n:]
        return data

    def readinto(self, buf, n=-1):
        if not self.rx:
            return None
        n = min(len(buf), len(self.rx)) if n < 0 else min(n, len(buf), len(self.rx))
        buf[:n] = self.rx[:n]
        self.rx = self.rx[n:]
        return n

    def write(self, data):
        self.tx.extend(data)
        return len(data)

    def flush(self):
        pass

    # simulator side ----------------------------------------------------
    def feed(self, data):
        self.rx.extend(data)

    def take_tx(self):
        data = bytes(self.tx)
        self.tx = bytearray()
        return data


class Timer:
    ONE_SHOT = 0
    PERIODIC = 1
    running = []  # every initialised timer, for advance_all()

    def __init__(self, id=-1, **kw):
        self.id = id
        self.period = 0
        self.mode = Timer.PERIODIC
        self.callback = None
        self._due = 0
        if kw:
            self.init(**kw)

    def init(self, mode=PERIODIC, period=1000, callback=None, freq=None, **kw):
        if freq:
            period = 1000 // freq
        self.mode, self.period, self.callback = mode, period, callback
        self._due = period
        if self not in Timer.running:
            Timer.running.append(self)

    def deinit(self):
        if self in Timer.running:
            Timer.running.remove(self)

    # simulator side ----------------------------------------------------
    def advance(self, ms):
        """Let `ms` milliseconds of simulated time pass; fires the callback
        once per period elapsed, as the hardware would."""
        while self in Timer.running and ms >= self._due:
            ms -= self._due
            self._due = self.period
            if self.mode == Timer.ONE_SHOT:
                self.deinit()
            if self.callback is not None:
                self.callback(self)
        if self in Timer.running:
            self._due -= ms

    @classmethod
    def advance_all(cls, ms):
        for t in list(cls.running):
            t.advance(ms)


class I2C:
    """A bus with devices that accept every write; `writes` logs them."""

    def __init__(self, id=0, scl=None, sda=None, freq=400000, devices=(0x27,)):
        self.id = id
        self.freq = freq
        self.devices = list(devices)
        self.writes = []  # (addr, bytes)

    def scan(self):
        return list(self.devices)

    def writeto(self, addr, buf, stop=True):
        if addr not in self.devices:
            raise OSError(19)  # ENODEV, as the ports report a missing device
        self.writes.append((addr, bytes(buf)))
        return len(buf)
