# Portable: keypad entry state machine (meter/keypad.py) against a Meter with fakes.
from meter import keypad as kp
from meter import cts
import vocab
import meter_fakes as f


class FakeLockout:
    """Contract of sts.lockout.Lockout: lock after 3 rejects in a row for 60 s."""

    def __init__(self):
        self.rejects = 0
        self.until = 0

    def note(self, code, now_s):
        if vocab.accepted(code):
            self.rejects = 0
            self.until = 0
        elif code != vocab.LOCKOUT:
            self.rejects += 1
            if self.rejects >= 3:
                self.until = now_s + 60

    def locked(self, now_s):
        return now_s < self.until

    def remaining(self, now_s):
        return self.until - now_s if now_s < self.until else 0


def _pad(drn="00000000000", lockout=None, config=None, store=None, clock=None):
    m = f.new_meter(drn=drn, config=config, store=store, clock=clock)
    d = f.Display()
    return m, d, kp.Keypad(m, d, {"entry_timeout_s": 30}, lockout=lockout or FakeLockout())


def _type(pad, text, t=0):
    code = None
    for k in text:
        code = pad.key(k, t)
    return code


def test_grouped_display_and_token_acceptance():
    m, d, pad = _pad()
    tok = f.make(0, 0, 7, 123)
    _type(pad, tok[:9])
    assert d.text == tok[:4] + " " + tok[4:8] + " " + tok[8]
    _type(pad, tok[9:])
    assert d.text == " ".join((tok[0:4], tok[4:8], tok[8:12], tok[12:16], tok[16:20]))
    _type(pad, "5")  # a 21st digit is kept: the entry is no token (issue 12)
    assert pad.entry == tok + "5"
    _type(pad, "6")  # and no more than that
    assert pad.entry == tok + "5"
    _type(pad, kp.BACK)
    assert pad.key(kp.ENTER, 1) == vocab.ACCEPT
    assert d.text == "Accept 01" and m.account.credit[0] == 123
    assert _type(pad, tok + kp.ENTER, 2) == vocab.USED and d.text == "Used 10"


def test_backspace_and_clear():
    m, d, pad = _pad()
    _type(pad, "123" + kp.BACK + "4")
    assert pad.entry == "124"
    _type(pad, kp.CLEAR)
    assert pad.entry == "" and d.text.startswith("Cr ")


def test_entry_timeout_with_injected_clock():
    m, d, pad = _pad()
    _type(pad, "1234", 0)
    pad.tick(29)
    assert pad.entry == "1234"
    pad.tick(30)
    assert pad.entry == "" and d.text.startswith("Cr ")
    pad.key("9", 31)
    assert pad.entry == "9"


def test_timeouts_run_on_front_panel_time():
    """The virtual meter at --speed 60: keys 0.8 s apart are 48 meter seconds
    apart, past the 30 s entry timeout. The entry and message timeouts run on
    the front panel's (real) time, so the token is accepted and its result
    stays 10 real seconds; on meter time alone the entry would be dropped."""
    tok = f.make(0, 0, 5, 50)
    m, d, pad = _pad()
    for i, k in enumerate(tok):
        pad.key(k, i * 48, i * 8 // 10)  # meter seconds, real seconds
    assert pad.key(kp.ENTER, 20 * 48, 16) == vocab.ACCEPT and d.text == "Accept 01"
    pad.tick(20 * 48 + 600, 25)  # ten meter minutes, nine real seconds
    assert d.text == "Accept 01"
    pad.tick(20 * 48 + 660, 26)
    assert d.text.startswith("Cr 5.0")
    m, d, pad = _pad()
    for i, k in enumerate(tok):
        pad.key(k, i * 48)  # no front-panel time: meter time is used
    assert pad.entry == tok[-1]  # every key came after the timeout: only the last is left
    assert pad.key(kp.ENTER, 19 * 48 + 1) == vocab.FORMAT and m.account.credit[0] == 0


def test_wrong_lengths_are_format_errors():
    m, d, pad = _pad()
    assert _type(pad, "12345" + kp.ENTER) == vocab.FORMAT
    assert _type(pad, "1" * 19 + kp.ENTER) == vocab.FORMAT
    assert d.text == "Format 06"
    assert _type(pad, kp.ENTER) is None


def test_messages_for_every_result_code():
    for code in range(1, 17):
        assert vocab.result_display(code).endswith("%02d" % code)
    assert vocab.result_display(vocab.CRC).startswith("Reject")


def test_short_codes():
    m, d, pad = _pad(config={"account": {"ec_amount": 30, "low_credit": 10}})
    _type(pad, "01" + kp.ENTER)
    assert d.text == "Cr 0.0"
    _type(pad, "02" + kp.ENTER)
    assert d.text == "No token"
    _type(pad, f.make(0, 0, 9, 5) + kp.ENTER)
    _type(pad, "02" + kp.ENTER)
    assert d.text == "Accept 01"
    _type(pad, "03" + kp.ENTER)
    assert d.text == "00000000000"
    assert _type(pad, "04" + kp.ENTER) == vocab.ACCEPT and d.text == "EC on"
    _type(pad, "01" + kp.ENTER)
    assert d.text == "Cr 3.5 EC"
    assert _type(pad, "77" + kp.ENTER) == vocab.FORMAT


def test_cts_short_codes_then_nothing_accepted():
    m, d, pad = _pad()
    assert _type(pad, "8802" + kp.ENTER) == vocab.ACCEPT and d.text == "CTS 02"
    assert m.cts.uut == 2
    _type(pad, "06" + kp.ENTER)
    assert d.text == "CTS 02 24:00"
    assert _type(pad, "8805" + kp.ENTER) == vocab.FUNCTION and d.text == "Refused"
    assert _type(pad, "8800" + kp.ENTER) == vocab.ACCEPT and m.cts.ended()
    for entry in ("01", "8801", f.make(0, 0, 1, 1)):
        assert _type(pad, entry + kp.ENTER) == vocab.LOCKOUT
        assert d.text == "CTS end"
    assert not m.relay.closed


def test_cts_short_code_refused_for_normal_drn():
    m, d, pad = _pad(drn="12345678901")
    assert _type(pad, "8801" + kp.ENTER) == vocab.FUNCTION and not m.cts.active()


def test_lockout_after_repeated_rejects():
    m, d, pad = _pad()
    bad = "1" * 20
    for i in range(3):
        assert _type(pad, bad + kp.ENTER, i) == vocab.CRC
    good = f.make(0, 0, 3, 10)
    assert _type(pad, good + kp.ENTER, 10) == vocab.LOCKOUT
    assert m.account.credit[0] == 0
    assert _type(pad, good + kp.ENTER, 70) == vocab.ACCEPT


def test_keypad_legend_keys_and_aliases():
    m, d, pad = _pad()
    _type(pad, "12A3D")  # A and D do nothing
    assert pad.entry == "123"
    _type(pad, "B")  # alias of *
    assert pad.entry == "12"
    assert _type(pad, "C01E") == vocab.ACCEPT and d.text == "Cr 0.0"  # E alias of #


def test_storage_error_shows_not_ready_and_accepts_nothing():
    m, d, pad = _pad()
    m.store.fail_after = 1
    assert _type(pad, f.make(0, 0, 4, 10) + kp.ENTER) == vocab.NOT_READY
    assert d.text == "Not ready 16" and m.account.credit[0] == 0 and 4 not in m.sts.tids


def test_lockout_survives_a_power_cycle():
    store = f.Store()
    clock = f.Clock(100)
    m, d, pad = _pad(store=store, clock=clock)
    for i in range(3):
        assert _type(pad, "1" * 20 + kp.ENTER, 100 + i) == vocab.CRC
    assert store.data["kl"] == [3, 60]  # committed when the lock engaged
    clock.t = 5  # power cycle: the clock restarts
    m2, d2, pad2 = _pad(store=store, clock=clock)
    good = f.make(0, 0, 3, 10)
    assert _type(pad2, good + kp.ENTER, 40) == vocab.LOCKOUT
    assert _type(pad2, good + kp.ENTER, 64) == vocab.LOCKOUT
    assert _type(pad2, good + kp.ENTER, 65) == vocab.ACCEPT  # 60 powered seconds later
    assert store.data["kl"] == [0, 0]  # an accepted keypad token ends the series


def test_expired_lockout_is_not_reapplied_after_power_up():
    store = f.Store()
    clock = f.Clock(0)
    m, d, pad = _pad(store=store, clock=clock)
    for i in range(3):
        _type(pad, "1" * 20 + kp.ENTER, i)
    pad.tick(30)
    assert store.data["kl"] == [3, 60]
    pad.tick(62)  # the lock has run out
    assert store.data["kl"] == [3, 0]
    m2, d2, pad2 = _pad(store=store, clock=f.Clock(0))
    assert _type(pad2, f.make(0, 0, 3, 10) + kp.ENTER, 1) == vocab.ACCEPT


def test_result_message_returns_to_credit_display():
    m, d, pad = _pad()
    _type(pad, f.make(0, 0, 9, 25) + kp.ENTER, 100)
    assert d.text == "Accept 01"
    pad.tick(109)
    assert d.text == "Accept 01"
    pad.tick(110)
    assert d.text == "Cr 2.5 LOW"  # below the 5.0 kWh low-credit default
