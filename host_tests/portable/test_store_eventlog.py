# mp32-skip: all: blockdev.RamDisk mounts os.VfsLfs2 (littlefs), which the WebAssembly port does not have
# Portable: store.eventlog.EventLog, the bounded event ring, on littlefs.
import blockdev
from store.eventlog import EventLog, RECORD
from store.fs import read_file, write_file


def _fresh():
    disk = blockdev.RamDisk()
    return disk, disk.mount()


def test_empty_log():
    disk, fs = _fresh()
    log = EventLog(fs, "/ev", 10)
    assert log.entries() == [] and log.newest is None and log.seq == 0


def test_append_returns_increasing_seq_and_keeps_the_newest_capacity():
    disk, fs = _fresh()
    log = EventLog(fs, "/ev", 10, per_segment=4)
    for i in range(37):
        assert log.append(100 + i, i % 7, i, -i) == i + 1
    got = log.entries()
    assert [e[0] for e in got] == list(range(28, 38))
    assert got[-1] == (37, 136, 36 % 7, 36, -36)
    assert log.newest == got[-1][1:]
    # the ring never holds more than ceil(10/4)+1 segment files
    assert len(fs.listdir("/ev")) == log.segments == 4


def test_survives_reboot_and_continues():
    disk, fs = _fresh()
    log = EventLog(fs, "/ev", 5, per_segment=2)
    for i in range(8):
        log.append(i, 1, 0, 0)
    fs = disk.reboot()
    log = EventLog(fs, "/ev", 5, per_segment=2)
    assert log.seq == 8
    assert [e[0] for e in log.entries()] == [4, 5, 6, 7, 8]
    assert log.append(9, 2, 3, 4) == 9
    assert log.entries()[-1] == (9, 9, 2, 3, 4)


def test_field_ranges_are_checked_before_writing():
    disk, fs = _fresh()
    log = EventLog(fs, "/ev", 5)
    log.append(1, 1, 0, 0)
    disk.flash.reset_counts()
    for bad in ((-1, 1, 0, 0), (1 << 32, 1, 0, 0), (0, 1 << 16, 0, 0), (0, 1, 1 << 31, 0),
                (0, 1, 0, -(1 << 31) - 1)):
        try:
            log.append(*bad)
            raise AssertionError("appended %r" % (bad,))
        except ValueError:
            pass
    assert disk.flash.ops == 0
    assert log.append(0xFFFFFFFF, 0xFFFF, 0x7FFFFFFF, -0x80000000) == 2


def test_torn_tail_is_cut_off_and_older_events_kept():
    # what a torn append looks like on a file system without atomic writes
    disk, fs = _fresh()
    log = EventLog(fs, "/ev", 10, per_segment=4)
    for i in range(6):
        log.append(i, 1, i, i)
    path = "/ev/%d" % log._cur
    data = read_file(fs, path, 1000)
    write_file(fs, path, data + b"\x07\x00\x00\x00\x05\x00\x00")  # 7 bytes of a record
    log = EventLog(fs, "/ev", 10, per_segment=4)
    assert [e[0] for e in log.entries()] == [1, 2, 3, 4, 5, 6]
    assert len(read_file(fs, path, 1000)) == 2 * RECORD
    assert log.append(7, 1, 0, 0) == 7
    assert [e[0] for e in log.entries()] == [1, 2, 3, 4, 5, 6, 7]


def test_corrupt_record_hides_only_its_segment_tail():
    disk, fs = _fresh()
    log = EventLog(fs, "/ev", 10, per_segment=3)
    for i in range(9):
        log.append(i, 1, 0, 0)
    data = bytearray(read_file(fs, "/ev/1", 1000))  # events 4..6
    data[RECORD + 5] ^= 1  # damage event 5
    write_file(fs, "/ev/1", data)
    log = EventLog(fs, "/ev", 10, per_segment=3)
    assert [e[0] for e in log.entries()] == [1, 2, 3, 4, 7, 8, 9]
    assert log.seq == 9


def test_smaller_ring_after_reconfiguration_never_reuses_seq():
    disk, fs = _fresh()
    log = EventLog(fs, "/ev", 20, per_segment=2)
    for i in range(21):
        log.append(i, 1, 0, 0)
    small = EventLog(fs, "/ev", 4, per_segment=2)
    assert small.seq == 21
    assert small.append(1, 1, 0, 0) == 22
    small.clear()
    assert small.entries() == [] and small.append(1, 1, 0, 0) == 1
