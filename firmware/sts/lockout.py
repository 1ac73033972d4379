# Keypad lock-out after repeated rejected entries (sts.md 9.1: vendor practice,
# e.g. lock after 3 bad entries, doubling up to 1280 s; result 15 "Lockout").
# Only the keypad path uses it; remote (DLMS) tokens are not rate-limited here.
import vocab
from sts.settings import DEFAULT


class Lockout:
    def __init__(self, settings=None):
        self.settings = settings or DEFAULT
        self.rejects = 0  # rejects in a row
        self.until = 0  # locked while now_s < until

    def locked(self, now_s):
        return now_s < self.until

    def remaining(self, now_s):
        return self.until - now_s if now_s < self.until else 0

    def note(self, code, now_s):
        """Record the result of one keypad entry at time now_s (seconds)."""
        if vocab.accepted(code):
            self.rejects = 0
            self.until = 0
            return
        # Not a bad entry: a valid token that does not fit, or no verdict at all.
        if code == vocab.OVERFLOW or code == vocab.LOCKOUT or code >= vocab.NOT_READY:
            return  # NOT_READY, RESOURCE: the meter gave no verdict
        s = self.settings
        self.rejects += 1
        over = self.rejects - s.lockout_after
        if over >= 0:
            t = s.lockout_base_s << over if over < 16 else s.lockout_max_s
            self.until = now_s + (t if t < s.lockout_max_s else s.lockout_max_s)

    def to_record(self):
        return {"rejects": self.rejects, "until": self.until}

    @classmethod
    def from_record(cls, d, settings=None):
        lk = cls(settings)
        lk.rejects = d.get("rejects", 0)
        lk.until = d.get("until", 0)
        return lk
