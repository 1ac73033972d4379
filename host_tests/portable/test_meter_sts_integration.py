# mp-heap: 160k
# Portable: the Meter with the real STS engine, keypad entry of real tokens with
# sts.lockout, and every CTS UUT profile accepting tokens made with its own
# decoder key. Engine + meter + keypad + CTS profiles need a little more than
# the 128k cap on the 64-bit unix port (measured: all four fail at 128k, pass
# from 136k; 160k leaves a margin). The same paths also run at 128k with
# fakes: test_meter_keypad.py, test_meter_cts.py.
from meter.meter import Meter
from meter import keypad, cts
import meter_rig as f
import vocab
from sts.state import StsState
from meter_tokens import TOKENS as T, K1


def _meter(drn="00000000000"):
    return Meter({}, f.Store(), StsState(7, bytes.fromhex(K1), kt=2, krn=1, ti=1, sgc=123456, drn=drn),
                 f.Clock(0), f.Relay(), f.Display(), f.EventLog())


def test_keypad_token_through_real_processor():
    m = _meter()
    d = f.Display()
    pad = keypad.Keypad(m, d)
    tok = T["credit500"]
    for k in tok:
        pad.key(k, 0)
    assert d.text == " ".join((tok[0:4], tok[4:8], tok[8:12], tok[12:16], tok[16:20]))
    assert pad.key(keypad.ENTER, 1) == vocab.ACCEPT and d.text == "Accept 01"
    assert m.account.credit[0] == 123 and m.relay.closed
    for k in tok:
        pad.key(k, 2)
    assert pad.key(keypad.ENTER, 2) == vocab.USED and d.text == "Used 10"


def test_keypad_lockout_with_sts_lockout():
    m = _meter()
    d = f.Display()
    pad = keypad.Keypad(m, d)  # sts.lockout.Lockout with its default settings
    assert pad.lockout is not None
    for i in range(3):
        for k in T["wrongkey"]:
            pad.key(k, i)
        assert pad.key(keypad.ENTER, i) == vocab.CRC
    for k in T["credit500"]:
        pad.key(k, 3)
    assert pad.key(keypad.ENTER, 3) == vocab.LOCKOUT and m.account.credit[0] == 0


def test_every_uut_profile_accepts_its_own_tokens():
    twin = {1: 3, 3: 1, 2: 4, 4: 2}  # the other profile with the same EA
    for drn in cts.RESERVED_DRNS:
        for uut in (1, 2, 3, 4):
            m = _meter(drn)
            assert m.cts_register_write(uut) == cts.ENTERED
            assert m.enter_token(T["uut%d_%s" % (twin[uut], drn)], vocab.REMOTE)[0] == vocab.CRC
            assert m.enter_token(T["uut%d_%s" % (uut, drn)], vocab.REMOTE)[0] == vocab.ACCEPT, (drn, uut)
            assert m.account.credit[0] == 50 and m.relay.closed
            # another meter's token (the other reserved DRN) is refused too
            other = cts.RESERVED_DRNS[1] if drn == cts.RESERVED_DRNS[0] else cts.RESERVED_DRNS[0]
            assert m.enter_token(T["uut%d_%s" % (uut, other)], vocab.REMOTE)[0] != vocab.ACCEPT


def test_sts_lockout_survives_a_power_cycle():
    store = f.Store()
    m = Meter({}, store, StsState(7, bytes.fromhex(K1), sgc=123456, drn="00000000000"),
              f.Clock(0), f.Relay(), f.Display(), f.EventLog())
    pad = keypad.Keypad(m, f.Display())
    for i in range(3):
        for k in T["wrongkey"]:
            pad.key(k, 0)
        assert pad.key(keypad.ENTER, 0) == vocab.CRC
    m2 = Meter({}, store, StsState(7, bytes.fromhex(K1), sgc=123456, drn="00000000000"),
               f.Clock(0), f.Relay(), f.Display(), f.EventLog())
    pad2 = keypad.Keypad(m2, f.Display())
    for k in T["credit500"]:
        pad2.key(k, 1)
    assert pad2.key(keypad.ENTER, 1) == vocab.LOCKOUT and m2.account.credit[0] == 0
