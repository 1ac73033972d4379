# Portable: the image store (firmware/update/image.py) behind class 18: blocks
# in order and resumable, the background check (SHA-256, Ed25519, install and
# read-back), refusals that change nothing and are logged, activation, and
# what image_transfer_status says after the restart.
import bootslot
import vocab
from meter_ramfs import RamFs
from store.fs import ensure_dir, write_file
from update import bundle, image as im
import update_samples as u

IMG = u.image()


def _board():
    fs = RamFs()
    ensure_dir(fs, "/lib")
    write_file(fs, "/lib/INFO", bundle.info_text("factory", "1", "").encode())
    write_file(fs, "/lib/app.py", b"VERSION = '1'\n")
    bootslot._selected[0] = None
    return fs


def _store(fs, log=None, key=u.PUBLIC_KEY, formats=("py",)):
    return im.ImageStore(fs, key, formats, (lambda *e: log.append(e)) if log is not None else None,
                         block_size=u.BLOCK)


def _send(s, data, upto=None, ident=u.ID):
    assert s.initiate(ident.encode(), len(data)) is True
    for n in range(s.first_missing(), upto if upto is not None else s.blocks_total()):
        assert s.write_block(n, data[n * u.BLOCK:(n + 1) * u.BLOCK]) is True, n


def _check(s):
    assert s.verify() is None and s.busy()
    n = 0
    while s.busy():
        s.step()
        n += 1
    return n


def _reboot(fs):
    bootslot._selected[0] = None
    return bootslot.select(fs)


def test_transfer_verify_install_activate():
    fs, log = _board(), []
    s = _store(fs, log)
    assert s.status == im.NOT_INITIATED and s.to_activate() == []
    _send(s, IMG)
    assert s.status == im.INITIATED and s.first_missing() == s.blocks_total() == 12
    assert _check(s) > 5  # done in slices
    assert s.status == im.VERIFIED and s.verify() is True and log == []
    assert s.to_activate() == [(len(IMG), u.ID.encode(), IMG[-64:])]
    for path, data in u.FILES:  # installed into slot B and read back
        assert fs.files["/fw/b/" + path] == data
    info = bundle.read_info(fs, "/fw/b/INFO")
    assert info["id"] == u.ID and info["signature"] == IMG[-64:].hex()
    assert not bootslot.on_trial(bootslot.read(fs))  # nothing switched before image_activate
    assert s.activate() is True and s.reset_due
    assert bootslot.read(fs)[:2] == [1, 0]
    assert log == [(vocab.EV_FW_ACTIVATING, 1, 0)]


def test_a_transfer_resumes_after_a_restart():
    fs = _board()
    s = _store(fs)
    _send(s, IMG, upto=5)
    s = _store(fs)  # power cycle
    assert s.status == im.INITIATED and s.first_missing() == 5
    _send(s, IMG)  # the same identifier and size: blocks kept, continues at 5
    assert s.first_missing() == 12
    _check(s)
    assert s.status == im.VERIFIED
    s = _store(fs)
    assert s.status == im.VERIFIED and s.to_activate()[0][1] == u.ID.encode()
    assert s.initiate(b"other", len(IMG)) is True and s.first_missing() == 0  # another image


def test_block_rules():
    fs = _board()
    s = _store(fs)
    assert s.write_block(0, IMG[:u.BLOCK]) is False  # not initiated
    assert s.initiate(u.ID.encode(), len(IMG)) is True
    assert s.write_block(1, IMG[u.BLOCK:2 * u.BLOCK]) is False  # out of order
    assert s.write_block(0, IMG[:10]) is False  # short block
    assert s.write_block(0, IMG[:u.BLOCK]) is True
    assert s.write_block(0, IMG[:u.BLOCK]) is True and s.first_missing() == 1  # repeated
    assert s.verify() is False  # incomplete
    assert s.activate() is False
    last = s.blocks_total() - 1
    for n in range(1, last):
        s.write_block(n, IMG[n * u.BLOCK:(n + 1) * u.BLOCK])
    assert s.write_block(last, IMG[last * u.BLOCK:] + b"x") is False  # last block too long
    assert s.write_block(last, IMG[last * u.BLOCK:]) is True
    assert s.write_block(last + 1, b"x" * u.BLOCK) is False  # beyond the image


def test_initiate_rules():
    fs = _board()
    s = _store(fs)
    assert s.initiate(b"", 100) is False and s.initiate(b"x", 0) is False
    assert s.initiate(b"x", im.MAX_IMAGE + 1) is False and s.initiate(b"x" * 65, 100) is False
    assert s.set_enabled(False) is True
    assert s.initiate(u.ID.encode(), len(IMG)) is False
    assert _store(fs).enabled is False  # kept across a restart
    s.set_enabled(True)
    _send(s, IMG)
    s.verify()
    assert s.initiate(u.ID.encode(), len(IMG)) is None  # busy verifying


def _refused(data, reason, key=u.PUBLIC_KEY, formats=("py",), ident=u.ID):
    fs, log = _board(), []
    s = _store(fs, log, key, formats)
    _send(s, data, ident=ident)
    _check(s)
    assert s.status == im.VERIFY_FAILED and s.to_activate() == []
    assert log == [(vocab.EV_FW_REFUSED, reason, 0)]
    assert s.activate() is False and not s.reset_due
    assert bootslot.read(fs) == [0, -1, 0, 0]  # nothing switched
    assert not bootslot.complete(fs, 1)
    assert _reboot(fs) == 0
    return fs


def test_tampered_file_data_is_refused():
    fs = _refused(u.tampered(-80), im.REFUSED_SIGNATURE)
    s = _store(fs)  # the same identifier again: the refused blocks are not kept
    assert s.initiate(u.ID.encode(), len(IMG)) is True and s.first_missing() == 0


def test_tampered_manifest_is_refused():
    i = IMG.index(b"pkg/mod.py")
    _refused(IMG[:i] + b"pkg/mad.py" + IMG[i + 10:], im.REFUSED_SIGNATURE)


def test_unsigned_and_foreign_images_are_refused():
    _refused(IMG[:-64] + bytes(64), im.REFUSED_SIGNATURE)
    _refused(u.tampered(-1), im.REFUSED_SIGNATURE)
    other = bytes.fromhex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c")
    _refused(IMG, im.REFUSED_SIGNATURE, key=other)  # signed, but not by this meter's maker


def test_wrong_format_target_or_identifier_is_refused():
    _refused(IMG, im.REFUSED_TARGET, formats=("mpy 6",))
    _refused(u.tampered(0), im.REFUSED_FORMAT)  # not a bundle
    _refused(IMG, im.REFUSED_FORMAT, ident="someone-else")  # not the image announced


def test_activate_before_verify_verifies_first():
    fs, log = _board(), []
    s = _store(fs, log)
    _send(s, IMG)
    assert s.activate() is None and s.busy()
    s = _store(fs, log)  # a restart in the middle: the check starts over, then activates
    while s.busy():
        s.step()
    assert s.status == im.ACTIVATING and s.reset_due and bootslot.read(fs)[0] == 1


def test_status_after_the_restart():
    fs, log = _board(), []
    s = _store(fs, log)
    _send(s, IMG)
    _check(s)
    s.activate()
    assert _reboot(fs) == 1
    s = _store(fs)
    assert s.status == im.ACTIVATING  # on trial
    assert s.initiate(b"next", 100) is None  # no new transfer before the confirmation
    bootslot.confirm(fs)
    assert _store(fs).status == im.ACTIVATED


def test_status_after_a_rollback_and_after_a_cut_before_the_switch():
    fs = _board()
    s = _store(fs)
    _send(s, IMG)
    _check(s)
    s.activate()
    for _ in range(bootslot.MAX_TRIES + 1):
        slot = _reboot(fs)
    assert slot == 0 and _store(fs).status == im.ACTIVATE_FAILED
    fs = _board()
    s = _store(fs)
    _send(s, IMG)
    _check(s)
    s._save(im.ACTIVATING)  # the power fails before bootslot.activate()
    _reboot(fs)
    s = _store(fs)
    assert s.status == im.VERIFIED and s.activate() is True


def test_slot_info_file():
    fs = RamFs()
    assert bundle.read_info(fs, "/fw/b/INFO") == {}
    write_file(fs, "/fw/b/INFO", bundle.info_text("stsmeter-9", "9", "ab01").encode())
    assert bundle.read_info(fs, "/fw/b/INFO") == {"id": "stsmeter-9", "version": "9",
                                                   "signature": "ab01"}
