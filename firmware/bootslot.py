# The firmware slots and the boot record (docs/update.md). With main.py this
# is the only firmware file outside the slots: an update never replaces it,
# so no image can break the choice of what boots. It imports nothing (the
# slots are not on sys.path yet when main.py calls select()) and works on the
# store's file-system interface (store/fs.py), so the power-cut harness
# drives it like the board's littlefs. Kept small: every boot loads it.
#
# Slot A is /lib (where `make flash` installs), slot B is /fw/b. A slot is
# complete when its INFO file exists (update.bundle: identifier, version,
# signature): an installer removes it first and writes it last. The boot
# record /fw/boot is one line
#
#   "boot1 <active> <fallback> <tries> <note>\n"
#
# active: the slot to boot; fallback: the slot to go back to while the
# active one is on trial, -1 once it is confirmed healthy; tries: boots begun
# on trial; note: a rollback happened (NOTE_*: to log, then logged). It is
# written to /fw/boot.new and renamed over /fw/boot: littlefs and POSIX
# rename atomically, so a power cut leaves the old or the new record. No
# record: slot A, confirmed (a board as `make flash` left it). A record is
# the list [active, fallback, tries, note].

SLOT_DIRS = ("/lib", "/fw/b")
INFO = "INFO"
RECORD = "/fw/boot"
_NEW = "/fw/boot.new"
MAX_TRIES = 3  # boots a new image gets to confirm itself before the rollback

NOTE_NONE = 0
NOTE_ROLLED_BACK = 1  # the slot on trial did not confirm: back on its fallback
NOTE_ROLLBACK_LOGGED = 2  # ... and the firmware has logged it (kept until the next activation)

_selected = [None]  # the slot select() chose at this boot


def read(fs):
    """The boot record; the default one [0, -1, 0, 0] when there is none or
    it is unreadable (then slot A boots: the slot `make flash` installs)."""
    try:
        f = fs.open(RECORD, "rb")
    except OSError:
        return [0, -1, 0, NOTE_NONE]
    try:
        words = f.read(64).decode().split()
        if len(words) == 5 and words[0] == "boot1":
            r = [int(w) for w in words[1:]]
            if r[0] in (0, 1) and r[1] in (-1, 0, 1) and r[1] != r[0]:
                return r
    except (OSError, ValueError):  # UnicodeError is a ValueError
        pass
    finally:
        f.close()
    return [0, -1, 0, NOTE_NONE]


def on_trial(rec):
    return rec[1] >= 0


def write(fs, rec):
    """Replace the boot record atomically (new file, then rename)."""
    try:
        fs.mkdir("/fw")
    except OSError:
        pass
    f = fs.open(_NEW, "wb")
    try:
        f.write(("boot1 %d %d %d %d\n" % tuple(rec)).encode())
    finally:
        f.close()
    fs.rename(_NEW, RECORD)


def complete(fs, slot):
    """True when `slot` holds a whole installed image (its INFO file)."""
    try:
        fs.stat(SLOT_DIRS[slot] + "/" + INFO)
        return True
    except OSError:
        return False


def select(fs):
    """Choose the slot to boot, counting a boot on trial and rolling back
    after MAX_TRIES of them; returns the slot (0 = A, 1 = B). Writes the
    record only when a boot is on trial or the record must change."""
    rec = read(fs)
    if on_trial(rec):
        if rec[2] >= MAX_TRIES or not complete(fs, rec[0]):
            rec = [rec[1], -1, 0, NOTE_ROLLED_BACK]
        else:
            rec[2] += 1
        write(fs, rec)
    slot = rec[0]
    if slot != 0 and not complete(fs, slot):
        slot = 0  # an incomplete slot B never boots; A is the last resort
    _selected[0] = slot
    return slot


def running(fs):
    """The slot this boot runs: select()'s choice, else (a virtual meter or
    a test that did not call select) what the record names."""
    s = _selected[0]
    return read(fs)[0] if s is None else s


def activate(fs, slot):
    """Boot `slot` from the next start on, on trial, with the running slot
    as its fallback (the one write that switches firmware)."""
    now = running(fs)
    if slot == now:
        raise ValueError("slot %d is running" % slot)
    write(fs, [slot, now, 0, NOTE_NONE])


def confirm(fs):
    """The running slot reached a healthy state: no more rollback. Returns
    True when a trial ended here."""
    rec = read(fs)
    if not on_trial(rec):
        return False
    write(fs, [rec[0], -1, 0, rec[3]])
    return True


def rollback_logged(fs):
    """The firmware has logged the rollback (NOTE_ROLLED_BACK)."""
    rec = read(fs)
    if rec[3] == NOTE_ROLLED_BACK:
        rec[3] = NOTE_ROLLBACK_LOGGED
        write(fs, rec)
