# Board adapter: MicroPython's os module and open() as the store's file-system
# interface (store/fs.py). On RP2040 and ESP32 the root file system is
# littlefs v2 on the internal flash, where a file written and closed is
# durable and replaced atomically (copy-on-write). `root` prefixes every path,
# e.g. "/ram" for a RAM disk mounted by the tests, "" for the board's flash.
# Under CPython (the virtual meter) it works on a host directory.
import os


class FileSystem:
    def __init__(self, root=""):
        self.root = root.rstrip("/")

    def _p(self, path):
        if not self.root:
            return path
        return self.root + (path if path.startswith("/") else "/" + path)

    def open(self, path, mode):
        # as bytes: the VFS makes a new object of the path's type, and a new
        # str costs MicroPython a search of the strings it interned (every
        # state commit and event opens a file)
        return open(self._p(path).encode(), mode)

    def rename(self, a, b):
        os.rename(self._p(a), self._p(b))

    def remove(self, path):
        os.remove(self._p(path))

    def listdir(self, path):
        return os.listdir(self._p(path))

    def mkdir(self, path):
        os.mkdir(self._p(path))

    def stat(self, path):
        return os.stat(self._p(path))

    def free_bytes(self, path="/"):
        """Free space of the file system holding `path` (os.statvfs), or None."""
        try:
            st = os.statvfs(self._p(path))
        except (AttributeError, OSError):
            return None
        return st[0] * st[4]
