# The Meter's code a basic session (a keypad token, a remote token) does
# not run once the meter is built: building it (Commands.build, Meter's
# __init__) and loading the record (boot, a retry after running out of
# memory; app.App unloads this module after the build), the
# published energy register (DLMS reads, captures), and the commands it
# never gives: the class 70 switch commands, tamper, account and payment
# changes, CTS test mode, the token memory after a store recovery, a
# damaged provisioning record, the keypad's lock-out and refused tokens.
# meter.meter.Meter.__getattr__ loads this module on first use and runs
# Commands.x(meter, ...) for meter.x(...), so their code is not resident
# (board heap, docs/benchmarks.md). They are Meter methods in all but
# where they are written: docs/meter.md lists them with the facade.
from compat import const, retry_on_memory
import vocab
from meter import account as ac
from meter import cts as ctsmod
from meter import relay_policy as rp
from meter.meter import READ_COMMIT_S, RECORD_VERSION

_STATE_TEXT = const("Disconnected|Connected|Reconnect: 05#")

DEFAULTS = {  # the meter configuration's defaults (docs/meter.md)
    "control_mode": 1,  # class 70 control mode (relay_policy.py)
    "disconnect_on_tamper": True,
    "commit_wh": 1000,  # metering: commit after 1 kWh uncommitted ...
    "commit_interval_s": 3600,  # ... or after an hour with any uncommitted
    "cts_persist_s": ctsmod.PERSIST_S,
    "cts_limit_s": ctsmod.LIMIT_S,
}


def _get(config, key):
    if key in config:
        return config[key]
    return DEFAULTS[key]


class StateError(Exception):
    pass


class Commands:
    def build(self, config, store, sts_state, clock, relay, display=None, eventlog=None,
              localtime=None, realtime=None, record=None):
        """Meter(...): the meter's construction (meter.meter.Meter.__init__)."""
        self.config = config = config or {}
        self.store = store
        self.clock = clock
        self.relay = relay
        self.display = display
        self.eventlog = eventlog
        self.realtime = realtime
        self.record = record
        self.control_mode = _get(config, "control_mode")
        self.tamper_opens = _get(config, "disconnect_on_tamper")
        self.commit_wh = _get(config, "commit_wh")
        self.commit_interval_s = _get(config, "commit_interval_s")
        self.sts_settings = config.get("sts_settings")
        self._process = config.get("process")  # None: sts.processor.process, loaded per token
        self.effect = config.get("effect")
        if self.effect is None:
            from sts import effect
            self.effect = effect
        self.account = ac.Account(config.get("account"))
        self.localtime = localtime
        self.payment = None  # meter.payment.Payment when configured (docs/payment.md)
        bad = False
        if config.get("payment"):
            from meter.payment import Payment
            try:
                self.payment = Payment(config["payment"], self.account.metered >= 4, localtime)
            except ValueError:  # a bad tariff: no service until the meter is provisioned again
                bad = True
        self.cts = ctsmod.Cts(_get(config, "cts_limit_s"), _get(config, "cts_persist_s"))
        self.sts = sts_state
        self.control_state = rp.CONNECTED
        self.last_result = 0
        self.last_tid = -1
        # the last token from any carrier (RAM only; the token gateway shows it):
        # (source, result, units added, time (as events), token as its carrier gave it)
        self.last_token = None
        self.keypad_lock = [0, 0]  # keypad lock-out kept over power cycles: [rejects, seconds left]
        self.fault = 0  # vocab.FAULT_*: safe state (relay open), nothing accepted
        self.fresh = False  # this start made the meter's first record
        self._fault_at = 0
        self._probe_s = None  # when log_event last tried a commit for another record
        self._evq = []  # events that go with the next commit
        self._log_seq = 0  # newest sequence number in the event ring
        self.uncommitted_wh = 0  # metered since the last commit, import and export
        self.uncommitted_x = 0  # the export part of it
        self._energy_last = None
        self.power_w = 0
        self.relay_closed = None
        self.relay_reason = vocab.REASON_NONE
        self.low_credit = False
        now = self.clock()
        self.last_commit_s = now
        self._log_seq = self._log_newest()
        self._load(now)
        self.low_credit = self.account.low_credit()  # logged when it starts, not per boot
        self._log_now(now, vocab.EV_POWER_UP, realtime.outage_s if realtime else 0, 0)
        if bad:
            self.set_fault(vocab.AT_PROVISION)
        self._update_relay(now, False)

    def _recovered(self, now, evs):
        """The store fell back to the older copy: the damaged one may have been
        newer. Tokens the event ring saw accepted after this copy are
        remembered as Used, so none is accepted twice (their credit is lost
        with the damaged copy; the FAULT event says so)."""
        tids = list(self.sts.tids)
        try:
            for e in self.eventlog.entries():
                if e[0] > evs and e[2] == vocab.EV_TOKEN_ACCEPTED and e[4] >= 0 \
                        and e[4] not in tids:
                    tids.append(e[4])
        except Exception:
            pass
        if len(tids) != len(self.sts.tids):
            from sts.state import TID_MEMORY_SIZE
            self.sts = self.sts.derive(sorted(tids)[-TID_MEMORY_SIZE:], self.sts.kct)
        self._log_now(now, vocab.EV_FAULT, vocab.FAULT_RECORD, vocab.AT_STATE)

    # --- remote / manual switch commands (class 70 methods) ---------------------------------
    def _switch(self, cmd, code):
        now = self.clock()
        if self.fault:
            return False
        if self.cts.ended() and cmd != rp.REMOTE_DISCONNECT:  # CTS-19: nothing reconnects
            self._log_now(now, code, 0, 0)
            return False
        new, ok = rp.command(self.control_state, self.control_mode, cmd)
        change = {"control_state": new} if new != self.control_state else None
        self._transact(now, change, ((code, 1 if ok else 0, 0),))
        if change is None:
            self._update_relay(now, False)
        return ok

    def remote_disconnect(self):
        return self._remote(rp.REMOTE_DISCONNECT, vocab.EV_REMOTE_DISCONNECT)

    def remote_reconnect(self):
        return self._remote(rp.REMOTE_RECONNECT, vocab.EV_REMOTE_RECONNECT)

    def _remote(self, cmd, code):
        """A head-end's switch command (class 70): the display says what it did."""
        ok = self._switch(cmd, code)
        if ok and self.display is not None:
            self.display.show(_STATE_TEXT.split("|")[self.control_state])
        return ok

    def manual_reconnect(self):
        return self._switch(rp.MANUAL_RECONNECT, vocab.EV_MANUAL_RECONNECT)

    def set_tamper(self, on):
        """Tamper input from the board (cover switch, magnet ...)."""
        if bool(on) == self.account.tamper or not on:
            return  # a tamper is cleared only by a ClearTamper token
        a = self.account.copy()
        a.tamper = True
        self._transact(self.clock(), {"account": a}, ((vocab.EV_TAMPER_DETECTED, 0, 0),))

    def change(self, f):
        """A change of the account, and of the payment when there is one
        (emergency credit, payment mode, meter.payment's collections, DLMS
        settings and charge methods): f(account copy, payment copy or None)
        changes the copies and returns their events, or None when nothing
        changed, or raises ValueError for bad input (nothing changes); the
        copies are committed with the events (_transact). False in a fault."""
        if self.fault:
            return False
        a, p = self.account.copy(), self.payment
        c = {"account": a}
        if p is not None:
            p = c["payment"] = p.copy()
        events = f(a, p)
        if events is not None:
            self._transact(self.clock(), c, events)
        return True

    def set_payment_mode(self, mode):
        """Prepayment (account.PREPAYMENT) or post-payment (POSTPAYMENT),
        e.g. from the DLMS Account object; committed with an event. Returns
        True if valid."""
        old = self.account.payment_mode

        def f(a, p):
            a.payment_mode = mode
            return ((vocab.EV_PAYMENT_MODE, mode, old),) if mode != old else None
        return (mode == ac.PREPAYMENT or mode == ac.POSTPAYMENT) and self.change(f)

    def invoke_emergency_credit(self):
        return not self.cts.ended() and self.account.ec_invokable() and self.change(
            lambda a, p: a.invoke_ec() and ((vocab.EV_EMERGENCY_CREDIT, a.ec_amount, 0),))

    # --- CTS test mode ----------------------------------------------------------------------
    def cts_enter(self, uut, by_short_code=False):
        """Enter CTS test mode with UUT profile `uut`, or switch profile while
        active. Returns a meter.cts code (ENTERED, CHANGED, REFUSED_*)."""
        from meter import cts_control
        now = self.clock()
        r, change, events = cts_control.enter(self.cts, self.sts, uut, by_short_code, self.fault,
                                              self.config.get("account"), now)
        self._transact(now, change, events)
        return r

    def cts_exit(self, by_short_code=False):
        from meter import cts_control
        if self.fault:
            return False
        change, events = cts_control.leave(self.cts, by_short_code)
        if change is None:
            return False
        self._transact(self.clock(), change, events)
        return True

    def cts_register_write(self, value):
        """The CTS register (CTS-9): 1..99 enter/switch UUT, 0 leave (CTS-17).
        Returns a meter.cts code (0 = done)."""
        from meter import cts_control
        return cts_control.register_write(self, value)

    def cts_register_read(self):
        """(state, uut, timer seconds, exit reason) for display/DLMS."""
        c = self.cts
        return c.state, c.uut, c.elapsed_s, c.exit_reason

    def set_fault(self, where):
        """A record the meter depends on (the provisioning record) is damaged:
        FAULT_STATE, as for its own record (called by app.App)."""
        self._set_fault(self.clock(), vocab.FAULT_STATE, where)
        self._update_relay(self.clock(), False)

    def control_state_view(self, now=None):
        """Class 70 attribute 3 (with local disconnects shown as ready)."""
        return self._decide(self.clock() if now is None else now)[2]

    def token_refused(self, source, code, token):
        """A token that never reached enter_token's outcome (refused by its
        carrier, e.g. the keypad's lock-out or a malformed gateway
        octet-string, or enter_token raised): only remembered as last_token;
        nothing is logged or committed."""
        self.last_token = (source, code, 0, self._when(self.clock()), token)

    def save_keypad_lock(self, rejects, remaining_s):
        """The keypad's lock-out (sts.lockout) made durable when it engages, so a
        power cycle does not end it (powered seconds left). One commit per
        lock-out, which is at least lockout_base_s apart."""
        if self.fault or [rejects, remaining_s] == self.keypad_lock:
            return
        self._transact(self.clock(), {"keypad_lock": [rejects, remaining_s]}, ())

    def _load(self, now):
        try:
            d = retry_on_memory(self.store.load)
        except MemoryError:  # not damage: tried again (tick, token) or at the next boot
            self._set_fault(now, vocab.FAULT_MEMORY, vocab.AT_STATE)
            return
        except Exception:  # no valid copy (store.fs.StoreCorruptError) or I/O error
            self._set_fault(now, vocab.FAULT_STATE, vocab.AT_STATE)
            return
        if d is None:
            if self._log_seq:  # the meter has a history, so its record was lost
                self._set_fault(now, vocab.FAULT_STATE, vocab.AT_STATE)
                return
            self.fault = 0  # fresh meter: the factory state becomes the first record
            self.fresh = True
            try:
                self._commit(now)
            except OSError:
                pass  # FAULT_SAVE: tried again each minute
            return
        try:
            if d["v"] != RECORD_VERSION:
                raise StateError("record version")
            self.sts = type(self.sts).from_record(d["sts"])
            self.account.load_record(d["acct"])
            self.control_state = int(d["cs"])
            self.last_result, self.last_tid = d["last"][0], d["last"][1]
            kl = d.get("kl") or [0, 0]
            self.keypad_lock = [int(kl[0]), int(kl[1])]
            if self.payment is not None and "pay" in d:
                self.payment.load_record(d["pay"])
        except MemoryError:
            self._set_fault(now, vocab.FAULT_MEMORY, vocab.AT_STATE)
            return
        except Exception:
            self._set_fault(now, vocab.FAULT_STATE, vocab.AT_STATE)
            return
        if self.fault:  # a retry after FAULT_MEMORY
            self.fault = 0
            self._log_now(now, vocab.EV_FAULT_CLEARED, vocab.FAULT_MEMORY, 0)
            self._update_relay(now, False)
        if getattr(self.store, "recovered", False):
            self._recovered(now, d.get("evs", 0))
        self.cts.load_record(d.get("cts"))  # missing/invalid -> ENDED (fail safe)
        done = self._log_seq - d.get("evs", 0)
        q = d.get("evq") or []
        if done < 0:
            done = 0
        for e in q[done:]:
            self._append(e)

    def _log_newest(self):
        if self.eventlog is None:
            return 0
        try:
            es = self.eventlog.entries()
        except Exception:
            return 0
        return es[-1][0] if es else 0

    def published_energy_wh(self, export=False):
        """The cumulative energy register as published (Wh; export: the
        export register): the committed value, never more, so no reading is
        above what the register shows after a power cut (issue 12 item 7).
        Pending energy is committed first when the last commit is
        READ_COMMIT_S old (flash: at most one commit a minute from reads; a
        head-end reading every 15 minutes adds <= 96 a day)."""
        now = self.clock()
        if self.uncommitted_wh and not self.fault and now - self.last_commit_s >= READ_COMMIT_S:
            self._save(now)
        x = self.uncommitted_x
        if export:
            return self.account.exported_wh - x
        return self.account.consumed_wh - self.uncommitted_wh + x
