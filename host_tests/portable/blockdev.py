# Power-cut injection for storage tests, on MicroPython and CPython alike.
#
# RamFlash is a RAM "flash chip" for littlefs: erase sets a block to 0xFF,
# program writes bytes. Every program or erase is one flash operation; after
# arm(k) operation k is interrupted (the power fails while it runs: per
# `tear` nothing, the first half, or garbage reaches the chip) and from then
# on the chip is dead: every program and erase fails with LFS_ERR_IO (-5) and
# changes nothing, so littlefs gives up and the call under test raises OSError.
# Counters (progs, prog_bytes, erases, and per-block erase counts) give wear
# figures.
#
# RamDisk formats littlefs v2 on a RamFlash and mounts it: under MicroPython
# with os.VfsLfs2 + os.mount (the board's own littlefs) and hal.fs.FileSystem,
# under CPython with littlefs-python behind the same interface. reboot() is
# "power comes back": a new, live chip over the surviving bytes, remounted.
#
#   disk = RamDisk()                  # 32 blocks of 512 bytes, formatted
#   fs = disk.mount()
#   disk.arm(k)                       # the k-th flash operation from now fails
#   try: store.commit(d)
#   except OSError: pass              # what a cut looks like to the code
#   fs = disk.reboot()                # remount what survived, then load/check
#
# Under MicroPython only one RamDisk is mounted at a time: mounting one
# unmounts the others, and a new RamDisk retires the previous one and reuses
# its buffer if the size matches (a fragmented 128 KB heap may not have room
# for another): the old RamDisk and its fs must not be used any more.
#
# sweep() runs that for every k over a whole operation (see docs/storage.md).
import sys

MICROPYTHON = sys.implementation.name == "micropython"

TEAR_NONE = 0     # the interrupted operation changes nothing
TEAR_HALF = 1     # its first half reaches the chip
TEAR_GARBLE = 2   # its range is left with garbage

LFS_ERR_IO = -5
_rng = [0x2545F491]


def _rand8():
    x = _rng[0]
    x ^= (x << 13) & 0xFFFFFFFF
    x ^= x >> 17
    x ^= (x << 5) & 0xFFFFFFFF
    _rng[0] = x
    return x & 0xFF


_ff = {}


def _erased(size):
    """One shared erased block per size (the heap of a 128 KB MicroPython is small)."""
    if size not in _ff:
        _ff[size] = b"\xff" * size
    return _ff[size]


class RamFlash:
    def __init__(self, block_size=512, block_count=64, buf=None):
        self.block_size = block_size
        self.block_count = block_count
        self._ff = _erased(block_size)
        self.buf = buf
        if buf is None:
            self.buf = bytearray(block_size * block_count)
            self.erase_all()
        self.wear = [0] * block_count
        self.fail_at = None
        self.tear = TEAR_NONE
        self.dead = False
        self.reset_counts()

    def reset_counts(self):
        self.ops = 0
        self.progs = 0
        self.prog_bytes = 0
        self.erases = 0

    def arm(self, k, tear=TEAR_NONE):
        """Operation k (1-based, counted from now) is interrupted."""
        self.ops = 0
        self.fail_at = k
        self.tear = tear

    def _cut(self):
        """Count one operation; True if it must not (fully) happen."""
        if self.dead:
            return True
        self.ops += 1
        if self.fail_at is not None and self.ops >= self.fail_at:
            self.dead = True
            return True
        return False

    def _torn(self, start, data_or_none, n):
        if self.tear == TEAR_HALF:
            n //= 2
            for i in range(n):
                self.buf[start + i] = 0xFF if data_or_none is None else data_or_none[i]
        elif self.tear == TEAR_GARBLE:
            for i in range(n):
                self.buf[start + i] = _rand8()

    def erase_all(self):
        for b in range(self.block_count):
            self.buf[b * self.block_size:(b + 1) * self.block_size] = self._ff

    def read(self, block, off, buf):
        a = block * self.block_size + off
        buf[:] = memoryview(self.buf)[a:a + len(buf)]  # no copy on the heap

    def prog(self, block, off, data):
        a = block * self.block_size + off
        if self._cut():
            if self.ops == self.fail_at and self.fail_at is not None:
                self._torn(a, data, len(data))
                self.fail_at = None
            return LFS_ERR_IO
        self.buf[a:a + len(data)] = data
        self.progs += 1
        self.prog_bytes += len(data)
        return 0

    def erase(self, block):
        a = block * self.block_size
        if self._cut():
            if self.ops == self.fail_at and self.fail_at is not None:
                self._torn(a, None, self.block_size)
                self.fail_at = None
            return LFS_ERR_IO
        self.buf[a:a + self.block_size] = self._ff
        self.erases += 1
        self.wear[block] += 1
        return 0

    # MicroPython's extended block-device protocol (os.VfsLfs2)
    def readblocks(self, block, buf, off=0):
        self.read(block, off, buf)

    def writeblocks(self, block, buf, off=None):
        return self.prog(block, off or 0, buf)

    def ioctl(self, op, arg):
        if op == 4:
            return self.block_count
        if op == 5:
            return self.block_size
        if op == 6:
            return self.erase(arg)
        return 0


_mounts = [0]
_mounted = []  # MicroPython: at most one RamDisk mounted (the heap is small)
_last = []     # MicroPython: the RamDisk a new one retires


class RamDisk:
    """littlefs v2 on a RamFlash. MicroPython-like configuration: read and
    program size 32, cache 128 bytes, lookahead 32 bytes, block_cycles 100."""

    def __init__(self, block_size=512, block_count=32, prog_size=32):
        buf = _release(block_size * block_count)
        self.flash = RamFlash(block_size, block_count, buf)
        if buf is not None:
            self.flash.erase_all()
        self.prog_size = prog_size
        self.mountpoint = "/ramdisk%d" % _mounts[0]
        _mounts[0] += 1
        self._vfs = None
        self.fs = None
        self.retired = False
        if MICROPYTHON:
            _last.append(self)
        _mkfs(self)
        self.flash.reset_counts()

    def mount(self):
        if self.retired:
            raise RuntimeError("this RamDisk was retired by a newer one")
        self.fs = _mount(self)
        return self.fs

    def arm(self, k, tear=TEAR_NONE):
        self.flash.arm(k, tear)

    @property
    def dead(self):
        return self.flash.dead

    def reboot(self):
        """Power returns: a live chip with the surviving bytes, remounted."""
        old = self.flash
        old.dead = True  # the old mount can never write again
        self.flash = RamFlash(old.block_size, old.block_count, old.buf)
        self.flash.wear = old.wear
        _unmount(self)
        return self.mount()

    def snapshot(self):
        return bytes(self.flash.buf)

    def restore(self, image):
        """Power off, put `image` on the chip, power on, mount."""
        _unmount(self)
        old = self.flash
        old.dead = True
        self.flash = RamFlash(old.block_size, old.block_count, old.buf)
        self.flash.wear = old.wear
        self.flash.buf[:] = image
        return self.mount()

    def unmount(self):
        _unmount(self)


if MICROPYTHON:
    import gc
    import os

    def _release(size):
        """Retire the mounted disk; hand back its buffer if it has `size` bytes
        (a fresh 32 KB buffer may not fit a fragmented 128 KB heap)."""
        buf = None
        while _mounted:
            _unmount(_mounted[0])
        while _last:
            old = _last.pop()
            old.flash.dead = True
            old.retired = True
            if len(old.flash.buf) == size:
                buf = old.flash.buf
            old.flash.buf = None
        gc.collect()
        return buf
    from hal.fs import FileSystem

    def _mkfs(disk):
        os.VfsLfs2.mkfs(disk.flash, progsize=disk.prog_size)

    def _mount(disk):
        while _mounted:
            _unmount(_mounted[0])
        disk._vfs = os.VfsLfs2(disk.flash, progsize=disk.prog_size)
        os.mount(disk._vfs, disk.mountpoint)
        _mounted.append(disk)
        return FileSystem(disk.mountpoint)

    def _unmount(disk):
        if disk._vfs is not None:
            try:
                os.umount(disk.mountpoint)
            except OSError:
                pass
            disk._vfs = None
        if disk in _mounted:
            _mounted.remove(disk)
else:
    from lfs_cpython import mkfs as _cp_mkfs, mount as _cp_mount

    def _release(size):
        return None

    def _mkfs(disk):
        _cp_mkfs(disk.flash, disk.prog_size)

    def _mount(disk):
        disk._vfs = _cp_mount(disk.flash, disk.prog_size)
        return disk._vfs

    def _unmount(disk):
        if disk._vfs is not None:
            disk._vfs.detach()
            disk._vfs = None


def count_ops(disk, run):
    """Flash operations (programs + erases) that run(fs) performs."""
    disk.flash.reset_counts()
    run(disk.fs)
    return disk.flash.ops


def sweep(disk, run, check, tear=TEAR_NONE, ks=None):
    """Cut the power at every flash operation of run(fs, done) in turn.

    `disk` is mounted in the starting state. run(fs, done) performs the
    operations under test and appends a marker to `done` after each step that
    completed (returned to its caller). For each k the disk is put back to the
    starting state, operation k is interrupted, the disk rebooted and
    check(fs, done) called with the markers of the steps that had completed.
    Once the chip is dead any exception from run() is taken as the cut's
    consequence; code that handles storage errors itself should stop (or note
    the outcome it reported) when disk.dead turns true. A final pass without
    a cut is checked too. Returns the number of runs."""
    image = disk.snapshot()
    fs = disk.restore(image)
    disk.flash.reset_counts()
    run(fs, [])
    n = disk.flash.ops
    runs = 0
    for k in (ks if ks is not None else range(1, n + 1)):
        fs = disk.restore(image)
        disk.arm(k, tear)
        done = []
        try:
            run(fs, done)
        except Exception:
            if not disk.dead:  # a failure of its own, not a consequence of the cut
                raise
        if not disk.dead:
            raise AssertionError("run finished before flash operation %d of %d" % (k, n))
        fs = disk.reboot()
        check(fs, done)
        runs += 1
    fs = disk.restore(image)
    done = []
    run(fs, done)
    fs = disk.reboot()
    check(fs, done)
    return runs + 1
