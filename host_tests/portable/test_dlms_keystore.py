# mp32-skip: test_renewal_is_atomic_across_a_power_cut test_renewal_is_atomic_with_garbled_flash_writes: blockdev.RamDisk mounts os.VfsLfs2 (littlefs), which the WebAssembly port does not have
# Portable: the keys and invocation counters of dlms.keystore (dlms.md 6.2):
# replay checks, the room kept for a key renewal (issue 12: an IC of
# 0xFFFFFFFF must not lock the client out), reservation ahead across
# restarts, key renewal in one durable record (power cut at every flash
# operation on littlefs), and the near-end event.
import blockdev
from blockdev import TEAR_NONE, TEAR_GARBLE
from dlms import keystore
from dlms.keystore import IC_MAX, IC_RESERVE, KeySet, KeyStore
import vocab
from meter_rig import PowerCut, Store
from store.state import StateStore

EK = bytes(range(16))
AK = bytes(range(0xD0, 0xE0))
EK2 = bytes(range(0x20, 0x30))
AK2 = bytes(range(0x40, 0x50))


class _Client:  # the part of association.ClientConfig the key store reads
    def __init__(self, ek=None, ak=None):
        self.ek = ek
        self.ak = ak


def _clients():
    return {16: _Client(), 17: _Client(), 1: _Client(EK, AK)}  # as provisioned


def test_counters_reject_replay():
    c = KeySet(EK, AK, tx=5, rx_last=10)
    assert not c.fresh(10) and c.fresh(11) and c.expected() == 11
    assert not c.accept(9)
    assert c.accept(12) and c.rx_last == 12
    assert c.next_tx() == 5 and c.tx == 6
    c.tx = IC_MAX + 1
    assert c.next_tx() is None
    assert (KeySet(EK, AK).tx, KeySet(EK, AK).rx_last) == (1, -1)


def test_an_ic_that_leaves_no_room_is_never_taken():
    c = KeySet(EK, AK, rx_last=100)
    assert not c.fresh(IC_MAX)  # after it no IC is left: never deciphered
    assert c.fresh(IC_MAX - 1) and c.fits(IC_MAX - 1, keystore.ROOM_KEY_TRANSFER)
    assert not c.fits(IC_MAX - 1, IC_RESERVE) and c.fits(IC_MAX - IC_RESERVE, IC_RESERVE)
    assert c.fits(IC_MAX - keystore.ROOM_AARQ, keystore.ROOM_AARQ)
    assert not c.fits(IC_MAX - keystore.ROOM_AARQ + 1, keystore.ROOM_AARQ)
    # the server's own counter: ordinary answers stop at the reserve, renewal goes on
    c.tx = IC_MAX - IC_RESERVE + 1
    assert c.next_tx() is None and c.tx == IC_MAX - IC_RESERVE + 1
    assert c.next_tx(keystore.ROOM_AARQ) == IC_MAX - IC_RESERVE + 1
    # the published next IC fits in 32 bits even for a record of the old rule
    assert KeySet(EK, AK, rx_last=IC_MAX).expected() == IC_MAX
    assert KeySet(EK, AK, rx_last=IC_MAX - 1).expected() == IC_MAX


def test_counter_near_its_end_is_reported_once():
    seen = []
    ks = KeyStore(_clients(), Store(), lambda code, a, b: seen.append((code, a, b)))
    k = ks.get(1)
    k.accept(keystore.IC_WARN - 1)
    ks.after_apdu(1)
    assert seen == []
    k.accept(keystore.IC_WARN + 5)
    ks.after_apdu(1)
    assert seen == [(vocab.EV_DLMS_COUNTER_NEAR_END, 1, keystore.RX)]
    k.accept(keystore.IC_WARN + 6)
    ks.after_apdu(1)
    assert len(seen) == 1
    k.tx = keystore.IC_WARN
    ks.save()  # the meter sends only under a durable reservation
    k.next_tx()
    ks.after_apdu(1)
    assert seen[-1] == (vocab.EV_DLMS_COUNTER_NEAR_END, 1, keystore.TX)


def test_reservation_ahead_and_restart():
    st = Store()
    ks = KeyStore(_clients(), st)
    assert st.data == {"1": [1 + keystore.IC_AHEAD, -1]}  # only client 1 has keys
    k = ks.get(1)
    for _ in range(keystore.IC_AHEAD - 9):
        k.next_tx()
        ks.after_apdu(1)
    assert st.commits == 1  # still inside the reservation
    k.next_tx()
    ks.after_apdu(1)
    assert st.commits == 2 and st.data["1"][0] == k.tx + keystore.IC_AHEAD
    k.accept(77)
    ks.save()
    ks.save()  # unchanged: not written again
    assert st.commits == 3 and st.data["1"][1] == 77
    reserved = st.data["1"][0]
    ks2 = KeyStore(_clients(), st)  # a restart: never an IC used before
    assert ks2.get(1).tx == reserved > k.tx and ks2.get(1).rx_last == 77


def test_reservation_near_the_end_steps_small():
    st = Store()
    ks = KeyStore(_clients(), st)
    k = ks.get(1)
    k.tx = IC_MAX - IC_RESERVE - 10
    ks.save()
    assert st.data["1"][0] - k.tx == 16  # a restart wastes little of the reserve
    k.tx = IC_MAX - 3
    ks.save()
    assert st.data["1"][0] == IC_MAX + 1


def test_renewal_resets_counters_in_one_commit_and_overrides_provisioning():
    st = Store()
    seen = []
    ks = KeyStore(_clients(), st, lambda code, a, b: seen.append((code, a, b)))
    k = ks.get(1)
    k.accept(5000)
    k.tx = 4000
    ks.save()
    n = st.commits
    ks.renew(1, EK2, AK2)
    assert st.commits == n + 1
    assert st.data["1"] == [1 + keystore.IC_AHEAD, -1, EK2, AK2]
    # still the old keys until the answer went out
    assert (k.ek, k.ak, k.rx_last) == (EK, AK, 5000) and k.next_tx() == 4000
    assert ks.apply_renewal() == 1 and ks.apply_renewal() is None
    assert (k.ek, k.ak, k.tx, k.rx_last, k.expected()) == (EK2, AK2, 1, -1, 0)
    assert seen == [(vocab.EV_DLMS_KEYS_RENEWED, 1, 3)]
    ks2 = KeyStore(_clients(), st)  # restart: the renewed keys, not the provisioned ones
    k2 = ks2.get(1)
    assert (k2.ek, k2.ak, k2.rx_last) == (EK2, AK2, -1) and k2.tx == 1 + keystore.IC_AHEAD
    assert k2.cipher() is not ks.get(1).cipher()


def test_renewal_of_the_ak_alone_keeps_the_counters():
    # with the same EK a counter reset would reuse GCM nonces and allow replays
    st = Store()
    ks = KeyStore(_clients(), st)
    k = ks.get(1)
    k.accept(300)
    ks.renew(1, None, AK2)
    k.next_tx()  # the answer, under the old AK
    tx = k.tx
    ks.apply_renewal()
    assert (k.ek, k.ak, k.tx, k.rx_last) == (EK, AK2, tx, 300)
    assert st.data["1"][1:] == [300, EK, AK2]


def test_failed_commit_changes_nothing():
    st = Store()
    ks = KeyStore(_clients(), st)
    saved = st.data
    st.fail_after = 1
    try:
        ks.renew(1, EK2, AK2)
        assert False, "the commit should have failed"
    except PowerCut:
        pass
    assert ks.apply_renewal() is None and ks.get(1).ek == EK and st.data == saved


def _keys_after_reboot(fs):
    k = KeyStore(_clients(), StateStore(fs, "/dlms")).get(1)
    return k.ek, k.ak, k.rx_last


def _sweep_renewal(tear):
    disk = blockdev.RamDisk(block_count=32)
    fs = disk.mount()
    ks = KeyStore(_clients(), StateStore(fs, "/dlms"))
    ks.get(1).accept(1234)
    ks.save()

    def run(fs, done):
        ks = KeyStore(_clients(), StateStore(fs, "/dlms"))
        ks.renew(1, EK2, AK2)
        done.append(1)
        ks.apply_renewal()

    def check(fs, done):
        got = _keys_after_reboot(fs)
        new = (EK2, AK2, -1)
        assert got == new if done else got in ((EK, AK, 1234), new), got

    return blockdev.sweep(disk, run, check, tear)


def test_renewal_is_atomic_across_a_power_cut():
    assert _sweep_renewal(TEAR_NONE) >= 3  # a cut in each of the two commits, then none


def test_renewal_is_atomic_with_garbled_flash_writes():
    assert _sweep_renewal(TEAR_GARBLE) >= 3
