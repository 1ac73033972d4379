# mp32-skip: all: blockdev.RamDisk mounts os.VfsLfs2 (littlefs), which the WebAssembly port does not have
# Portable: store.state.StateStore on littlefs (RAM disk): round trips, the
# two slots, damaged copies, a full disk and a fresh meter.
import blockdev
from store.state import StateStore, MAX_PAYLOAD
from store.fs import StoreCorruptError, StoreFullError, read_file
from store.codec import CodecError
from store_samples import meter_state


def _fresh(block_count=32):
    disk = blockdev.RamDisk(block_count=block_count)
    return disk, disk.mount()


def test_fresh_meter_loads_none():
    disk, fs = _fresh()
    st = StateStore(fs, "/state")
    assert st.load() is None
    assert st.seq == 0 and st.commits == 0 and not st.recovered


def test_commit_load_round_trip_survives_reboot():
    disk, fs = _fresh()
    st = StateStore(fs, "/state")
    st.load()
    for n in range(5):
        assert st.commit(meter_state(n)) == n + 1
    assert st.commits == 5
    fs = disk.reboot()
    st2 = StateStore(fs, "/state")
    assert st2.load() == meter_state(4)
    assert st2.seq == 5
    st2.commit({"x": 1})
    assert StateStore(disk.reboot(), "/state").load() == {"x": 1}


def test_slots_alternate_and_keep_the_previous_copy():
    disk, fs = _fresh()
    st = StateStore(fs, "/state")
    st.commit({"v": 1})
    st.commit({"v": 2})
    st.commit({"v": 3})
    assert sorted(fs.listdir("/state")) == ["a", "b"]
    a = read_file(fs, "/state/a", 100)
    b = read_file(fs, "/state/b", 100)
    assert a != b and len(a) == len(b)


def test_commit_without_load_continues_the_sequence():
    disk, fs = _fresh()
    StateStore(fs, "/state").commit({"v": 1})
    StateStore(fs, "/state").commit({"v": 2})
    st = StateStore(fs, "/state")
    st.commit({"v": 3})
    assert st.seq == 3
    assert StateStore(fs, "/state").load() == {"v": 3}


def _damage(fs, path, how):
    data = bytearray(read_file(fs, path, 10000))
    if how == "flip":
        data[len(data) // 2] ^= 0x40
    elif how == "truncate":
        data = data[:len(data) - 3]
    elif how == "header":
        data[0] = 0
    elif how == "zero":
        data = bytearray(len(data))
    f = fs.open(path, "wb")
    f.write(data)
    f.close()


def _newest_path(st):
    return "/state/" + ("a", "b")[st._newest]


def test_damaged_newest_copy_falls_back_to_the_previous():
    for how in ("flip", "truncate", "header", "zero"):
        disk, fs = _fresh()
        st = StateStore(fs, "/state")
        st.commit(meter_state(1))
        st.commit(meter_state(2))
        _damage(fs, _newest_path(st), how)
        st2 = StateStore(disk.reboot(), "/state")
        assert st2.load() == meter_state(1), how
        assert st2.recovered and st2.seq == 1
        # the next commit replaces the damaged copy, not the good one
        st2.commit(meter_state(3))
        st3 = StateStore(disk.reboot(), "/state")
        assert st3.load() == meter_state(3)
        assert not st3.recovered


def test_damaged_older_copy_is_harmless():
    disk, fs = _fresh()
    st = StateStore(fs, "/state")
    st.commit({"v": 1})
    st.commit({"v": 2})
    older = "/state/" + ("a", "b")[1 - st._newest]
    _damage(fs, older, "flip")
    st2 = StateStore(disk.reboot(), "/state")
    assert st2.load() == {"v": 2} and st2.recovered


def test_no_valid_copy_is_an_error_not_a_fresh_meter():
    disk, fs = _fresh()
    st = StateStore(fs, "/state")
    st.commit({"v": 1})
    st.commit({"v": 2})
    _damage(fs, "/state/a", "flip")
    _damage(fs, "/state/b", "header")
    try:
        StateStore(disk.reboot(), "/state").load()
        raise AssertionError("loaded from two damaged copies")
    except StoreCorruptError:
        pass


def test_empty_slot_files_mean_no_state():
    disk, fs = _fresh()
    fs.mkdir("/state")
    fs.open("/state/a", "wb").close()
    assert StateStore(fs, "/state").load() is None


def test_unstorable_state_writes_nothing():
    disk, fs = _fresh()
    st = StateStore(fs, "/state")
    st.commit({"v": 1})
    disk.flash.reset_counts()
    for bad in ({"f": 1.5}, [1, 2], {"big": b"\x00" * (MAX_PAYLOAD + 1)}, {b"k": 1}):
        try:
            st.commit(bad)
            raise AssertionError("committed %r" % (bad,))
        except (CodecError, ValueError):
            pass
    assert disk.flash.ops == 0
    assert st.seq == 1 and st.commits == 1
    assert StateStore(fs, "/state").load() == {"v": 1}


def _fill(fs):
    n = 0
    while True:
        try:
            f = fs.open("/junk%d" % n, "wb")
            try:
                f.write(b"\xa5" * 400)
            finally:
                f.close()
        except OSError:
            return n
        n += 1


def test_full_disk_raises_and_keeps_the_old_state():
    disk, fs = _fresh(block_count=32)
    st = StateStore(fs, "/state")
    st.commit(meter_state(1))
    st.commit(meter_state(2))
    junk = _fill(fs)
    assert junk > 5
    failures = 0
    for n in range(3, 8):
        try:
            st.commit(meter_state(n))
        except StoreFullError:
            failures += 1
    assert failures == 5
    fs = disk.reboot()
    st = StateStore(fs, "/state")
    assert st.load() == meter_state(2)
    for i in range(junk + 1):
        try:
            fs.remove("/junk%d" % i)
        except OSError:
            pass
    st.commit(meter_state(9))
    assert StateStore(disk.reboot(), "/state").load() == meter_state(9)


def test_erase_is_a_factory_reset():
    disk, fs = _fresh()
    st = StateStore(fs, "/state")
    st.commit({"v": 1})
    st.commit({"v": 2})
    st.erase()
    assert StateStore(fs, "/state").load() is None
    st.commit({"v": 3})
    assert StateStore(fs, "/state").load() == {"v": 3}


def test_sequence_number_wraps_around():
    from store.state import pack
    from store.fs import write_file
    disk, fs = _fresh()
    fs.mkdir("/state")
    write_file(fs, "/state/a", pack(0xFFFFFFFE, {"v": "old"}))
    write_file(fs, "/state/b", pack(0xFFFFFFFF, {"v": "new"}))
    st = StateStore(fs, "/state")
    assert st.load() == {"v": "new"}
    assert st.commit({"v": "wrapped"}) == 0
    st2 = StateStore(fs, "/state")
    assert st2.load() == {"v": "wrapped"}
    assert st2.commit({"v": "next"}) == 1
    assert StateStore(fs, "/state").load() == {"v": "next"}
