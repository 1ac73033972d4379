# mp-heap: 192k
# (64-bit unix port: the Meter with the real STS engine needs 136k
# (test_meter_sts_integration), the COSEM objects and model add the dlms modules: fails at 176k)
# Portable: the STS status (meter.sts_status) and the "STS attributes" COSEM
# object 0.128.96.51.0.255 (binding.sts_attributes) of a Meter with the real STS
# engine and keypad lock-out: every element, as a client reads it through the
# object model, for the reader; refused to the public client; never the key.
from binding import object_list
import vocab
from dlms import axdr, cosem, obis
from dlms.cosem import ObjectModel
from meter import cts, keypad
from meter.meter import Meter
from meter.sts_status import status
from meter_tokens import TOKENS as T, K1
from sts.state import StsState, TID_MEMORY_SIZE
import meter_rig as f


class _Ctx:
    def __init__(self, level):
        self.level = level


def _rig(**sts):
    clock = f.Clock(100)
    m = Meter({}, f.Store(), StsState(7, bytes.fromhex(K1), kt=2, krn=1, ti=1, sgc=123456,
                                      drn="00000000000", **sts),
              clock, f.Relay(), f.Display(), f.EventLog())
    pad = keypad.Keypad(m, f.Display())
    return m, pad, clock, ObjectModel(object_list.objects(m, keypad=pad))


def _read(model, level=cosem.READER):
    return model.get(_Ctx(level), 1, obis.STS_ATTRIBUTES, 2)


def _enter(pad, token, now):
    for k in token:
        pad.key(k, now)
    return pad.key(keypad.ENTER, now)


def test_a_fresh_meter():
    m, pad, clock, model = _rig()
    code, (tag, v) = _read(model)
    assert code == cosem.SUCCESS and tag == axdr.STRUCTURE and len(v) == 18
    assert v[0] == (axdr.VISIBLE_STRING, "00000000000")
    assert [e[1] for e in v[1:7]] == [7, 123456, 1, 1, 2, 255]
    assert v[7] == (axdr.OCTET_STRING, b"\xff" * 9 + b"\x80\x00\xff")  # KEN 255: never expires
    assert v[8] == (axdr.LONG_UNSIGNED, 1993)
    assert v[9] == (axdr.NULL, None) and v[10] == (axdr.NULL, None)  # no token yet
    assert v[11] == (axdr.LONG_UNSIGNED, 0) and v[12] == (axdr.LONG_UNSIGNED, TID_MEMORY_SIZE)
    assert v[13] == (axdr.ENUM, cts.NOT_ENTERED) and v[14] == (axdr.DOUBLE_LONG_UNSIGNED, 0)
    assert v[15:] == [(axdr.BOOLEAN, False), (axdr.DOUBLE_LONG_UNSIGNED, 0), (axdr.UNSIGNED, 0)]
    # the whole value encodes, and the decoder key is nowhere in it
    assert bytes.fromhex(K1) not in axdr.encode((tag, v))


def test_an_accepted_token_and_its_tid_date():
    m, pad, clock, model = _rig()
    assert _enter(pad, T["credit500"], 100) == vocab.ACCEPT  # TID 500: 1993-01-01 08:20
    s = status(m, pad.lockout)
    assert s["last_tid"] == 500 and s["last_tid_date"] == (1993, 1, 1, 8, 20)
    assert s["tids_used"] == 1
    v = _read(model)[1][1]
    assert v[9] == (axdr.DOUBLE_LONG_UNSIGNED, 500)
    assert v[10] == (axdr.OCTET_STRING, axdr.date_time(1993, 1, 1, 8, 20, 0))
    assert v[11] == (axdr.LONG_UNSIGNED, 1)
    # a refused token changes neither the last accepted TID nor the memory
    assert _enter(pad, T["credit500"], 101) == vocab.USED
    assert _read(model)[1][1][9:12] == v[9:12]


def test_key_expiry_from_ken():
    # sts.md 9.3: KEN 85 -> the last valid TID minute is (86 << 16) - 1 = 2003-09-19 22:55 (BD 1993)
    m, pad, clock, model = _rig(ken=85)
    assert status(m)["key_expiry"] == (2003, 9, 19, 22, 55)
    v = _read(model)[1][1]
    assert v[6] == (axdr.UNSIGNED, 85)
    assert v[7] == (axdr.OCTET_STRING, axdr.date_time(2003, 9, 19, 22, 55, 0))
    m2, _, _, model2 = _rig(ken=0, base_date=2014)
    assert status(m2)["key_expiry"] == (2014, 2, 15, 12, 15)  # minute 65535 after 2014-01-01


def test_keypad_lock_out_shows():
    m, pad, clock, model = _rig()
    for i in range(3):  # sts.settings: locked after 3 rejects in a row, 20 s first
        assert _enter(pad, T["wrongkey"], 100) == vocab.CRC
    v = _read(model)[1][1]
    assert v[15:] == [(axdr.BOOLEAN, True), (axdr.DOUBLE_LONG_UNSIGNED, 20), (axdr.UNSIGNED, 3)]
    clock.t = 115
    assert status(m, pad.lockout)["keypad_lock_s"] == 5
    clock.t = 120
    s = status(m, pad.lockout)
    assert not s["keypad_locked"] and s["keypad_lock_s"] == 0 and s["keypad_rejects"] == 3


def test_cts_mode_state_and_timer():
    m, pad, clock, model = _rig()
    assert m.cts_register_write(2) == cts.ENTERED  # UUT 2: EA11, its own keys
    clock.t = 160
    m.tick(160)
    v = _read(model)[1][1]
    assert v[1] == (axdr.UNSIGNED, 11)  # the UUT profile's STS parameters are the meter's now
    assert v[13] == (axdr.ENUM, cts.ACTIVE) and v[14] == (axdr.DOUBLE_LONG_UNSIGNED, 60)


def test_the_public_client_may_not_read_it():
    m, pad, clock, model = _rig()
    assert _read(model, cosem.PUBLIC) == (cosem.READ_WRITE_DENIED, None)
    assert model.get(_Ctx(cosem.PUBLIC), 1, obis.STS_ATTRIBUTES, 1)[0] == cosem.SUCCESS
    assert _read(model, cosem.MANAGEMENT)[0] == cosem.SUCCESS


def test_a_meter_without_a_keypad():
    m, pad, clock, model = _rig()
    model = ObjectModel(object_list.objects(m))
    assert _read(model)[1][1][15:] == [(axdr.BOOLEAN, False), (axdr.DOUBLE_LONG_UNSIGNED, 0),
                                       (axdr.UNSIGNED, 0)]
