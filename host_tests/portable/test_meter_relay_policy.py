# Portable: the load switch policy (meter/relay_policy.py, dlms.md 7.2).
from meter import relay_policy as rp
import vocab


def test_all_clear_closes():
    assert rp.decide(rp.CONNECTED, 1, False, False, False, False) == (True, vocab.REASON_NONE, rp.CONNECTED)


def test_priority_of_reasons():
    assert rp.decide(rp.CONNECTED, 1, True, True, True, True)[:2] == (False, vocab.REASON_CTS_ENDED)
    assert rp.decide(rp.DISCONNECTED, 1, False, True, True, True)[:2] == (False, vocab.REASON_COMMANDED)
    assert rp.decide(rp.CONNECTED, 1, False, True, True, True)[:2] == (False, vocab.REASON_TAMPER)
    assert rp.decide(rp.CONNECTED, 1, False, False, True, True)[:2] == (False, vocab.REASON_POWER_LIMIT)
    assert rp.decide(rp.CONNECTED, 1, False, False, False, True)[:2] == (False, vocab.REASON_NO_CREDIT)


def test_local_conditions_show_ready_for_reconnection():
    assert rp.decide(rp.CONNECTED, 2, False, False, False, True)[2] == rp.READY


def test_mode0_always_connected_except_cts_end():
    for flags in ((False, True, True, True), (False, False, False, True)):
        assert rp.decide(rp.DISCONNECTED, 0, *flags)[0] is True
    assert rp.decide(rp.CONNECTED, 0, True, False, False, False)[0] is False
    assert rp.command(rp.CONNECTED, 0, rp.REMOTE_DISCONNECT) == (rp.CONNECTED, False)


def test_remote_disconnect_every_mode():
    for mode in range(1, 7):
        for st in (rp.CONNECTED, rp.READY, rp.DISCONNECTED):
            assert rp.command(st, mode, rp.REMOTE_DISCONNECT) == (rp.DISCONNECTED, True)


def test_remote_reconnect_direct_in_modes_2_and_4():
    for mode in (2, 4):
        assert rp.command(rp.DISCONNECTED, mode, rp.REMOTE_RECONNECT) == (rp.CONNECTED, True)
    for mode in (1, 3, 5, 6):
        assert rp.command(rp.DISCONNECTED, mode, rp.REMOTE_RECONNECT) == (rp.READY, True)
        # customer confirms at the meter (e)
        assert rp.command(rp.READY, mode, rp.MANUAL_RECONNECT) == (rp.CONNECTED, True)


def test_manual_disconnect_only_modes_1_2_5():
    for mode in range(1, 7):
        st, ok = rp.command(rp.CONNECTED, mode, rp.MANUAL_DISCONNECT)
        assert ok == (mode in (1, 2, 5))
        assert st == (rp.READY if ok else rp.CONNECTED)


def test_manual_reconnect_cannot_undo_remote_disconnect():
    for mode in range(1, 7):
        assert rp.command(rp.DISCONNECTED, mode, rp.MANUAL_RECONNECT) == (rp.DISCONNECTED, False)


def test_bad_mode_or_command_changes_nothing():
    assert rp.command(rp.CONNECTED, 7, rp.REMOTE_DISCONNECT) == (rp.CONNECTED, False)
    assert rp.command(rp.CONNECTED, 1, 99) == (rp.CONNECTED, False)
