# Portable: a dict as the store's file-system interface (store/fs.py), for
# heap measurements of the real StateStore/EventLog without a RAM flash.

class _File:
    def __init__(self, fs, path, mode):
        self.fs, self.path, self.mode = fs, path, mode
        if "w" in mode:
            self.data = bytearray()
        elif "a" in mode:
            self.data = bytearray(fs.files.get(path, b""))
        else:
            if path not in fs.files:
                raise OSError(2)
            self.data = fs.files[path]
        self.pos = 0

    def read(self, n=-1):
        end = len(self.data) if n is None or n < 0 else self.pos + n
        b = bytes(self.data[self.pos:end])
        self.pos += len(b)
        return b

    def readinto(self, buf):
        b = self.read(len(buf))
        buf[:len(b)] = b
        return len(b)

    def write(self, b):
        self.data.extend(b)
        return len(b)

    def close(self):
        if "w" in self.mode or "a" in self.mode:
            self.fs.files[self.path] = bytes(self.data)
            self.fs.writes += 1

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class RamFs:
    """No power cuts, no wear; files are bytes in a dict."""

    def __init__(self):
        self.files = {}
        self.dirs = set([""])
        self.writes = 0

    def open(self, path, mode):
        return _File(self, path, mode)

    def rename(self, a, b):
        if a not in self.files:
            raise OSError(2)
        self.files[b] = self.files.pop(a)

    def remove(self, p):
        if p not in self.files:
            raise OSError(2)
        del self.files[p]

    def listdir(self, d):
        d = d.rstrip("/")
        if d not in self.dirs:
            raise OSError(2)
        return [p[len(d) + 1:] for p in self.files if p.startswith(d + "/")]

    def mkdir(self, p):
        p = p.rstrip("/")
        if p in self.dirs:
            raise OSError(17)
        self.dirs.add(p)

    def stat(self, p):
        if p in self.files:
            return (0x8000, 0, 0, 0, 0, 0, len(self.files[p]), 0, 0, 0)
        if p.rstrip("/") in self.dirs:
            return (0x4000, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        raise OSError(2)
