# mp32-skip: test_file_is_committed_then_deleted_and_stays_stored test_meter_started_on_dev_keys_ignores_a_later_file test_bad_file_is_not_committed test_no_file_no_record_is_development: they mount os.VfsLfs2 (littlefs), which the WebAssembly port does not have
# Portable: first-time provisioning (firmware/provision.py) on littlefs (RAM
# disk) and the runtime's uptime clock, on both interpreters.
import blockdev
import provision
import runtime
from store.fs import ensure_dir, exists, write_file
from store.state import StateStore


def _fs():
    return blockdev.RamDisk(block_count=32).mount()


def _write(fs, path, text):
    write_file(fs, path, text.encode())


def test_no_file_no_record_is_development():
    fs = _fs()
    ensure_dir(fs, "/data")
    assert provision.load(fs, "/data") == (None, provision.DEV)


def test_file_is_committed_then_deleted_and_stays_stored():
    fs = _fs()
    ensure_dir(fs, "/data")
    _write(fs, "/provision.json", '{"drn": "12345678903", "sgc": 654321}')
    p, src = provision.load(fs, "/data")
    assert src == provision.FILE and p["drn"] == "12345678903" and p["sgc"] == 654321
    # a cut here: the record exists, the file too -> stored, and finish deletes the file
    p2, src2 = provision.load(fs, "/data")
    assert src2 == provision.STORED and p2 == p
    assert provision.finish(fs) is True
    assert not exists(fs, "/provision.json")
    assert provision.load(fs, "/data") == (p, provision.STORED)
    assert provision.finish(fs) is False  # nothing left to delete


def test_meter_started_on_dev_keys_ignores_a_later_file():
    fs = _fs()
    ensure_dir(fs, "/data")
    StateStore(fs, "/data/meter").commit({"v": 1})  # a meter state exists already
    _write(fs, "/provision.json", '{"drn": "12345678903"}')
    assert provision.load(fs, "/data") == (None, provision.DEV)


def test_bad_file_is_not_committed():
    fs = _fs()
    ensure_dir(fs, "/data")
    for text in ("{not json", "[1, 2]", ""):
        _write(fs, "/provision.json", text)
        assert provision.load(fs, "/data") == (None, provision.DEV)
    assert not exists(fs, "/data/prov/a")


def test_uptime_carries_milliseconds():
    steps = [250, 250, 600, 0, 2900, 1]
    it = iter(steps)
    up = runtime.Uptime(lambda: next(it))
    seen = [up.update() for _ in steps]
    assert seen == [0, 0, 1, 1, 4, 4]
    assert up.ms == 1 and up.seconds() == 4
