# mp-heap: 512k
# mp32-skip: all: they mount os.VfsLfs2 (littlefs), which the WebAssembly port does not have
# Portable: storage damage never makes a new meter and never stops the start
# (issue 12 item 2). The whole meter (app.App: provisioning, meter, DLMS
# server) on littlefs (blockdev.RamDisk) under both interpreters: every record
# (meter state, DLMS keys and counters, authentication failures, events,
# provisioning) made empty, truncated, bit-flipped, a folder or missing, one
# slot or both; then read-only and full storage. Heap: the App, the DLMS
# server and the test's helpers imported from source, with the RAM disk: at
# 320k the first keypad token already ends as a resource fault (No memory 17)
# on the 64-bit unix port; 512k passes.
import blockdev
import provision
import vocab
from dlms import gcm, keystore, security
from dlmsdata import apdu
from dlmshelp import STOC, hls_aarq, hls_reply, lls_aarq
from meter_tokens import TOKENS
from store.fs import read_file, write_file

TITLE = b"ABCDEFGH"
PROV = '{"system_title": "4142434445464748", "lls_password": "Secret"}'
EK, AK = bytes(range(16)), bytes(range(0xD0, 0xE0))  # provision.DEV_PROVISION's
KEYPAD = TOKENS["dev_keypad"]  # 10.0 kWh for the development meter, TID 3000
REMOTE = TOKENS["dev_remote"]  # TID 3001
GW = b"\x00\x73\x00\x00\x13\x28\x00\xff"
GET_RELAY = b"\xc0\x01\xc1\x00\x46\x00\x00\x60\x03\x0a\xff\x02\x00"  # class 70 attr 2, public
VARIANTS = ("empty", "truncated", "bitflip", "folder", "missing")


class _Relay:
    closed = None

    def set(self, closed):
        self.closed = closed


class _Display:
    text = ""

    def show(self, text, *a):
        self.text = text


def _app(fs):
    import app
    p, _ = provision.load(fs, "/data")
    a = app.App(p, fs, lambda: 0, lambda: 848000000, _Relay(), lambda n: STOC[:n], _Display(),
                data_dir="/data")
    provision.finish(fs)
    return a


def _keypad(a, token):
    for d in token:
        a.key(d)
    return a.key("#")


def _public_relay(a):
    """A public GET of the relay state: the DLMS server answers readably."""
    s = a.server
    assert s.handle_apdu(16, apdu("aarq_public"))[0] == 0x61
    r = s.handle_apdu(16, GET_RELAY)
    s.handle_apdu(16, apdu("rlrq"))
    assert r[:5] == b"\xc4\x01\xc1\x00\x03", r  # data: boolean
    return r[5] == 1


def _open(a, ic):
    g = gcm.Gcm(EK)
    aare = a.server.handle_apdu(1, hls_aarq(g, AK, TITLE, ic))
    if aare[0] != 0x61 or b"\xa2\x03\x02\x01\x00" not in aare:
        return None
    a.server.handle_apdu(1, hls_reply(g, AK, TITLE, ic + 1))
    return g


def _remote_token(a, g, ic, token):
    """ACTION token_gateway.enter; returns the plain action response."""
    plain = b"\xc3\x01\xc1" + GW + b"\x01\x01\x09\x14" + token.encode()
    out = a.server.handle_apdu(1, security.wrap(plain, security.FORM_GLO, 0x30, ic, g, AK, TITLE))
    if out[0] == 0xD8:
        return out
    return bytes(security.decipher(security.parse(out), g, AK, TITLE))


def _fault_events(a, where=None):
    return [e for e in a.eventlog.entries()
            if e[2] == vocab.EV_FAULT and (where is None or e[4] == where)]


_base = []


def _setup():
    """A provisioned meter that accepted two tokens (both state slots hold a
    copy), ran a management session and had a reader guess wrong once."""
    if _base:
        return _base[0], _base[0].restore(_base[1])
    disk = blockdev.RamDisk()
    fs = disk.mount()
    write_file(fs, "/provision.json", PROV.encode())
    a = _app(fs)
    assert _keypad(a, KEYPAD) == vocab.ACCEPT
    g = _open(a, 0x10)
    assert _remote_token(a, g, 0x12, REMOTE) == b"\xc7\x01\xc1\x00\x00"
    a.server.handle_apdu(1, apdu("rlrq"))
    a.server.tick(0)
    assert a.server.handle_apdu(17, lls_aarq(b"wrong"))[0] == 0x61
    a.server.tick(5000)  # the closure runs out: the record is written again
    assert a.meter.account.available() == 200
    for rec in ("meter", "dlms", "auth"):
        for slot in "ab":
            assert read_file(fs, "/data/%s/%s" % (rec, slot), 9999), (rec, slot)
    _base.extend((disk, disk.snapshot()))
    return disk, fs


def _damage(fs, path, how):
    data = read_file(fs, path, 9999)
    if how == "empty":
        write_file(fs, path, b"")
    elif how == "truncated":
        write_file(fs, path, data[:len(data) // 2])
    elif how == "bitflip":
        b = bytearray(data)
        b[len(b) // 2] ^= 0x10
        write_file(fs, path, b)
    else:
        fs.remove(path)
        if how == "folder":
            fs.mkdir(path)


def test_one_damaged_state_slot_falls_back_to_the_other():
    for slot in "ab":
        for how in VARIANTS:
            disk, fs = _setup()
            _damage(fs, "/data/meter/" + slot, how)
            a = _app(fs)
            m = a.meter
            credit = m.account.available()
            # the newest copy (200) or, if that was the damaged one, the one before
            assert not m.fault and credit in (100, 200), (slot, how, credit)
            assert _fault_events(a, vocab.AT_STATE)[-1][3] == vocab.FAULT_RECORD, (slot, how)
            for t in (KEYPAD, REMOTE):  # never accepted twice, either way
                assert _keypad(a, t) == vocab.USED, (slot, how)
            assert m.relay.closed
            m.power_down()  # the damaged slot is written again
            assert _app(disk.reboot()).meter.account.available() == credit


def test_a_damaged_state_never_makes_a_new_meter_and_the_meter_still_starts():
    for how in VARIANTS:
        disk, fs = _setup()
        for slot in "ab":
            _damage(fs, "/data/meter/" + slot, how)
        a = _app(fs)
        m = a.meter
        assert m.fault == vocab.FAULT_STATE, how
        assert not m.relay.closed and m.relay_reason == vocab.REASON_FAULT
        assert a.display.text == "Err 3 Store" and m.credit_text() == "Err 3 Store"
        assert _fault_events(a, vocab.AT_STATE)[-1][3] == vocab.FAULT_STATE
        assert _keypad(a, KEYPAD) == vocab.LOCKOUT  # the used token is not accepted again
        assert _public_relay(a) is False  # DLMS answers: the relay is open
        m.consume(500)
        m.power_down()
        again = _app(disk.reboot())  # and the damaged record was never overwritten
        assert again.meter.fault == vocab.FAULT_STATE, how


def test_damaged_dlms_counters_never_stop_the_start_nor_reuse_a_counter():
    for how in VARIANTS:
        disk, fs = _setup()
        for slot in "ab":
            _damage(fs, "/data/dlms/" + slot, how)
        a = _app(fs)
        k = a.server.keys.get(1)
        assert not a.meter.fault and a.meter.account.available() == 200
        assert _fault_events(a, vocab.AT_KEYS)[-1][3] == vocab.FAULT_RECORD
        # both counters at the renewal reserve: every IC used before is below them
        start = keystore.IC_MAX - keystore.IC_RESERVE + 1
        assert k.tx >= start and a.server.expected_ic(1) == start, how
        g = _open(a, start)  # only the steps of a key renewal fit: an ordinary request does not
        assert g is not None
        assert _remote_token(a, g, start + 2, TOKENS["b2000"])[:2] == b"\xd8\x01"


def test_one_damaged_dlms_slot_counts_as_lost_counters():
    # the damaged copy may have been the newer one: its counters may be ahead
    start = keystore.IC_MAX - keystore.IC_RESERVE + 1
    for slot in "ab":
        for how in VARIANTS:
            disk, fs = _setup()
            _damage(fs, "/data/dlms/" + slot, how)
            a = _app(fs)
            assert _fault_events(a, vocab.AT_KEYS)[-1][3] == vocab.FAULT_RECORD, (slot, how)
            assert a.server.expected_ic(1) == start and a.server.keys.get(1).tx >= start


def test_damaged_auth_record_events_folder_or_provisioning_never_stop_the_start():
    for how in VARIANTS:
        disk, fs = _setup()
        for slot in "ab":
            _damage(fs, "/data/auth/" + slot, how)
        a = _app(fs)
        # missing is the record of a meter that never saw a failure: no event
        assert not a.meter.fault and bool(_fault_events(a, vocab.AT_AUTH)) == (how != "missing")
    disk, fs = _setup()
    for n in fs.listdir("/data/events"):
        fs.remove("/data/events/" + n)
    fs.remove("/data/events")
    write_file(fs, "/data/events", b"not a folder")
    a = _app(fs)
    assert not a.meter.fault and a.meter.account.available() == 200
    assert _fault_events(a, vocab.AT_EVENTS)  # the log works again, and says so
    for how in VARIANTS[:-1]:  # both missing is a development meter (docs/security.md)
        disk, fs = _setup()
        for slot in "ab":
            _damage(fs, "/data/prov/" + slot, how)
        a = _app(fs)
        # keys unknown: never the development keys; only the public client
        assert a.meter.fault == vocab.FAULT_STATE and not a.meter.relay.closed, how
        assert _fault_events(a, vocab.AT_PROVISION)
        assert a.server.handle_apdu(17, lls_aarq(b"Gurux"))[0:1] == b"\x61"
        assert b"\xa2\x03\x02\x01\x00" not in a.server.handle_apdu(17, lls_aarq(b"Gurux"))
        assert _public_relay(a) is False


class ReadOnly:
    """The file system as a read-only mount gives it (writes: EROFS)."""

    def __init__(self, fs):
        self.fs = fs
        self.on = True

    def open(self, path, mode):
        if self.on and mode[0] in "wa":
            raise OSError(30)
        return self.fs.open(path, mode)

    def __getattr__(self, name):
        fn = getattr(self.fs, name)
        if name in ("remove", "rename", "mkdir"):
            def refuse(*a):
                if self.on:
                    raise OSError(30)
                return fn(*a)
            return refuse
        return fn


def test_read_only_storage_a_dlms_token_gets_hardware_fault_and_the_meter_says_so():
    disk, fs = _setup()
    ro = ReadOnly(fs)
    ro.on = False
    a = _app(ro)
    g = _open(a, 0x14)
    ro.on = True  # the flash turns read-only in service
    assert _remote_token(a, g, 0x16, TOKENS["b2000"]) == b"\xc7\x01\xc1\x01\x00"  # hardware-fault
    m = a.meter
    assert m.fault == vocab.FAULT_SAVE and not m.relay.closed and a.display.text == "Err 1 No save"
    assert _keypad(a, TOKENS["dev_3002"]) == vocab.NOT_READY and a.display.text == "Err 1 No save"
    assert m.account.available() == 200
    # the link is still up: the next request is answered
    r = a.server.handle_apdu(1, security.wrap(b"\xc0\x01\xc1" + GW + b"\x06\x00",
                                               security.FORM_GLO, 0x30, 0x17, g, AK, TITLE))
    assert r[0] != 0xD8
    assert _app(disk.reboot()).meter.account.available() == 200
    # read-only from the start: the meter starts, finds out (the DLMS counters
    # cannot be reserved), and never sends a ciphered answer it could not reserve
    fs = disk.reboot()
    a = _app(ReadOnly(fs))
    assert a.meter.fault == vocab.FAULT_SAVE and a.meter.account.available() == 200
    assert _keypad(a, TOKENS["dev_3002"]) == vocab.NOT_READY and a.meter.fault == vocab.FAULT_SAVE
    assert not a.meter.relay.closed and _public_relay(a) is False
    assert _open(a, 0x20) is None


def test_full_storage_keeps_the_state_and_recovers_when_space_returns():
    disk, fs = _setup()
    a = _app(fs)
    m = a.meter
    junk = []
    try:  # fill the flash with small files, each complete
        while True:
            write_file(fs, "/junk%d" % len(junk), bytes(200))
            junk.append("/junk%d" % len(junk))
    except OSError:
        pass
    assert _keypad(a, TOKENS["dev_3002"]) == vocab.NOT_READY
    assert m.fault == vocab.FAULT_SAVE and not m.relay.closed and m.account.available() == 200
    for p in junk:
        fs.remove(p)
    m.clock = lambda: 10 * 60
    m.tick()
    assert not m.fault and m.relay.closed
    assert _keypad(a, TOKENS["dev_3002"]) == vocab.ACCEPT and m.account.available() == 300
