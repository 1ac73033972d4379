# mp32-skip: all: blockdev.RamDisk mounts os.VfsLfs2 (littlefs), which the WebAssembly port does not have
# mp-heap: 192k
# (192k: the littlefs RAM disk and its snapshot, 2 x 16 KB, beside the image store and its
# store/bootslot modules, ~31 KB on the 64-bit unix port: 128k fragments before the snapshot)
# Portable fault injection for the firmware update (docs/update.md): the power
# fails at every flash operation of the transfer, of the check and install,
# of the activation with the boots that follow, and of a rollback, on
# littlefs (blockdev.sweep). After each cut the meter's state and keys are
# intact, the slot that boots is complete, nothing acknowledged is lost, and
# the update can be finished from there.
import blockdev
from blockdev import TEAR_GARBLE
import bootslot
from store.fs import ensure_dir, write_file
from store.state import StateStore
from update import bundle, image as im
import update_samples as u

IMG = u.image()
METER = {"credit": [123456, 0], "tids": [1, 2, 3]}
KEYS = {"ek": b"\x01" * 16, "ak": b"\x02" * 16, "ic": 77}


def _disk():
    disk = blockdev.RamDisk(block_count=32)
    fs = disk.mount()
    ensure_dir(fs, "/lib")
    write_file(fs, "/lib/app.py", b"VERSION = '1'\n")
    write_file(fs, "/lib/INFO", bundle.info_text("factory", "1", "").encode())
    StateStore(fs, "/data/meter").commit(METER)
    StateStore(fs, "/data/dlms").commit(KEYS)
    return disk, fs


def _store(fs):
    return im.ImageStore(fs, u.PUBLIC_KEY, ("py",), block_size=u.BLOCK)


def _boot(fs):
    bootslot._selected[0] = None
    return bootslot.select(fs)


def _read(fs, path):
    f = fs.open(path, "rb")
    try:
        return f.read()
    finally:
        f.close()


def _intact(fs):
    """What every cut must leave: meter state, keys and a complete booting slot."""
    assert StateStore(fs, "/data/meter").load() == METER
    assert StateStore(fs, "/data/dlms").load() == KEYS
    slot = _boot(fs)
    if slot == 0:
        assert _read(fs, "/lib/app.py") == b"VERSION = '1'\n"
    else:
        for path, data in u.FILES:
            assert _read(fs, "/fw/b/" + path) == data, path
    return slot


def _finish(fs, check_blocks=0):
    """Complete the update from whatever state a cut left: it ends active."""
    s = _store(fs)
    if s.status in (im.NOT_INITIATED, im.INITIATED):
        assert s.initiate(u.ID.encode(), len(IMG)) is True
        assert s.first_missing() >= check_blocks  # acknowledged blocks are kept
        for n in range(s.first_missing(), s.blocks_total()):
            assert s.write_block(n, IMG[n * u.BLOCK:(n + 1) * u.BLOCK]) is True
        s.verify()
    while s.busy():
        s.step()
    if s.status == im.VERIFIED:
        assert s.activate() is True
    assert _boot(fs) == 1
    bootslot.confirm(fs)
    assert not bootslot.on_trial(bootslot.read(fs)) and _store(fs).status == im.ACTIVATED
    assert _intact(fs) == 1


def _transfer(fs, done):
    _boot(fs)  # each run starts from a power-up (no record written: nothing on trial)
    s = _store(fs)
    s.initiate(u.ID.encode(), len(IMG))
    for n in range(s.blocks_total()):
        s.write_block(n, IMG[n * u.BLOCK:(n + 1) * u.BLOCK])
        done.append(n)


def _verify(fs, done):
    _boot(fs)
    s = _store(fs)
    s.verify()
    while s.busy():
        s.step()
    done.append(s.status)


def _activate_and_boot(fs, done):
    _boot(fs)
    _store(fs).activate()
    done.append("activated")
    _boot(fs)
    done.append("booted")
    bootslot.confirm(fs)
    done.append("confirmed")


def test_every_cut_during_the_transfer():
    disk, fs = _disk()

    def check(fs, done):
        assert _intact(fs) == 0
        _finish(fs, len(done))

    assert blockdev.sweep(disk, _transfer, check, TEAR_GARBLE) > 12


def test_every_cut_during_the_check_and_install():
    disk, fs = _disk()
    _transfer(fs, [])

    def check(fs, done):
        assert _intact(fs) == 0  # nothing boots before image_activate
        if done:
            assert done == [im.VERIFIED] and _store(fs).status == im.VERIFIED
        _finish(fs)

    assert blockdev.sweep(disk, _verify, check, TEAR_GARBLE) > 10


def test_every_cut_during_the_activation_and_the_first_boots():
    disk, fs = _disk()
    _transfer(fs, [])
    _verify(fs, [])

    def check(fs, done):
        slot = _intact(fs)
        if done:  # an acknowledged activation holds
            assert slot == 1
        if "confirmed" in done:
            assert not bootslot.on_trial(bootslot.read(fs))
        _finish(fs)

    assert blockdev.sweep(disk, _activate_and_boot, check, TEAR_GARBLE) > 3


def test_every_cut_during_a_rollback():
    disk, fs = _disk()
    _transfer(fs, [])
    _verify(fs, [])
    _store(fs).activate()

    def run(fs, done):  # the new firmware never confirms itself
        for i in range(bootslot.MAX_TRIES + 1):
            done.append(_boot(fs))

    def check(fs, done):
        _intact(fs)
        if len(done) == bootslot.MAX_TRIES + 1:
            assert done[-1] == 0 and bootslot.read(fs)[3] == bootslot.NOTE_ROLLED_BACK
            assert _store(fs).status == im.ACTIVATE_FAILED

    assert blockdev.sweep(disk, run, check, TEAR_GARBLE) > bootslot.MAX_TRIES
