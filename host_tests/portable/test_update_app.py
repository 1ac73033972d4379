# mp-heap: 368k
# (368k on the 64-bit unix port: app.App with its clock and profile recorder, the update
# modules and the image check, and every object made for the object list, the profile
# generics too; fails at 352k with MemoryError, 320k before the profiles)
# Portable: a firmware update through the meter's COSEM objects (app.App,
# class 18 at 0.0.44.0.0.255, the active firmware identifier and signature
# 1.0.0.2.0.255 / 1.0.0.2.8.255): lazily loaded, driven by the standard
# methods, checked in the background by App.work(), the restart asked for,
# then the new firmware's boot: identifier, confirmation, or rollback, each
# in the meter's event log. Refusals are logged and change nothing.
import app
import bootslot
import vocab
from dlms import axdr, cosem, obis
from meter_ramfs import RamFs
from store.fs import ensure_dir, write_file
from update import bundle
import update_samples as u

IMG = u.image()
IT = obis.IMAGE_TRANSFER


class _Relay:
    closed = None

    def set(self, closed):
        self.closed = closed


class _Ctx:
    def __init__(self, level):
        self.level = level


MGMT = _Ctx(cosem.MANAGEMENT)
READER = _Ctx(cosem.READER)


class Meter:
    """A powered-up meter on `fs` with a settable uptime clock."""

    def __init__(self, fs):
        bootslot._selected[0] = None
        self.slot = bootslot.select(fs)  # what main.py does at every boot
        self.now = 0
        self.app = app.App({}, fs, lambda: self.now, lambda: 848000000, _Relay(), lambda n: bytes(n))
        self.model = self.app.server.model

    def act(self, method, value, ctx=MGMT):
        return self.model.action(ctx, 18, IT, method, value)

    def get(self, attr, class_id=18, ln=IT, ctx=MGMT):
        code, v = self.model.get(ctx, class_id, ln, attr)
        assert code == cosem.SUCCESS, (attr, code)
        return v[1]

    def events(self):
        return [(e[2], e[3], e[4]) for e in self.app.eventlog.entries() if e[2] >= vocab.EV_FW_REFUSED]

    def transfer(self, data):
        assert self.act(1, (axdr.STRUCTURE, [(axdr.OCTET_STRING, u.ID.encode()),
                                             (axdr.DOUBLE_LONG_UNSIGNED, len(data))]))[0] == 0
        bs = self.get(2)
        for n in range(self.get(4), (len(data) + bs - 1) // bs):
            block = (axdr.STRUCTURE, [(axdr.DOUBLE_LONG_UNSIGNED, n),
                                      (axdr.OCTET_STRING, data[n * bs:(n + 1) * bs])])
            assert self.act(2, block)[0] == 0, n
        assert self.act(3, (axdr.INTEGER, 0))[0] == cosem.TEMPORARY_FAILURE  # checked in the background
        rounds = 0
        while self.get(6) == 2:
            assert self.app.work() is False
            rounds += 1
        return rounds


def _board():
    fs = RamFs()
    ensure_dir(fs, "/lib")
    write_file(fs, "/lib/INFO", bundle.info_text("stsmeter-1.0", "1.0", "").encode())
    return fs


def test_objects_are_listed():
    m = Meter(_board())
    listed = [(o.class_id, bytes(o.ln)) for o in m.model.objects]
    for entry in ((18, IT), (1, obis.FIRMWARE_ID), (1, obis.FIRMWARE_SIGNATURE)):
        assert entry in listed
    m.app.server.object_list(cosem.MANAGEMENT)
    assert m.get(2, 1, obis.FIRMWARE_ID, READER) == b"stsmeter-1.0"  # the running slot A
    assert m.get(2, 1, obis.FIRMWARE_SIGNATURE, READER) == b""  # installed by cable: unsigned
    # (that a basic session loads none of the update code is checked with
    # LAZY_FEATURES in host_tests/test_heap_budget.py)
    assert m.get(6) == 0 and m.get(5) is True and m.get(2) == 448


def test_access_levels():
    m = Meter(_board())
    assert m.model.get(_Ctx(cosem.PUBLIC), 18, IT, 6)[0] == cosem.READ_WRITE_DENIED
    assert m.model.get(READER, 18, IT, 6)[0] == cosem.SUCCESS
    assert m.act(4, (axdr.INTEGER, 0), READER)[0] == cosem.READ_WRITE_DENIED
    assert m.model.set(READER, 18, IT, 5, (axdr.BOOLEAN, False)) == cosem.READ_WRITE_DENIED
    assert m.model.set(MGMT, 18, IT, 5, (axdr.BOOLEAN, False)) == cosem.SUCCESS
    assert m.get(5) is False
    assert m.act(1, (axdr.STRUCTURE, [(axdr.OCTET_STRING, b"x"),
                                      (axdr.DOUBLE_LONG_UNSIGNED, 10)]))[0] == cosem.OTHER_REASON
    assert m.act(1, (axdr.OCTET_STRING, b"x"))[0] == cosem.TYPE_UNMATCHED


def test_update_activate_restart_and_confirm():
    fs = _board()
    m = Meter(fs)
    assert m.transfer(IMG) > 5
    assert m.get(6) == 3 and m.get(4) == 2  # 723 bytes in blocks of 448
    assert m.get(3) == (2, b"\xc0")  # bits 0 and 1: every block received
    info = m.get(7)
    assert info[0][1][0][1] == len(IMG) and info[0][1][1][1] == u.ID.encode()
    assert m.act(4, (axdr.INTEGER, 0))[0] == 0
    works = [m.app.work() for _ in range(app.RESTART_ROUNDS)]
    assert works[-1] is True and not any(works[:-1])  # the restart once the answer went out
    assert m.events() == [(vocab.EV_FW_ACTIVATING, 1, 0)]

    m = Meter(fs)  # the new firmware boots, on trial
    assert m.slot == 1 and m.app.firmware_on_trial
    assert m.get(2, 1, obis.FIRMWARE_ID, READER) == u.ID.encode()
    assert m.get(2, 1, obis.FIRMWARE_SIGNATURE, READER) == IMG[-64:]
    assert m.get(6) == 5
    m.now = app.FIRMWARE_HEALTHY_S - 1
    m.app.tick()
    assert m.app.firmware_on_trial
    m.now = app.FIRMWARE_HEALTHY_S
    m.app.tick()
    assert not m.app.firmware_on_trial and not bootslot.on_trial(bootslot.read(fs))
    assert m.events()[-1] == (vocab.EV_FW_CONFIRMED, 1, 0) and m.get(6) == 6
    m = Meter(fs)
    assert m.slot == 1 and not m.app.firmware_on_trial


def test_a_firmware_that_never_gets_healthy_is_rolled_back_and_logged_once():
    fs = _board()
    m = Meter(fs)
    m.transfer(IMG)
    m.act(4, (axdr.INTEGER, 0))
    for _ in range(bootslot.MAX_TRIES):
        m = Meter(fs)  # each boot dies before FIRMWARE_HEALTHY_S (watchdog, crash)
        assert m.slot == 1
    m = Meter(fs)
    assert m.slot == 0 and not m.app.firmware_on_trial
    assert m.events()[-1] == (vocab.EV_FW_ROLLED_BACK, 1, 0)
    assert m.get(6) == 7 and m.get(2, 1, obis.FIRMWARE_ID, READER) == b"stsmeter-1.0"
    m = Meter(fs)
    assert [e for e in m.events() if e[0] == vocab.EV_FW_ROLLED_BACK] == [(vocab.EV_FW_ROLLED_BACK, 1, 0)]


def test_a_tampered_image_is_refused_and_logged():
    fs = _board()
    m = Meter(fs)
    m.transfer(u.tampered(-80))
    assert m.get(6) == 4 and m.get(7) == []
    assert m.events() == [(vocab.EV_FW_REFUSED, 2, 0)]  # update.image.REFUSED_SIGNATURE
    assert m.act(4, (axdr.INTEGER, 0))[0] == cosem.OTHER_REASON
    assert m.app.work() is False and not bootslot.complete(fs, 1)
    assert Meter(fs).slot == 0
