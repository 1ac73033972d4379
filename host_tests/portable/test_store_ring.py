# Portable: store.ring.Ring, the bounded ring of fixed-size records behind the
# event journal, the profiles and the event logs, on a RAM file system
# (meter_ramfs: runs on the 32-bit leg too). Power cuts on littlefs:
# test_profiles_powercut.py.
from meter_ramfs import RamFs
from store.ring import Ring


FMT = "<IH"  # 6 bytes of fields


def _rec(i):
    return (1000 + i, i & 0xFFFF)


def test_empty_ring():
    fs = RamFs()
    r = Ring(fs, "/d/x", FMT, 10, 4)
    assert list(r.records()) == [] and r.seq == 0 and r.in_use() == 0 and r.newest is None


def test_keeps_the_newest_capacity_oldest_first_and_counts_them():
    fs = RamFs()
    r = Ring(fs, "/d/x", FMT, 10, 4)
    for i in range(1, 38):
        assert r.append(*_rec(i)) == i
        assert r.in_use() == min(i, 10) and r.newest == _rec(i)
        got = list(r.records())
        assert [s for s, _ in got] == list(range(max(1, i - 9), i + 1))
        assert all(p == _rec(s) for s, p in got)
    # ceil(10 / 4) + 1 segment files, named after the ring
    assert sorted(fs.listdir("/d")) == ["x0", "x1", "x2", "x3"]


def test_reopens_where_it_was_and_goes_on():
    fs = RamFs()
    r = Ring(fs, "/d/x", FMT, 5, 2)
    for i in range(1, 9):
        r.append(*_rec(i))
    r = Ring(fs, "/d/x", FMT, 5, 2)
    assert (r.seq, r.in_use(), r.newest) == (8, 5, _rec(8))
    assert [s for s, _ in r.records()] == [4, 5, 6, 7, 8]
    assert r.append(*_rec(9)) == 9 and [s for s, _ in r.records()] == [5, 6, 7, 8, 9]


def test_rings_share_a_folder_without_touching_each_other():
    fs = RamFs()
    a, b = Ring(fs, "/d/a", FMT, 4, 2), Ring(fs, "/d/ab", FMT, 4, 2)
    for i in range(1, 7):
        a.append(*_rec(i))
        b.append(*_rec(100 + i))
    a.clear()
    assert list(a.records()) == [] and a.seq == 0
    assert [s for s, _ in b.records()] == [3, 4, 5, 6]
    b = Ring(fs, "/d/ab", FMT, 4, 2)
    assert b.newest == _rec(106) and b.in_use() == 4


def test_a_torn_record_is_cut_off_and_the_rest_kept():
    fs = RamFs()
    r = Ring(fs, "/d/x", FMT, 10, 4)
    for i in range(1, 4):
        r.append(*_rec(i))
    fs.files["/d/x0"] = fs.files["/d/x0"] + b"\x04\x00\x00\x00garb"  # a cut mid-append
    r = Ring(fs, "/d/x", FMT, 10, 4)
    assert r.seq == 3 and len(fs.files["/d/x0"]) == 3 * 12
    assert r.append(*_rec(4)) == 4 and [s for s, _ in r.records()] == [1, 2, 3, 4]


def test_a_damaged_record_ends_its_segment_only():
    fs = RamFs()
    r = Ring(fs, "/d/x", FMT, 8, 2)
    for i in range(1, 9):
        r.append(*_rec(i))
    data = bytearray(fs.files["/d/x1"])  # records 3, 4
    data[5] ^= 1
    fs.files["/d/x1"] = bytes(data)
    r = Ring(fs, "/d/x", FMT, 8, 2)
    assert [s for s, _ in r.records()] == [1, 2, 5, 6, 7, 8] and r.in_use() == 6


def test_fields_the_format_does_not_hold_are_refused_before_writing():
    fs = RamFs()
    r = Ring(fs, "/d/x", FMT, 4, 2)
    writes = fs.writes
    for bad in ((), (1,), (1, 2, 3), (-1, 0), (1 << 32, 0), (0, 1 << 16), (b"ab", 0)):
        try:
            r.append(*bad)
            raise AssertionError("appended %r" % (bad,))
        except ValueError:
            pass
    assert fs.writes == writes and r.seq == 0


def test_records_read_one_segment_at_a_time_while_appends_go_on():
    # a reader suspended in records() sees each segment as it is when it
    # reaches it: appends into a segment it has passed are not seen, and one
    # that replaces a segment ahead of it would hide that segment's rows
    fs = RamFs()
    r = Ring(fs, "/d/x", FMT, 4, 2)  # 3 segments: [1 2] [3 4] [5 6], the next goes to the first
    for i in range(1, 7):
        r.append(*_rec(i))
    it = r.records()
    assert next(it)[0] == 3  # the first segment holds only rows outside the newest 4
    r.append(*_rec(7))
    r.append(*_rec(8))
    assert [s for s, _ in it] == [4, 5, 6]
    it = r.records()
    assert next(it)[0] == 5  # [7 8] [3 4] [5 6]: reading the segment of 5 and 6
    r.append(*_rec(9))  # replaces [3 4], which was already passed
    assert [s for s, _ in it] == [6, 7, 8]
