# The virtual meter's options that most runs never use, loaded only when
# asked (vmeter.py): --hold-at (tests) and --pty (CPython). On the micropython
# executable every class of vmeter.py costs heap for the whole run.
import os
import time

from hal.fs import FileSystem


class HoldFS(FileSystem):
    """TEST ONLY (--hold-at [ARM,]PATH:N, host_tests/test_sim_e2e.py): at the N-th
    open for writing of a path containing PATH, after the open (the file is
    truncated, nothing written yet), print 'HOLD <path>' and hang so the test
    can SIGKILL the process there: a power cut between two writes."""

    def __init__(self, root, hold, out):
        FileSystem.__init__(self, root)
        self.out = out
        self.hold_path, self.hold_n = hold
        self.arm = None  # "ARM,PATH:N": count PATH only after a write to ARM
        if "," in self.hold_path:
            self.arm, self.hold_path = self.hold_path.split(",", 1)
        self.seen = 0

    def open(self, path, mode):
        f = FileSystem.open(self, path, mode)
        if not ("w" in mode or "a" in mode):
            return f
        if self.arm is not None:
            if self.arm in path:
                self.arm = None
            return f
        if self.hold_path in path:
            self.seen += 1
            if self.seen == self.hold_n:
                self.out("HOLD " + path)
                while True:
                    time.sleep(1)
        return f


class PtyUart:
    """A machine.UART look-alike on a pseudo-terminal's master side, so the
    optical port runs through hal.uart_port as on a board (CPython only)."""

    def __init__(self):
        import pty  # noqa: F401 (CPython only)
        self.master, slave = os.openpty()
        self.name = os.ttyname(slave)
        os.set_blocking(self.master, False)
        self._slave = slave  # kept open: the pty stays up between clients
        self._pending = b""

    def init(self, **kw):
        pass

    def any(self):
        if not self._pending:
            try:
                self._pending = os.read(self.master, 512)
            except (BlockingIOError, OSError):
                self._pending = b""
        return len(self._pending)

    def readinto(self, buf):
        n = min(len(buf), len(self._pending))
        buf[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def write(self, data):
        try:
            return os.write(self.master, data)
        except OSError:
            return 0

    def flush(self):
        pass
