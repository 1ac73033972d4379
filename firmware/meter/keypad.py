# Keypad token entry: a key-event state machine independent of the keypad
# hardware (issue 4 item 4). The board maps its keys to the events below; the
# clock (seconds) comes with every event, the display is injected (an object
# with show(text)). Two times may come with an event: the meter's (lock-out)
# and the front panel's (entry timeout, message hold), which is real time for
# the person at the keypad even when the virtual meter's clock runs faster
# (docs/sim.md --speed); on a board both are the same clock.
#
# An entry of exactly 20 digits + ENTER is a token; an entry of 1..4 digits +
# ENTER is a short code (meter.short_codes); any other length is a Format error
# (the entry keeps up to 21 digits, so a 21-digit entry is one too).
# Repeated rejects lock the keypad (sts.lockout, when that module is present).
# After CTS test mode has ended, nothing is accepted (cts-mode.md CTS-19).
from compat import const
import vocab

# Keys as printed on the common 4x4 keypad (boards' KEYPAD_MAP "123A456B789C*0#D"):
BACK = "*"  # delete the last digit ("B" too)
CLEAR = "C"  # clear the entry
ENTER = "#"  # enter ("E" too); "A" (show credit) is app.App's, "D" start.py's (safe boot)

TOKEN_DIGITS = const(20)
_SHORT_MAX = const(4)

def grouped(digits):
    """'12345678' -> '1234 5678' (groups of four, as printed on a token).
    Built in one bytearray: a key press allocates a few small objects."""
    n = len(digits)
    if n <= 4:
        return digits
    d = digits.encode()
    b = bytearray(n + (n - 1) // 4)
    j = 0
    for i in range(n):
        if i and not i & 3:
            b[j] = 32
            j += 1
        b[j] = d[i]
        j += 1
    return b.decode()


def format_units(units, register):
    sign = "-" if units < 0 else ""
    u = -units if units < 0 else units
    if register < 4:  # 0.1 kWh / 0.1 m3 / 0.1 time unit
        return "%s%d.%d" % (sign, u // 10, u % 10)
    return "%s%d.%02d" % (sign, u // 100000, (u % 100000) // 1000)  # currency, 2 decimals


def _make_lockout(settings):
    try:
        from sts import lockout
    except ImportError:
        return None
    return lockout.Lockout(settings)


class Keypad:
    def __init__(self, meter, display, config=None, lockout=None):
        self.meter = meter
        self.display = display
        config = config or {}
        self.timeout_s = config.get("entry_timeout_s", 30)
        self.message_s = config.get("message_s", 10)  # a result stays this long, then credit
        self.lockout = lockout if lockout is not None else _make_lockout(config.get("lockout"))
        kl = getattr(meter, "keypad_lock", None)
        if self.lockout is not None and kl:  # a lock-out survives a power cycle
            self.lockout.rejects = kl[0]
            if kl[1] > 0:
                self.lockout.until = meter.clock() + kl[1]
        self.entry = ""
        self.last_key_s = None
        self.last_message = ""
        self._msg_at = None  # time a result/short-code message was shown

    def _show(self, text):
        self.last_message = text
        if self.display is not None:
            self.display.show(text)

    def show_idle(self):
        self._show(self.meter.credit_text())

    def key(self, k, now_s, ui_s=None):
        """One key event at meter time now_s (ui_s: the front panel's time,
        default now_s). Returns the STS result code when a token or short code
        was entered, else None."""
        ui = now_s if ui_s is None else ui_s
        self.tick(now_s, ui)
        self.last_key_s = ui
        if "0" <= k <= "9" and len(k) == 1:
            if len(self.entry) <= TOKEN_DIGITS:  # a 21st digit makes the entry a Format error
                self.entry += k
            self._show(grouped(self.entry))
        elif k == BACK or k == "B":
            self.entry = self.entry[:-1]
            self._show(grouped(self.entry))
        elif k == CLEAR:
            self.entry = ""
            self.show_idle()
        elif k == ENTER or k == "E":
            text, self.entry = self.entry, ""
            self.last_key_s = None
            self._msg_at = ui
            return self._enter(text, now_s)
        return None

    def tick(self, now_s, ui_s=None):
        """Entry timeout: a half-typed entry is dropped after timeout_s; a
        result shows message_s (both front-panel time ui_s, default now_s).
        Also records that a stored lock-out has run out (so it is not
        re-applied at the next power-up)."""
        ui = now_s if ui_s is None else ui_s
        if self.entry and self.last_key_s is not None and ui - self.last_key_s >= self.timeout_s:
            self.entry = ""
            self.last_key_s = None
            self.show_idle()
        if self._msg_at is not None and not self.entry and ui - self._msg_at >= self.message_s:
            self._msg_at = None
            self.show_idle()
        kl = getattr(self.meter, "keypad_lock", None)
        if kl and kl[1] > 0 and self.lockout is not None and not self.lockout.locked(now_s):
            try:
                self.meter.save_keypad_lock(self.lockout.rejects, 0)
            except Exception:
                pass

    def _enter(self, text, now_s):
        if self.meter.cts_ended():  # CTS-19: no tokens, no short codes
            self._show("CTS end")
            return self._refused(text, vocab.LOCKOUT)
        if not text:
            self.show_idle()
            return None
        if self.lockout is not None and self.lockout.locked(now_s):
            self._show(vocab.result_display(vocab.LOCKOUT))
            return self._refused(text, vocab.LOCKOUT)
        try:
            if len(text) == TOKEN_DIGITS:
                code = self.meter.enter_token(text, vocab.KEYPAD)[0]
            elif len(text) <= _SHORT_MAX:
                from meter.short_codes import run  # loaded on the first short code
                msg, code = run(self.meter, text)
                self._show(msg)
            else:
                code = vocab.FORMAT
                self._show(vocab.result_display(code))
        except Exception:  # storage error: nothing was accepted, try again later
            f = self.meter.fault
            self._show(vocab.fault_display(f) if f else vocab.result_display(vocab.NOT_READY))
            return self._refused(text, vocab.NOT_READY)
        if self.lockout is not None:
            was = self.lockout.locked(now_s)
            self.lockout.note(code, now_s)
            if self.lockout.locked(now_s) and not was:
                try:
                    self.meter.save_keypad_lock(self.lockout.rejects, self.lockout.remaining(now_s))
                except Exception:
                    pass  # storage trouble: the lock still holds in RAM
        if len(text) == TOKEN_DIGITS:
            self._show(vocab.result_display(code))
        return code

    def _refused(self, text, code):
        """A token that got no outcome from the meter is still its last token."""
        if len(text) == TOKEN_DIGITS:
            self.meter.token_refused(vocab.KEYPAD, code, text.encode())
        return code
