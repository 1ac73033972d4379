# The file-system interface the store is given, its errors and small helpers.
#
# The store never imports os: it is handed an object `fs` with
#   fs.open(path, mode)  -> file with read(n), write(b), close()  (modes "rb", "wb", "ab")
#   fs.rename(a, b), fs.remove(p), fs.listdir(d) -> names, fs.mkdir(p), fs.stat(p)
# raising OSError with errno ENOENT / EEXIST / ENOSPC as MicroPython's os does.
# On the board hal.fs.FileSystem wraps os and open() (littlefs v2 on flash);
# in tests host_tests/portable/blockdev.py mounts littlefs on a RAM block
# device that can lose power at any flash write.
from compat import const

ENOENT = const(2)
_EIO = const(5)
_EEXIST = const(17)
EISDIR = const(21)
ENOSPC = const(28)

try:
    from binascii import crc32
except ImportError:  # ports built without binascii.crc32
    _T = [0] * 16
    for _i in range(16):
        _c = _i
        for _ in range(4):
            _c = (_c >> 1) ^ (0xEDB88320 if _c & 1 else 0)
        _T[_i] = _c

    def crc32(data, crc=0):
        """CRC-32 of IEEE 802.3 (ISO-HDLC), the same value as binascii.crc32."""
        crc ^= 0xFFFFFFFF
        for b in data:
            crc = (crc >> 4) ^ _T[(crc ^ b) & 15]
            crc = (crc >> 4) ^ _T[(crc ^ (b >> 4)) & 15]
        return crc ^ 0xFFFFFFFF


class StoreError(OSError):
    """Base class of the store's own errors: storage failures, like the
    file system's OSErrors (the meter treats both alike)."""


class StoreFullError(StoreError):
    """No space left on the file system; the previous state is kept."""


class StoreCorruptError(StoreError):
    """Stored copies exist but none is valid: the state cannot be recovered."""


def errno_of(exc):
    e = getattr(exc, "errno", None)
    if e is None and exc.args and isinstance(exc.args[0], int):
        e = exc.args[0]
    return e


def join(directory, name):
    # one formatting, one new string (on MicroPython each new string costs a
    # search of the interned ones)
    return "%s/%s" % (directory, name) if directory else name


def exists(fs, path):
    """True when `path` exists (a file or a directory)."""
    try:
        fs.stat(path)
        return True
    except OSError:
        return False


def ensure_dir(fs, directory):
    """Create `directory` and its parents if they do not exist yet."""
    path = "/" if directory.startswith("/") else ""
    for part in directory.split("/"):
        if not part:
            continue
        path = path + part if path in ("", "/") else path + "/" + part
        try:
            fs.mkdir(path)
        except OSError as exc:
            if errno_of(exc) != _EEXIST:
                raise


def read_file(fs, path, limit):
    """Contents of `path` (at most `limit` bytes), or None if it does not exist."""
    try:
        size = fs.stat(path)[6]
        f = fs.open(path, "rb")
    except OSError as exc:
        if errno_of(exc) == ENOENT:
            return None
        raise
    try:
        return f.read(min(size, limit)) if size else b""
    finally:
        f.close()


def write_file(fs, path, data, mode="wb"):
    """Write `data` and close: on littlefs the file is durable (and atomic) at close."""
    f = fs.open(path, mode)
    try:
        n = f.write(data)
        if n is not None and n != len(data):
            raise OSError(ENOSPC)
    finally:
        f.close()
