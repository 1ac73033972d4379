# Portable: the boot record and the slot choice (firmware/bootslot.py): a new
# firmware boots on trial, MAX_TRIES boots without confirming roll back to
# the previous slot with a note to log, an incomplete slot never boots, and
# a damaged record boots slot A. Records are [active, fallback, tries, note].
import bootslot
from meter_ramfs import RamFs
from store.fs import ensure_dir, write_file


def _board(b_complete=True):
    """A board as `make flash` leaves it, with an image installed in slot B."""
    fs = RamFs()
    for slot in (0, 1):
        d = bootslot.SLOT_DIRS[slot]
        ensure_dir(fs, d)
        if slot == 0 or b_complete:
            write_file(fs, d + "/" + bootslot.INFO, b"id fw\n")
    bootslot._selected[0] = None  # a fresh boot
    return fs


def _boot(fs):
    bootslot._selected[0] = None
    return bootslot.select(fs)


def test_no_record_boots_slot_a_and_writes_nothing():
    fs = _board()
    writes = fs.writes
    assert _boot(fs) == 0 and fs.writes == writes
    assert not bootslot.on_trial(bootslot.read(fs))


def test_activation_boots_the_new_slot_on_trial_until_confirmed():
    fs = _board()
    _boot(fs)
    bootslot.activate(fs, 1)
    assert bootslot.read(fs) == [1, 0, 0, bootslot.NOTE_NONE]  # active B, fallback A, no tries
    assert _boot(fs) == 1 and bootslot.read(fs)[2] == 1
    assert bootslot.running(fs) == 1
    assert bootslot.confirm(fs) is True
    assert bootslot.read(fs) == [1, -1, 0, bootslot.NOTE_NONE]
    assert bootslot.confirm(fs) is False  # nothing on trial any more
    for _ in range(bootslot.MAX_TRIES + 2):  # a confirmed slot stays
        assert _boot(fs) == 1


def test_a_firmware_that_never_confirms_is_rolled_back_after_max_tries():
    fs = _board()
    _boot(fs)
    bootslot.activate(fs, 1)
    for i in range(bootslot.MAX_TRIES):
        assert _boot(fs) == 1, i  # each boot counted ...
    assert _boot(fs) == 0  # ... then the previous slot again
    assert bootslot.read(fs) == [0, -1, 0, bootslot.NOTE_ROLLED_BACK]
    bootslot.rollback_logged(fs)
    assert bootslot.read(fs)[3] == bootslot.NOTE_ROLLBACK_LOGGED
    assert _boot(fs) == 0
    bootslot.activate(fs, 1)  # the next activation clears the note
    assert bootslot.read(fs)[3] == bootslot.NOTE_NONE


def test_an_incomplete_slot_never_boots():
    fs = _board(b_complete=False)
    _boot(fs)
    bootslot.activate(fs, 1)  # (an installer never does this: INFO comes last)
    assert _boot(fs) == 0
    assert bootslot.read(fs)[3] == bootslot.NOTE_ROLLED_BACK
    bootslot.write(fs, [1, -1, 0, 0])  # confirmed but incomplete
    assert _boot(fs) == 0


def test_the_running_slot_cannot_be_activated():
    fs = _board()
    _boot(fs)
    try:
        bootslot.activate(fs, 0)
        assert False, "activated the running slot"
    except ValueError:
        pass


def test_damaged_records_boot_slot_a():
    fs = _board()
    for text in (b"", b"boot1 1 1 0 0\n", b"boot1 7 -1 0 0\n", b"boot2 1 -1 0 0\n",
                 b"boot1 x y z w\n", b"\xff\xfe\x00"):
        write_file(fs, bootslot.RECORD, text)
        assert _boot(fs) == 0, text
