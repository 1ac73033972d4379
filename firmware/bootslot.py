# The firmware slots and the boot record (docs/update.md). With main.py this
# is the only firmware file outside the slots: an update never replaces it,
# so no image can break the choice of what boots. It imports nothing (the
# slots are not on sys.path yet when main.py calls select()) and works on the
# store's file-system interface (store/fs.py), so the power-cut harness
# drives it like the board's littlefs.
#
# Slot A is /lib (where `make flash` installs), slot B is /fw/b. A slot is
# complete when its info file (INFO: image id, version, signature) exists:
# an installer removes it first and writes it last. The boot record
# /fw/boot is one line
#
#   "boot1 <active> <fallback> <tries> <note>\n"
#
# active: the slot to boot; fallback: the slot to go back to while the
# active one is on trial, -1 once it is confirmed healthy; tries: boots begun
# on trial; note: a rollback happened (NOTE_*: to log, then logged). It is written
# to /fw/boot.new and renamed over /fw/boot: littlefs and POSIX rename
# atomically, so a power cut leaves the old or the new record. No record:
# slot A, confirmed (a board as `make flash` left it).

SLOT_DIRS = ("/lib", "/fw/b")
INFO = "INFO"
RECORD = "/fw/boot"
_NEW = "/fw/boot.new"
MAX_TRIES = 3  # boots a new image gets to confirm itself before the rollback

NOTE_NONE = 0
NOTE_ROLLED_BACK = 1  # the slot on trial did not confirm: back on its fallback
NOTE_ROLLBACK_LOGGED = 2  # ... and the firmware has logged it (kept until the next activation)

_selected = [None]  # the slot select() chose at this boot


class Record:
    def __init__(self, active=0, fallback=-1, tries=0, note=NOTE_NONE):
        self.active = active
        self.fallback = fallback
        self.tries = tries
        self.note = note

    def on_trial(self):
        return self.fallback >= 0

    def text(self):
        return "boot1 %d %d %d %d\n" % (self.active, self.fallback, self.tries, self.note)


def read(fs):
    """The boot record, or the default one when there is none or it is
    unreadable (then slot A boots: the slot `make flash` installs)."""
    try:
        f = fs.open(RECORD, "rb")
    except OSError:
        return Record()
    try:
        words = f.read(64).decode().split()
    except (OSError, UnicodeError):
        words = ()
    finally:
        f.close()
    try:
        if len(words) == 5 and words[0] == "boot1":
            r = Record(*[int(w) for w in words[1:]])
            if r.active in (0, 1) and r.fallback in (-1, 0, 1) and r.fallback != r.active:
                return r
    except ValueError:
        pass
    return Record()


def write(fs, rec):
    """Replace the boot record atomically (new file, then rename)."""
    try:
        fs.mkdir("/fw")
    except OSError:
        pass
    f = fs.open(_NEW, "wb")
    try:
        f.write(rec.text().encode())
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
    if rec.on_trial():
        if rec.tries >= MAX_TRIES or not complete(fs, rec.active):
            rec = Record(rec.fallback, -1, 0, NOTE_ROLLED_BACK)
        else:
            rec.tries += 1
        write(fs, rec)
    slot = rec.active
    if slot != 0 and not complete(fs, slot):
        slot = 0  # an incomplete slot B never boots; A is the last resort
    _selected[0] = slot
    return slot


def running(fs):
    """The slot this boot runs: select()'s choice, else (a virtual meter or
    a test that did not call select) what the record names."""
    s = _selected[0]
    return read(fs).active if s is None else s


def activate(fs, slot):
    """Boot `slot` from the next start on, on trial, with the running slot
    as its fallback (the one write that switches firmware)."""
    now = running(fs)
    if slot == now:
        raise ValueError("slot %d is running" % slot)
    write(fs, Record(slot, now, 0, NOTE_NONE))


def confirm(fs):
    """The running slot reached a healthy state: no more rollback. Returns
    True when a trial ended here."""
    rec = read(fs)
    if not rec.on_trial():
        return False
    write(fs, Record(rec.active, -1, 0, rec.note))
    return True


def rollback_logged(fs):
    """The firmware has logged the rollback (NOTE_ROLLED_BACK)."""
    rec = read(fs)
    if rec.note == NOTE_ROLLED_BACK:
        rec.note = NOTE_ROLLBACK_LOGGED
        write(fs, rec)


def read_info(fs, slot):
    """{"id": ..., "version": ..., "signature": ...} of an installed slot
    (strings; signature in hex, "" when unsigned), or None."""
    try:
        f = fs.open(SLOT_DIRS[slot] + "/" + INFO, "rb")
    except OSError:
        return None
    try:
        text = f.read(512).decode()
    finally:
        f.close()
    info = {}
    for line in text.split("\n"):
        k, _, v = line.partition(" ")
        if k:
            info[k] = v
    return info


def info_text(identifier, version, signature_hex):
    """The INFO file of a slot (installers write it last)."""
    return "id %s\nversion %s\nsignature %s\n" % (identifier, version, signature_hex)
