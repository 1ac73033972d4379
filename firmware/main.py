# The boards' entry point: MicroPython runs /main.py at boot. With bootslot.py
# it is the only firmware file outside the A/B slots (docs/update.md), so it
# only chooses the slot (and how often the heap is collected while the
# firmware loads, below): bootslot.select() counts a boot of a firmware on
# trial and rolls back after too many, then the slot's folder replaces /lib
# on sys.path and its start.run() builds the meter (start.py).
#
# A firmware on trial gets the watchdog from the first moment, and an
# exception while it starts restarts the board: either way the boot counts,
# and after bootslot.MAX_TRIES boots without confirming itself the previous
# firmware runs again. A confirmed firmware that fails shows its traceback.
import sys

import bootslot

# While the firmware loads and the meter is built, collect the garbage every
# 16 KB allocated (start.run() switches this off once the meter runs): the
# long-lived objects then pack low and the heap's top stays one free block.
# Without it the build's garbage pushed them up the heap and left it in
# pieces: on a board-like heap the largest free block went from 33 to 56 KB
# (issue 10: >= 32 KB; docs/benchmarks.md, heap).
GC_THRESHOLD_AT_BOOT = 16384


class RootFs:
    """The root file system for bootslot (store/fs.py interface): the
    board's, or a host folder `root` that plays it (the virtual meter)."""

    def __init__(self, os, root=""):
        self.os = os
        self.root = root

    def open(self, path, mode):
        return open(self.root + path, mode)

    def rename(self, a, b):
        self.os.rename(self.root + a, self.root + b)

    def remove(self, path):
        self.os.remove(self.root + path)

    def mkdir(self, path):
        self.os.mkdir(self.root + path)

    def stat(self, path):
        return self.os.stat(self.root + path)


def use_slot(path, sys_path):
    """sys.path with the slot folder in place of /lib, ahead of the frozen
    modules (a slot overrides firmware frozen into the image)."""
    rest = [p for p in sys_path if p not in bootslot.SLOT_DIRS and p != ""]
    return [""] + [path] + rest


def boot(root=""):
    """Choose the slot and run its firmware (root: "" on a board; a host
    folder that plays the board's file system in the tests)."""
    import os
    import machine
    import board
    import gc
    if hasattr(gc, "threshold"):  # (not in CPython, which runs this in tests)
        gc.threshold(GC_THRESHOLD_AT_BOOT)
    fs = RootFs(os, root)
    slot = bootslot.select(fs)
    sys.path[:] = use_slot(root + bootslot.SLOT_DIRS[slot], sys.path)
    trial = bootslot.on_trial(bootslot.read(fs))
    if trial:
        machine.WDT(timeout=board.WDT_TIMEOUT_MS)
    try:
        import start
        start.run(board, machine)
    except Exception:
        if trial:
            machine.reset()
        raise


if __name__ == "__main__":
    boot()
