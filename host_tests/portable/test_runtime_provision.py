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


class _Panel:
    """The parts of app.App the runtime's metering round uses."""

    def __init__(self):
        from meter_rig import Display

        class Keypad:
            entry = ""
            last_message = ""

            def show_idle(kp):
                self.display.show("Cr 1.0")

        self.display = Display()
        self.keypad = Keypad()
        self.meter = None
        self.ticks = 0

    def tick(self):
        self.ticks += 1

    def work(self):
        return False

    def busy(self):
        return False


def test_message_hold_runs_on_front_panel_time():
    """A result stays IDLE_SHOW_S on the front panel's clock (ui), however
    fast the meter's uptime runs (here 60x: 6 meter seconds per 100 ms
    round), then the credit shows again; App.tick runs at least once per
    meter second or front-panel second. Without ui the meter's uptime is the
    front panel's clock (a board): the message goes in the third round."""
    for ui_ms, rounds in ((100, 100), (None, 3)):
        app = _Panel()
        up = runtime.Uptime(lambda: 6000)
        ui = None if ui_ms is None else runtime.Uptime(lambda: ui_ms)
        rt = runtime.Runtime(app, up, ui=ui)
        app.display.show("Accept 01")
        for i in range(rounds):
            assert app.display.text == "Accept 01", i
            rt.step()
        assert app.display.text == "Cr 1.0"
        assert app.ticks == rounds
