# CPython side of blockdev.RamDisk: littlefs v2 from the littlefs-python
# package on a blockdev.RamFlash, behind the store's file-system interface
# (store/fs.py) with the errors MicroPython's os raises (OSError + errno).
# Imported by blockdev.py only under CPython.
import littlefs
from littlefs import LittleFS, LittleFSError, UserContext


class _Context(UserContext):
    def __init__(self, flash):
        self.flash = flash
        self.buffer = flash.buf
        self.in_size = len(flash.buf)

    def read(self, cfg, block, off, size):
        buf = bytearray(size)
        self.flash.read(block, off, buf)
        return buf

    def prog(self, cfg, block, off, data):
        return self.flash.prog(block, off, data)

    def erase(self, cfg, block):
        return self.flash.erase(block)

    def sync(self, cfg):
        return 0


def _config(flash, prog_size):
    # MicroPython's VfsLfs2: read 32, cache min(block, 4*max(read, prog)), lookahead 32, block_cycles 100
    cache = min(flash.block_size, 4 * max(32, prog_size))
    return dict(block_size=flash.block_size, block_count=flash.block_count, read_size=32,
                prog_size=prog_size, cache_size=cache, lookahead_size=32, block_cycles=100)


def mkfs(flash, prog_size=32):
    fs = LittleFS(_Context(flash), mount=False, **_config(flash, prog_size))
    fs.format()


def mount(flash, prog_size=32):
    fs = LittleFS(_Context(flash), mount=False, **_config(flash, prog_size))
    try:
        fs.mount()
    except LittleFSError as exc:
        raise _os_error(exc)
    return LfsFileSystem(fs, flash)


_ERRNO = {FileNotFoundError: 2, FileExistsError: 17, IsADirectoryError: 21,
          NotADirectoryError: 20}


def _os_error(exc):
    if isinstance(exc, LittleFSError):
        return OSError(-exc.code, str(exc))
    for cls, no in _ERRNO.items():
        if isinstance(exc, cls):
            return OSError(no, str(exc))
    return exc


def _call(fn, *args):
    try:
        return fn(*args)
    except (LittleFSError, OSError) as exc:
        raise _os_error(exc) from exc


def _alive(flash):
    """A write on a chip that lost power raises EIO without entering littlefs:
    after a failed program its asserts (on in littlefs-python, off in
    MicroPython's build) would abort the interpreter."""
    if flash is not None and flash.dead:
        raise OSError(5, "flash lost power")


class _File:
    def __init__(self, fh, flash=None):
        self.fh = fh
        self.flash = flash  # a file opened for writing

    def read(self, n=-1):
        return _call(self.fh.read, n)

    def write(self, data):
        _alive(self.flash)
        return _call(self.fh.write, data)

    def seek(self, off, whence=0):
        return _call(self.fh.seek, off, whence)

    def tell(self):
        return _call(self.fh.tell)

    def close(self):
        try:
            _alive(self.flash)
            _call(self.fh.close)
        finally:
            # never retry from a finaliser: the chip may be gone by then
            setattr(self.fh, "__IOBase_closed", True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class LfsFileSystem:
    def __init__(self, lfs, flash=None):
        self.lfs = lfs
        self.flash = flash

    def open(self, path, mode):
        w = self.flash if mode.strip("bt") != "r" else None
        _alive(w)
        return _File(_call(self.lfs.open, path, mode, 0), w)

    def rename(self, a, b):
        _alive(self.flash)
        _call(self.lfs.rename, a, b)

    def remove(self, path):
        _alive(self.flash)
        _call(self.lfs.remove, path)

    def listdir(self, path):
        return _call(self.lfs.listdir, path)

    def mkdir(self, path):
        _alive(self.flash)
        _call(self.lfs.mkdir, path)

    def stat(self, path):
        st = _call(self.lfs.stat, path)
        mode = 0x4000 if st.type == littlefs.LFSStat.TYPE_DIR else 0x8000
        return (mode, 0, 0, 0, 0, 0, st.size, 0, 0, 0)

    def free_bytes(self, path="/"):
        return (self.lfs.block_count - self.lfs.used_block_count) * self.lfs.cfg.block_size

    def detach(self):
        """Forget the mount without writing (the chip may be dead)."""
        self.lfs = None
