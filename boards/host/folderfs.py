# The board's flash played by a host folder (the virtual meter, the fleet):
# a module of its own, because a function keeps its module's globals alive
# and the virtual meter unloads hostmeter once it is ready (docs/sim.md).
import os

from hal.fs import FileSystem


class FolderFS(FileSystem):
    """The board's flash played by a host folder. On littlefs a file written
    and closed replaces the old one atomically (copy-on-write); a host file
    system empties it at open. So a file opened "wb" is written beside the
    old one and renamed over it at close: killing the process (the virtual
    meter's power cut) leaves the old file or the new one, as on a board,
    never an empty slot that the stores would count as damage (docs/storage.md)."""

    def open(self, path, mode):
        if mode != "wb":
            return FileSystem.open(self, path, mode)
        return _Replacing(FileSystem.open(self, path + "~", mode), self._p(path))


class _Replacing:
    """A file FolderFS writes: path~ until it is closed, then path (POSIX
    rename(2) replaces the old file atomically)."""

    def __init__(self, f, path):
        self.f = f
        self.write = f.write
        self.path = path

    def close(self):
        self.f.close()
        os.rename(self.path + "~", self.path)
