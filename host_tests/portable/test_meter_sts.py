# Portable: the Meter with the real STS engine (sts.processor): credit,
# management, class 1 and key change tokens, overflow, unsupported sub-class.
# Tokens: meter_tokens.py (made by sts.vend; checked by test_meter_tokens.py).
from meter.meter import Meter
from meter import token_entry  # noqa: F401 (compile before the STS engine)
import meter_rig as f
from sts import processor, sta  # noqa: F401
import vocab
from sts.state import StsState
from meter_tokens import TOKENS as T, K1, K_TI2

DRN = "00000000000"


def _unhex(s):
    return bytes(int(s[i:i + 2], 16) for i in range(0, len(s), 2))


def _meter():
    return Meter({}, f.Store(), StsState(7, _unhex(K1), kt=2, krn=1, ti=1, sgc=123456, drn=DRN),
                 f.Clock(0), f.Relay(), f.Display(), f.EventLog())


def test_credit_and_replay():
    m = _meter()
    code, info = m.enter_token(T["credit500"], vocab.REMOTE)
    assert code == vocab.ACCEPT and info["tid"] == 500 and m.account.credit[0] == 123
    assert m.store.data["sts"]["tids"] == [500] and m.store.data["acct"]["c"][0] == 123
    assert m.relay.closed
    assert m.enter_token(T["credit500"], vocab.REMOTE)[0] == vocab.USED
    assert m.account.credit[0] == 123


def test_wrong_key_is_crc_and_nothing_changes():
    m = _meter()
    assert m.enter_token(T["wrongkey"], vocab.REMOTE)[0] == vocab.CRC
    assert m.account.credit[0] == 0 and m.store.commits == 1


def test_management_tokens():
    m = _meter()
    m.enter_token(T["credit10"], vocab.REMOTE)
    assert m.enter_token(T["mpl11"], vocab.REMOTE)[0] == vocab.ACCEPT
    assert m.account.mpl_w == 2000
    m.set_tamper(True)
    assert not m.relay.closed
    assert m.enter_token(T["cleartamper12"], vocab.REMOTE)[0] == vocab.ACCEPT
    assert m.relay.closed
    assert m.enter_token(T["clearcredit13"], vocab.REMOTE)[0] == vocab.ACCEPT
    assert m.account.credit[0] == 0 and not m.relay.closed


def test_class1_test_token_commits_nothing():
    m = _meter()
    c = m.store.commits
    code, info = m.enter_token(T["test1"], vocab.REMOTE)
    assert code == vocab.ACCEPT and info.get("control") == 1 and m.store.commits == c


def test_key_change_set_then_credit_with_new_key():
    m = _meter()
    assert m.enter_token(T["kct1"], vocab.REMOTE)[0] == vocab.KCT1_ACCEPTED
    assert m.store.data["sts"]["kct"] is not None  # the half set is kept durably
    assert vocab.accepted(m.enter_token(T["kct2"], vocab.REMOTE)[0])
    assert m.sts.key == _unhex(K_TI2) and m.sts.ti == 2
    assert m.store.data["sts"]["key"] == _unhex(K_TI2)
    assert m.enter_token(T["newkey20"], vocab.REMOTE)[0] == vocab.ACCEPT
    assert m.account.credit[0] == 7


def test_overflow_with_real_tokens():
    m = _meter()
    m.account.credit[0] = 0x7FFFFFFF - 5
    c = m.store.commits
    assert m.enter_token(T["credit30"], vocab.REMOTE)[0] == vocab.OVERFLOW
    assert 30 not in m.sts.tids and m.store.commits == c
    assert m.enter_token(T["credit31"], vocab.REMOTE)[0] == vocab.ACCEPT


def test_unsupported_subclass_is_function():
    m = _meter()
    assert m.enter_token(T["water40"], vocab.REMOTE)[0] == vocab.FUNCTION
    assert 40 not in m.sts.tids
