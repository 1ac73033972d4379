# mp-heap: 312k
# Portable: the composed DLMS server (dlms.server.DlmsServer: HDLC link ->
# association -> COSEM objects) driven in-process through HDLC frames, a
# public and a management session with token enter, under MicroPython too.
#
# Heap: importing the server and its objects from source leaves about 110 kB
# resident on the 64-bit unix port and needs more than 160k of heap while the
# compiler runs; this module passes from 292k: 264k with the clock and the object
# list value modules (issue 13), 292k since a single fact (the LDN read first here)
# loads binding.facts alone. The whole set of objects costs about the same
# (+0.5 kB), but the unix port's 7th qstr pool, 14 kB in one block, is now added
# later in the session (at the disconnect control's read), when the largest free
# block is 13 kB (docs/dlms.md, "Heap"). Hence the declared cap above
# (tools/ci/run_portable.py; docs/dlms.md). The real meter.meter would add
# about 19 kB, so the objects here read a small stand-in with the Meter
# facade's interface; the CPython interop tests use the real meter.
from dlms import axdr, gcm, security
from dlms import hdlc_frame as hf
from binding import object_list
from meter.realtime import RealTime
from dlmsdata import apdu
from dlmshelp import STOC, config, hls_aarq, hls_reply
from hdlc_testclient import Client, frames_in
import vocab

EK = bytes(range(16))
AK = bytes(range(0xD0, 0xE0))
TITLE = b"ABCDEFGH"  # the captured session's client (and server) title
TOKEN = b"48643202781314010686"
GW = b"\x00\x73\x00\x00\x13\x28\x00\xff"  # class 115, 0.0.19.40.0.255
CREDIT = b"\x00\x70\x00\x00\x13\x0a\x00\xff"
DC = b"\x00\x46\x00\x00\x60\x03\x0a\xff"
LLC = b"\xe6\xe6\x00"


class Account:
    def __init__(self):
        self.credit = [0] * 8
        self.metered = 0


class Sts:
    drn = "11111111115"


class Meter:
    """The part of meter.meter.Meter the objects use."""

    def __init__(self):
        self.sts = Sts()
        self.account = Account()
        self.used = []
        self.relay_closed = True
        self.control_mode = 1
        self.state = 1
        self.entered = 0
        self.last_token = None
        self.payment = None  # no tariffs (meter.payment)

    def clock(self):
        return 0

    def enter_token(self, text, source=vocab.REMOTE, token=None):
        self.entered += 1
        code = vocab.USED if text in self.used else vocab.ACCEPT
        if code == vocab.ACCEPT:
            self.used.append(text)
            self.account.credit[0] += 100
        self.token_refused(source, code, token)  # the same record as an outcome
        return code, {}

    def token_refused(self, source, code, token):
        self.last_token = (source, code, 0, 0, token)

    def control_state_view(self):
        return self.state

    def remote_disconnect(self):
        self.state, self.relay_closed = 0, False
        return True

    def remote_reconnect(self):
        self.state = 2
        return True


class Store:
    def __init__(self):
        self.data = None
        self.commits = 0

    def load(self):
        return self.data

    def commit(self, d):
        self.data = d
        self.commits += 1


def new_server(store=None):
    m = Meter()
    cfg = config(TITLE)  # dlmshelp: development keys, StoC of the capture
    s = object_list.dlms_server(m, cfg, store=store or Store(), clock=RealTime(lambda: 848000000))
    return s, m


def send(s, cl, frame):
    s.receive_data(frame, 0)
    return frames_in(s.data_to_send())


def exchange(s, cl, req):
    """One APDU in one I-frame; the response reassembled from its segments."""
    fs = send(s, cl, cl.i(LLC + req))
    out = b""
    while True:
        assert len(fs) == 1, fs
        cl.got_i(fs[0])
        out += fs[0].info
        if not fs[0].segmented:
            break
        fs = send(s, cl, cl.rr())
    assert out[:3] == b"\xe6\xe7\x00"
    return out[3:]


def connect(s, cl):
    fs = send(s, cl, cl.snrm())
    assert len(fs) == 1 and fs[0].kind == hf.UA


def disconnect(s, cl):
    assert exchange(s, cl, apdu("rlrq")) == apdu("rlre")
    fs = send(s, cl, cl.disc())
    assert len(fs) == 1 and fs[0].kind == hf.UA


def get_block_data(resp):
    # C4 02 iid last block(4) 00 octet-string(raw) -> (last, block, raw)
    assert resp[:2] == b"\xc4\x02" and resp[8] == 0
    n, p = axdr.get_length(resp, 9, len(resp))
    return resp[3], resp[4:8], resp[p:p + n]


def test_public_session():
    store = Store()
    s, m = new_server(store)
    commits = store.commits  # the boot-time reservation
    cl = Client(16, b"\x03")
    connect(s, cl)
    assert exchange(s, cl, apdu("aarq_public"))[:12] == apdu("aare_public")[:12]
    r = exchange(s, cl, apdu("get_ldn"))
    assert r == b"\xc4\x01\xc1\x00\x09\x0eSTS11111111115"
    # the object list, in GET blocks (and each block in HDLC segments)
    last, block, raw = get_block_data(exchange(s, cl, apdu("get_object_list")))
    blocks = 1
    while not last:
        last, block, more = get_block_data(exchange(s, cl, b"\xc0\x02\xc1" + block))
        raw += more
        blocks += 1
    assert blocks >= 2 and raw[0] == 0x01
    assert b"\x02\x04\x12" + GW[:2] + b"\x11\x00\x09\x06" + GW[2:] in raw
    # the public view: the gateway's method `enter` has access mode 0
    i = raw.find(b"\x12" + GW[:2] + b"\x11\x00\x09\x06" + GW[2:])
    j = raw.find(b"\x01\x01\x02\x02\x0f\x01\x16", i)
    assert j > i and raw[j + 7] == 0
    # public client: ACTION is outside its conformance
    enter = b"\xc3\x01\xc1" + GW + b"\x01\x01\x09\x14" + TOKEN
    assert exchange(s, cl, enter) == b"\xd8\x01\x02"
    # and token_status is not public (reader level): read-write-denied
    assert exchange(s, cl, b"\xc0\x01\xc1" + GW + b"\x06\x00") == b"\xc4\x01\xc1\x01\x03"
    disconnect(s, cl)
    assert m.entered == 0 and m.account.credit[0] == 0
    assert store.commits == commits  # nothing changed, nothing written
    assert s.model.errors == 0 and s.link.errors == 0


def test_the_link_hands_its_frames_to_send_early_before_the_work_of_their_events():
    from dlms.association import ASSOCIATED, IDLE
    runs = []
    for early in (False, True):
        s, m = new_server()
        cl = Client(16, b"\x03")
        sent = []  # what went to send, with the association's state then

        def send(b):
            a = s.associations.get(16)
            sent.append((bytes(b), a.state if a is not None else None))
        out, states = [], []
        for frame in (cl.snrm(), cl.i(LLC + apdu("aarq_public")), cl.disc()):
            sent = []
            s.send_early = send if early else None
            s.receive_data(frame, 0)
            assert s.link.send_early is None  # the writer was this call's only
            out.append(b"".join(b for b, _ in sent) + bytes(s.data_to_send()))
            states.append([st for _, st in sent])
        if early:  # each at once; the DISC's UA while the association was still up
            assert states == [[None], [ASSOCIATED], [ASSOCIATED]]
        assert s.associations[16].state == IDLE  # released when receive_data returns
        runs.append(out)
    assert runs[0] == runs[1]  # the same bytes either way
    assert [[f.kind for f in frames_in(b)] for b in runs[0]] == [[hf.UA], [hf.I], [hf.UA]]


class Ciphered:
    def __init__(self, ic):
        self.g = gcm.Gcm(EK)
        self.ic = ic

    def wrap(self, plain):
        self.ic += 1
        return security.wrap(plain, security.FORM_GLO, 0x30, self.ic, self.g, AK, TITLE)

    def unwrap(self, apdu_):
        return bytes(security.decipher(security.parse(apdu_), self.g, AK, TITLE))


def test_management_session_with_token_enter():
    store = Store()
    s, m = new_server(store)
    cl = Client(1, b"\x03")
    connect(s, cl)
    # the captured HLS-GMAC association of dlms.md appendix B (IC 0xC8, 0xCA)
    aare = exchange(s, cl, apdu("aarq_hls"))
    assert aare[:2] == b"\x61\x69" and b"\xa3\x05\xa1\x03\x02\x01\x0e" in aare
    c = Ciphered(0xC9)
    r = c.unwrap(exchange(s, cl, c.wrap(apdu("hls_action"))))
    assert r[:5] == b"\xc7\x01\xc1\x00\x01"  # f(CtoS) returned
    assert s.associations[1].state == 2
    # enter: synchronous, action-result success, outcome in token_status
    enter = b"\xc3\x01\xc1" + GW + b"\x01\x01\x09\x14" + TOKEN
    assert c.unwrap(exchange(s, cl, c.wrap(enter))) == b"\xc7\x01\xc1\x00\x00"
    assert store.data["1"][1] == c.ic  # committed before the ACTION ran (no replay after a power cut)
    status = b"\xc0\x01\xc1" + GW + b"\x06\x00"
    assert c.unwrap(exchange(s, cl, c.wrap(status))) == b"\xc4\x01\xc1\x00\x02\x02\x16\x03\x04\x08\x01"
    credit = b"\xc0\x01\xc1" + CREDIT + b"\x02\x00"
    assert c.unwrap(exchange(s, cl, c.wrap(credit))) == b"\xc4\x01\xc1\x00\x05\x00\x00\x00\x64"
    # a retransmitted I-frame (same N(S)) is answered from the cache, not run again
    cl.vs = (cl.vs - 1) & 7
    cl.vr = (cl.vr - 1) & 7
    again = exchange(s, cl, c.wrap(credit))
    assert m.entered == 1 and c.unwrap(again)[-4:] == b"\x00\x00\x00\x64"
    # the same token again, in BCD: Used (validation failure, data_value 10)
    bcd = b"\xc3\x01\xc1" + GW + b"\x01\x01\x09\x0a\x48\x64\x32\x02\x78\x13\x14\x01\x06\x86"
    assert c.unwrap(exchange(s, cl, c.wrap(bcd))) == b"\xc7\x01\xc1\x00\x00"
    assert c.unwrap(exchange(s, cl, c.wrap(status))) == b"\xc4\x01\xc1\x00\x02\x02\x16\x06\x04\x08\x0a"
    assert m.account.credit[0] == 100 and m.entered == 2
    # malformed: type-unmatched and format failure, the meter is not asked
    bad = b"\xc3\x01\xc1" + GW + b"\x01\x01\x09\x03abc"
    assert c.unwrap(exchange(s, cl, c.wrap(bad))) == b"\xc7\x01\xc1\x0c\x00"
    assert c.unwrap(exchange(s, cl, c.wrap(status)))[7] == 4 and m.entered == 2
    # class 70 remote disconnect
    disc = b"\xc3\x01\xc1" + DC + b"\x01\x01\x0f\x00"
    assert c.unwrap(exchange(s, cl, c.wrap(disc))) == b"\xc7\x01\xc1\x00\x00"
    assert m.relay_closed is False
    disconnect(s, cl)
    # the counters were committed: the server's reserve ahead, the client's last
    rec = store.data["1"]
    assert rec[0] > s.keys.get(1).tx and rec[1] == c.ic
    assert s.model.errors == 0 and s.link.errors == 0


def test_meter_failure_is_hardware_fault_and_not_processed():
    s, m = new_server()

    def broken(text, source=vocab.REMOTE, token=None):
        raise OSError(28)  # e.g. the store is full: nothing was committed

    m.enter_token = broken
    a = s._association(16)
    s.levels = {16: 2}
    a.client.conformance |= 1  # ACTION, for this in-process check
    assert s.handle_apdu(16, apdu("aarq_public"))[:2] == b"\x61\x29"
    enter = b"\xc3\x01\xc1" + GW + b"\x01\x01\x09\x14" + TOKEN
    assert s.handle_apdu(16, enter) == b"\xc7\x01\xc1\x01\x00"  # hardware-fault
    status = s.handle_apdu(16, b"\xc0\x01\xc1" + GW + b"\x06\x00")
    assert status == b"\xc4\x01\xc1\x00\x02\x02\x16\x08\x04\x08\x10"  # not yet processed
    assert s.model.errors == 1 and m.account.credit[0] == 0


# -- issue 12: invocation counters that leave no room, key renewal over DLMS --

KEK = bytes(range(0x10, 0x20))  # provision.DEV_PROVISION
EK2 = bytes(range(0x20, 0x30))
AK2 = bytes(range(0x40, 0x50))
IC_OBJECT = b"\xc0\x01\xc1\x00\x01\x00\x00\x2b\x01\x00\xff\x02\x00"  # GET 0.0.43.1.0.255 attr 2


def _open(s, ic, ek=EK, ak=AK):
    """A management association through handle_apdu: AARQ at ic, pass 3 at
    ic + 1. Returns the Gcm for ek, or None if the AARQ was refused."""
    g = gcm.Gcm(ek)
    aare = s.handle_apdu(1, hls_aarq(g, ak, TITLE, ic))
    if aare[0] != 0x61 or b"\xa2\x03\x02\x01\x00" not in aare:
        return None
    s.handle_apdu(1, hls_reply(g, ak, TITLE, ic + 1))
    assert s.associations[1].state == 2
    return g


def _call(s, g, plain, ic, ak=AK):
    out = s.handle_apdu(1, security.wrap(plain, security.FORM_GLO, 0x30, ic, g, ak, TITLE))
    if out[0] == 0xD8:
        return out
    return bytes(security.decipher(security.parse(out), g, ak, TITLE))


def _public_ic(s):
    s.handle_apdu(16, apdu("aarq_public"))
    r = s.handle_apdu(16, IC_OBJECT)
    s.handle_apdu(16, apdu("rlrq"))
    assert r[:5] == b"\xc4\x01\xc1\x00\x06", r  # double-long-unsigned, never a fault
    return int.from_bytes(r[5:9], "big")


def test_ic_ffffffff_leaves_the_meter_usable():
    store = Store()
    s, m = new_server(store)
    g = _open(s, 0x10)
    status = b"\xc0\x01\xc1" + GW + b"\x06\x00"
    assert _call(s, g, status, 0xFFFFFFFF) == b"\xd8\x01\x06\x00\x00\x00\x12"
    assert _call(s, g, status, 0x12)[:4] == b"\xc4\x01\xc1\x00"
    s.handle_apdu(1, apdu("rlrq"))
    assert store.data["1"][1] == 0x12 and _public_ic(s) == 0x13
    s2, _ = new_server(store)  # a restart: still usable
    assert _public_ic(s2) == 0x13 and _open(s2, 0x13) is not None


def test_key_transfer_renews_the_keys_and_they_outlive_a_restart():
    from dlms import keywrap
    store = Store()
    log = []
    s = object_list.dlms_server(Meter(), config(TITLE), store=store, clock=RealTime(lambda: 0),
                            on_event=lambda code, a, b: log.append((code, a, b)))
    g = _open(s, 0x10)
    s.handle_apdu(1, IC_OBJECT)  # (any request between)
    kt = (b"\xc3\x01\xc1\x00\x40\x00\x00\x2b\x00\x00\xff\x02\x01\x01\x02"
          + b"\x02\x02\x16\x00\x09\x18" + keywrap.wrap(KEK, EK2)
          + b"\x02\x02\x16\x02\x09\x18" + keywrap.wrap(KEK, AK2))
    # answered under the old keys; the association ends; one record holds the
    # new keys and the counters from the start
    assert _call(s, g, kt, 0x13) == b"\xc7\x01\xc1\x00\x00"
    assert s.associations[1].state == 0
    assert store.data["1"] == [1001, -1, EK2, AK2]
    assert log == [(vocab.EV_DLMS_KEYS_RENEWED, 1, 3)]
    assert _call(s, g, IC_OBJECT, 0x14) == b"\xd8\x01\x01"  # no association any more
    assert _public_ic(s) == 0
    g2 = _open(s, 0, EK2, AK2)
    assert _call(s, g2, b"\xc0\x01\xc1" + GW + b"\x06\x00", 2, AK2)[:4] == b"\xc4\x01\xc1\x00"
    s.handle_apdu(1, apdu("rlrq"))
    s2, _ = new_server(store)  # restart: the renewed keys override the provisioned ones
    assert _open(s2, 3) is None
    s2.guard.advance(0)
    s2.guard.advance(5000)  # the delay that failure earned
    assert _open(s2, 3, EK2, AK2) is not None
    # a wrong KEK: other-reason, nothing changes
    bad = kt[:21] + keywrap.wrap(bytes(16), EK2) + kt[45:]
    assert _call(s2, gcm.Gcm(EK2), bad, 5, AK2) == b"\xc7\x01\xc1\xfa\x00"
    assert store.data["1"][2:] == [EK2, AK2] and s2.associations[1].state == 2
