# Rate limit on authentication guesses, per client SAP (issue 12 item 3): a
# wrong LLS password, or HLS keys that fail (a glo-initiate that does not
# verify, a wrong f(StoC) in pass 3). After failure k the SAP's AARQs are
# refused for base_s * 2^(k-1) seconds, from failure `after` on for lock_s
# seconds each time; a successful authentication ends the series. While
# closed an AARQ is answered rejected-transient, authentication-failure,
# without looking at its secret. docs/security.md.
#
# Time is powered time from the server's now_ms (sans-IO: no clock of its
# own). A failure series is committed to the store when it grows, when a
# closure runs out and when a success ends it, never on an ordinary success,
# so a restart keeps the delay (its remaining time) and the lock-out.
from compat import TICKS_MASK

DEFAULT_LIMITS = {"after": 5, "base_s": 1, "lock_s": 900}


class AuthGuard:
    """limits: {"after": failures until the lock-out (0: no limit), "base_s":
    first delay, "lock_s": lock-out}; store: a StateStore (None: RAM only);
    on_event(code, a, b) or None."""

    def __init__(self, *args, **kw):
        # AuthGuard(limits=None, store=None, on_event=None): dlms.server_build.guard
        from dlms import server_build
        server_build.guard(self, *args, **kw)

    def advance(self, now_ms):
        """Time from the server (receive_data/tick); expires closures. The
        clock (now_s) runs only while some client has failures on record:
        only its differences matter, and most frames then cost one store."""
        last = self._last_ms
        self._last_ms = now_ms
        if self.fails and last is not None:
            ms = self._ms + ((now_ms - last) & TICKS_MASK)
            if ms >= 1000:
                self.now_s += ms // 1000
                ms %= 1000
            self._ms = ms
            self._expire()  # (the loop apart: its frame would be allocated on the heap every frame)

    def _expire(self):
        expired = False
        for f in self.fails.values():
            if 0 < f[1] <= self.now_s:
                f[1] = 0
                expired = True
        if expired:
            self._save()

    def remaining(self, sap):
        """Seconds until client `sap` may try again (0: open)."""
        f = self.fails.get(sap)
        return f[1] - self.now_s if f is not None and f[1] > self.now_s else 0

    def failed(self, sap):
        """One authentication failure of client `sap`."""
        if self.after <= 0:
            return
        f = self.fails.get(sap)
        if f is None:
            f = self.fails[sap] = [0, 0]
        f[0] += 1
        k = f[0]
        if k >= self.after:
            t = self.lock_s
        else:
            t = self.base_s << (k - 1) if k < 24 else self.lock_s
            if t > self.lock_s:
                t = self.lock_s
        f[1] = self.now_s + t
        self._save()
        if self.on_event is not None:
            import vocab
            self.on_event(vocab.EV_DLMS_AUTH_FAILED, sap, k)
            if k >= self.after:
                self.on_event(vocab.EV_DLMS_AUTH_LOCKED, sap, t)

    def passed(self, sap):
        """A successful authentication of client `sap` ends its series."""
        if self.fails.pop(sap, None) is not None:
            self._save()

    def _save(self):
        if self.store is None:
            return
        d = {}
        now = self.now_s
        for sap, f in self.fails.items():
            d[str(sap)] = [f[0], f[1] - now if f[1] > now else 0]
        try:
            self.store.commit(d)
        except Exception:  # storage trouble: the limit still holds in RAM
            pass
