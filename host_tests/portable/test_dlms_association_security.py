# Portable: the association's security rules (issue 12, docs/security.md):
# the state table, invocation counters that leave no room (0xFFFFFFFF), the
# room a key renewal may use, and authentication failures rate-limited by
# dlms.auth_guard.
from dlms import aa_state as aa
from dlms import association, auth_guard, gcm, keystore, security, xdlms
from dlms.association import Association
from dlms.keystore import IC_MAX
from dlmsdata import apdu, unhex
from dlmshelp import HLS_REPLY, aare_fields, config, exc, hls_aarq, hls_reply, lls_aarq
import vocab
from meter_rig import Store

EK = bytes(range(16))
AK = bytes(range(0xD0, 0xE0))
TITLE = b"ABCDEFGH"
KEY_TRANSFER = unhex("C301C10040" "00002B0000FF" "0201" "0100")  # class 64 method 2, empty array
_G = []


def _gcm():
    if not _G:
        _G.append(gcm.Gcm(EK))
    return _G[0]


def _wrap(plain, ic):
    return security.wrap(plain, security.FORM_GLO, 0x30, ic, _gcm(), AK, TITLE)


def _aarq(ic):
    return hls_aarq(_gcm(), AK, TITLE, ic)


def _associate(a, ic):
    """AARQ at ic, HLS pass 3 at ic + 1: associated."""
    ev = a.receive(_aarq(ic))
    assert aare_fields(ev.apdu)[:2] == (0, 14), ev.apdu
    a.receive(hls_reply(_gcm(), AK, TITLE, ic + 1))
    assert a.state == association.ASSOCIATED


def test_every_transition():
    # dlms.md 4, 6.3: state -> {event: next state}; any other event is refused
    allowed = {
        aa.IDLE: {aa.AARQ_ACCEPTED: aa.ASSOCIATED, aa.AARQ_HLS: aa.PENDING,
                  aa.AARQ_REFUSED: aa.IDLE, aa.AUTH_FAILED: aa.IDLE, aa.AUTH_CLOSED: aa.IDLE,
                  aa.RELEASE: aa.IDLE},
        aa.PENDING: {aa.AARQ_ACCEPTED: aa.ASSOCIATED, aa.AARQ_HLS: aa.PENDING,
                     aa.AARQ_REFUSED: aa.IDLE, aa.AUTH_FAILED: aa.IDLE, aa.AUTH_CLOSED: aa.IDLE,
                     aa.RELEASE: aa.IDLE, aa.HLS_PASSED: aa.ASSOCIATED},
        aa.ASSOCIATED: {aa.AARQ_ACCEPTED: aa.ASSOCIATED, aa.AARQ_HLS: aa.PENDING,
                        aa.AARQ_REFUSED: aa.IDLE, aa.AUTH_FAILED: aa.IDLE,
                        aa.AUTH_CLOSED: aa.IDLE, aa.RELEASE: aa.IDLE,
                        aa.SERVICE: aa.ASSOCIATED, aa.KEYS_RENEWED: aa.IDLE},
    }
    for s, row in allowed.items():
        for e in range(-1, 12):
            assert aa.next_state(s, e) == row.get(e), (s, e)


def _new(guard=None):
    return Association(config(TITLE), 1, guard=guard)


def test_transition_table():
    T = aa.next_state
    assert T(aa.IDLE, aa.AARQ_HLS) == aa.PENDING and T(aa.PENDING, aa.HLS_PASSED) == aa.ASSOCIATED
    assert T(aa.IDLE, aa.SERVICE) is None and T(aa.PENDING, aa.SERVICE) is None
    assert T(aa.ASSOCIATED, aa.HLS_PASSED) is None and T(aa.IDLE, aa.KEYS_RENEWED) is None
    for s in (aa.IDLE, aa.PENDING, aa.ASSOCIATED):  # an AARQ and a release work anywhere
        assert T(s, aa.RELEASE) == aa.IDLE and T(s, aa.AUTH_FAILED) == aa.IDLE
        assert T(s, aa.AARQ_ACCEPTED) == aa.ASSOCIATED and T(s, aa.AUTH_CLOSED) == aa.IDLE


def test_ic_ffffffff_is_refused_and_not_recorded():
    # issue 12: one valid request with IC 0xFFFFFFFF locked the client out for good
    a = _new()
    _associate(a, 0x100)
    ev = a.receive(_wrap(apdu("get_ldn"), IC_MAX))
    assert ev.apdu == xdlms.exception_response(1, 6, 0x102)
    assert a.keys.rx_last == 0x101 and a.keys.expected() == 0x102
    assert a.receive(_wrap(apdu("get_ldn"), 0x102)).kind == association.GET
    # also in an AARQ: the stale-IC answer, nothing recorded, the next AARQ works
    ev = a.receive(_aarq(IC_MAX))
    assert ev.apdu == xdlms.exception_response(1, 6, 0x103) and a.keys.rx_last == 0x102
    _associate(a, 0x103)


def test_the_reserve_is_left_for_a_key_renewal():
    a = _new()
    _associate(a, 0x10)
    last = IC_MAX - keystore.IC_RESERVE  # the last IC an ordinary request may use
    assert a.receive(_wrap(apdu("get_ldn"), last)).kind == association.GET
    assert exc(a.receive(_wrap(apdu("get_ldn"), last + 1)), 1, 6) and a.keys.rx_last == last
    # the renewal steps may go on into the reserve: AARQ, HLS pass 3, key_transfer
    ic = IC_MAX - keystore.ROOM_AARQ
    _associate(a, ic)
    ev = a.receive(_wrap(KEY_TRANSFER, ic + 2))
    assert ev.kind == association.ACTION and ev.request.ref.class_id == 64
    assert a.keys.rx_last == ic + 2 < IC_MAX
    # ... but not a GET, and an AARQ only while the rest of the renewal fits
    assert exc(a.receive(_wrap(apdu("get_ldn"), ic + 3)), 1, 6)
    assert a.receive(_aarq(ic + 3)).apdu[:3] == b"\xd8\x01\x06"
    assert a.keys.expected() == ic + 3 <= IC_MAX


def test_no_server_counter_left_refuses_the_aarq():
    a = _new()
    a.keys.tx = IC_MAX - keystore.ROOM_AARQ + 1
    result, diag, _ = aare_fields(a.receive(_aarq(5)).apdu)
    assert (result, diag) == (1, 1) and a.state == association.IDLE


def test_lls_failures_delay_then_lock_then_success_ends_the_series():
    log = []
    store = Store()
    g = auth_guard.AuthGuard({"after": 3, "base_s": 2, "lock_s": 60}, store,
                             lambda code, a, b: log.append((code, a, b)))
    a = Association(config(), 17, guard=g)
    g.advance(0)
    ev = a.receive(lls_aarq(b"wrong"))
    assert aare_fields(ev.apdu)[:2] == (1, 13) and g.remaining(17) == 2
    assert store.data == {"17": [1, 2]}  # the series survives a restart
    # while closed even the right password is refused, unseen, as transient
    ev = a.receive(lls_aarq(b"Gurux"))
    assert aare_fields(ev.apdu)[:2] == (2, 13) and a.state == association.IDLE
    assert g.fails[17][0] == 1  # a refusal unseen is not another failure
    g.advance(2000)
    assert g.remaining(17) == 0 and store.data == {"17": [1, 0]}
    a.receive(lls_aarq(b"wrong2"))
    assert g.remaining(17) == 4  # the delay grows
    g.advance(6000)
    a.receive(lls_aarq(b"wrong3"))
    # each failure is an event (the security log), the third also the lock-out
    assert g.remaining(17) == 60 and log == [
        (vocab.EV_DLMS_AUTH_FAILED, 17, 1), (vocab.EV_DLMS_AUTH_FAILED, 17, 2),
        (vocab.EV_DLMS_AUTH_FAILED, 17, 3), (vocab.EV_DLMS_AUTH_LOCKED, 17, 60)]
    g.advance(66000)
    commits = store.commits
    assert aare_fields(a.receive(lls_aarq(b"Gurux")).apdu)[:2] == (0, 0)
    assert 17 not in g.fails and store.data == {} and store.commits == commits + 1
    a.receive(lls_aarq(b"Gurux"))  # an ordinary success writes nothing
    assert store.commits == commits + 1


def test_hls_wrong_keys_count_as_failures():
    g = auth_guard.AuthGuard({"after": 2, "base_s": 1, "lock_s": 30})
    g.advance(0)
    a = _new(g)
    # a glo-initiate that does not verify (wrong AK): a guess
    assert aare_fields(a.receive(hls_aarq(_gcm(), bytes(16), TITLE, 5)).apdu)[:2] == (1, 1)
    assert g.fails[1][0] == 1 and a.keys.rx_last == -1
    # a stale counter is not a guess
    g.advance(1000)
    _associate(a, 10)
    a.receive(_aarq(3))
    assert 1 not in g.fails
    # a wrong f(StoC) in pass 3
    a.receive(_aarq(20))
    f = security.hls_f(_gcm(), AK, TITLE, 21, b"not the challenge")
    a.receive(_wrap(HLS_REPLY + f, 21))
    assert a.state == association.IDLE and g.fails[1][0] == 1
    assert aare_fields(a.receive(_aarq(22)).apdu)[:2] == (2, 13)  # delayed: 1 s
    g.advance(2000)
    a.receive(_aarq(22))
    a.receive(_wrap(HLS_REPLY + f, 23))
    assert g.remaining(1) == 30  # locked
    ev = a.receive(_aarq(24))
    assert aare_fields(ev.apdu)[:2] == (2, 13) and a.keys.rx_last == 23


def test_guard_survives_a_restart():
    store = Store()
    g = auth_guard.AuthGuard({"after": 1, "base_s": 1, "lock_s": 600}, store)
    g.advance(0)
    a = Association(config(), 17, guard=g)
    a.receive(lls_aarq(b"nope"))
    g.advance(100000)  # 100 s of the lock-out passed, then the power fails
    g2 = auth_guard.AuthGuard({"after": 1, "base_s": 1, "lock_s": 600}, store)
    g2.advance(777)  # the clock starts again at power-up
    assert g2.remaining(17) == 600  # the stored remainder (written when it engaged)
    a2 = Association(config(), 17, guard=g2)
    assert aare_fields(a2.receive(lls_aarq(b"Gurux")).apdu)[:2] == (2, 13)
    g2.advance(777 + 600000)
    assert aare_fields(a2.receive(lls_aarq(b"Gurux")).apdu)[:2] == (0, 0)


def test_guard_delay_counts_from_the_failure_whatever_passed_before():
    # the guard's clock stands still while no client has failures on record
    g = auth_guard.AuthGuard({"after": 3, "base_s": 2, "lock_s": 60})
    for t in (0, 5500, 2 ** 30 - 1, 7000):  # a long quiet time, a wrap of the ticks
        g.advance(t)
    g.failed(17)
    g.advance(8999)
    assert g.remaining(17) == 1
    g.advance(9000)
    assert g.remaining(17) == 0


def test_guard_limits_zero_is_off_and_damaged_record_starts_afresh():
    g = auth_guard.AuthGuard({"after": 0})
    a = Association(config(), 17, guard=g)
    for _ in range(20):
        a.receive(lls_aarq(b"x"))
    assert g.remaining(17) == 0 and not g.fails

    class Damaged:
        def load(self):
            raise ValueError("no valid copy")

        def commit(self, d):
            raise OSError(28)

    g = auth_guard.AuthGuard(None, Damaged())
    g.failed(17)  # a commit that fails: the limit still holds in RAM
    assert g.remaining(17) == auth_guard.DEFAULT_LIMITS["base_s"]
