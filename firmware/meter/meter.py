# The Meter facade (api-contract.md "meter"): tokens, metering, relay, CTS mode,
# keypad/DLMS entry points. It decides and commits; it does no I/O of its own.
#
# Injected: config (dict), store (store.state.StateStore), sts_state (the
# factory StsState, used when the store is empty), clock (callable -> seconds,
# monotonic while powered), relay (object with set(closed)), display (object
# with show(text)), eventlog (store.eventlog.EventLog), localtime (callable
# -> local seconds since 2000, or None: the tariffs' time, meter.payment),
# realtime (meter.realtime.RealTime: events are stamped with its UTC time,
# else with `clock`), record (callable(event): files each logged event in its
# DLMS event log, app.App.record).
#
# Atomicity (issue 4 item 3): one StateStore.commit() carries the STS state
# (keys, TID memory), the account (credit), the CTS record, the commanded relay
# state and the events of that change. A token is reported accepted only after
# that commit returned, so it is never accepted without its credit nor credit
# without its TID. Events are appended to the ring after the commit; events of
# the last commit that a power cut kept out of the ring are appended at the
# next power-up.
#
# Flash budget: a commit per accepted token, per remote relay command, per CTS
# step (reservation, every cts_persist_s while in CTS mode) and for metering
# only when commit_wh of uncommitted consumption has accumulated, or
# commit_interval_s has passed with some uncommitted, or credit ran out. A
# power cut loses at most that uncommitted consumption (in the customer's
# favour); board code that detects a brown-out may call power_down() to flush.
# The energy register is published as committed (published_energy_wh), so no
# reading is ever above what a power cut leaves (issue 12 item 7).
#
# Faults (docs/security.md "Storage damage and failures"): `fault` is 0 or a
# vocab.FAULT_*; in any fault the relay is open and nothing is accepted.
# FAULT_STATE (the record is damaged or missing) stays until serviced and the
# record is never overwritten; FAULT_MEMORY (out of memory loading it) and
# FAULT_SAVE (storage cannot be written) are tried again and clear by
# themselves. Running out of memory is retried once after a collection
# (compat.retry_on_memory), then reported as vocab.RESOURCE, never as a reject.
from compat import const, module, not_loaded, retry_on_memory, unload
import vocab
import sts
from meter import account as ac
from meter import relay_policy as rp

RECORD_VERSION = const(1)

RETRY_S = const(60)  # FAULT_SAVE / FAULT_MEMORY: at most one new attempt a minute from tick()
READ_COMMIT_S = const(60)  # a register read commits pending energy at most this often
_EVQ_MAX = const(12)  # events kept for the next commit while the flash cannot be written
_NO_MEMORY = {"reason": "memory"}  # enter_token's info for RESOURCE (allocated at import)
# What a token loads, the STS engine and token_entry (and token_management for
# a class 2 token), is unloaded after it: a meter is nearly always without a
# token (docs/benchmarks.md, heap).
_TOKEN_CODE = sts.ENGINE + ("meter.token_entry", "meter.token_management")
# the display after a remote switch command, per class 70 control_state (relay_policy);
# 05 + Enter is the customer's manual reconnect (meter.keypad SC_RECONNECT)


class Meter:
    def __init__(self, *args, **kw):
        # Meter(config, store, sts_state, clock, relay, display=None,
        # eventlog=None, localtime=None, realtime=None, record=None), as
        # injected above. Built once per boot: the code is meter.commands'
        # Commands.build, loaded for the record anyway and unloaded after the
        # build (app.App)
        from meter import commands
        commands.Commands.build(self, *args, **kw)

    def _retry_load(self, now):
        try:
            self._load(now)  # meter.commands: loading it may run out of memory too
        except MemoryError:
            pass  # still FAULT_MEMORY: tried again later

    def __getattr__(self, name):
        # the commands a basic session never gives (switching, tamper, CTS,
        # payment changes, a store recovery) live in meter.commands, loaded
        # on first use: Meter.x(...) runs meter.commands.Commands.x(self, ...)
        from meter import commands
        f = getattr(commands.Commands, name)
        return lambda *a, **k: f(self, *a, **k)

    # --- persistence -------------------------------------------------------------
    def _record(self):
        r = {
            "v": RECORD_VERSION, "sts": self.sts.to_record(), "acct": self.account.to_record(),
            "cts": self.cts.to_record(), "cs": self.control_state,
            "last": [self.last_result, self.last_tid], "evq": self._evq, "evs": self._log_seq,
            "kl": self.keypad_lock,
        }
        if self.payment is not None:
            r["pay"] = self.payment.to_record()
        return r

    def _commit(self, now):
        """Make the meter's record durable. A storage failure (OSError, the
        store's errors included) sets FAULT_SAVE and is raised; a successful
        commit ends it."""
        if self.fault >= vocab.FAULT_MEMORY:  # never overwrite a state we could not read
            return
        try:
            retry_on_memory(self.store.commit, self._record())
        except OSError:
            self._set_fault(now, vocab.FAULT_SAVE, vocab.AT_STATE)
            raise
        self.last_commit_s = now
        self.uncommitted_wh = self.uncommitted_x = 0
        q, self._evq = self._evq, []
        if self.fault:
            self.fault = 0
            q.append([self._when(now), vocab.EV_FAULT_CLEARED, vocab.FAULT_SAVE, 0])
        for e in q:
            self._append(e)

    def _save(self, now):
        """A metering commit: a storage failure is the FAULT_SAVE state (the
        board's loop goes on), a MemoryError is tried again next time."""
        try:
            self._commit(now)
        except OSError:
            self._update_relay(now, False)
        except MemoryError:
            self._log_now(now, vocab.EV_FAULT, vocab.FAULT_MEMORY, vocab.AT_STATE)

    def _set_fault(self, now, fault, where):
        self._fault_at = now
        if fault != self.fault:
            self.fault = fault
            self._log_now(now, vocab.EV_FAULT, fault, where)
        if self.display is not None:
            self.display.show(vocab.fault_display(fault))

    def _transact(self, now, change, events):
        """The one way a decided change becomes real. `change` maps Meter
        attributes to their new values (new objects, never the current ones
        changed in place), `events` are (code, a, b). The attributes are
        replaced and committed with the events in one StateStore.commit; if the
        store fails they are put back (the caller sees the exception, the
        meter stays as it was). With `change` None nothing is kept and the
        events are only logged. Metering commits (consume, tick, power_down)
        keep what was measured and commit through _save."""
        if change is None:
            for e in events:
                self._log_now(now, *e)
            return
        before = {}
        for k in change:
            before[k] = getattr(self, k)
            setattr(self, k, change[k])
        n = len(self._evq)
        for e in events:
            self._event(now, *e)
        try:
            self._commit(now)
        except Exception:
            for k in before:
                setattr(self, k, before[k])
            self._evq = self._evq[:n] + self._evq[n + len(events):]  # the fault's stay
            if self.fault:
                self._update_relay(now, False)
            raise
        self._update_relay(now, False)

    # --- event log -----------------------------------------------------------------
    def _append(self, e):
        if self.eventlog is None:
            return
        if self.fault == vocab.FAULT_SAVE:  # the flash failed: the events go with the next commit
            if len(self._evq) < _EVQ_MAX:
                self._evq.append(e)
            return
        try:
            s = self.eventlog.append(int(e[0]), e[1], e[2], e[3])
            self._log_seq = s if isinstance(s, int) else self._log_seq + 1
        except Exception:
            pass  # the log is best effort; the state commit is what counts
        if self.record is not None:  # after the journal: a cut never logs an event twice
            self.record(e)  # best effort too (it catches its own errors)

    def _when(self, now):
        """An event's time: the real-time clock's UTC seconds, else `now`."""
        return now if self.realtime is None else self.realtime.now()

    # an event is [time, code, a, b] and, for tokens, source and units (token_entry)
    def _event(self, now, code, a=0, b=0, *more):
        self._evq.append([self._when(now), code, a, b] + list(more))

    def _log_now(self, now, code, a=0, b=0, *more):
        try:
            self._append([self._when(now), code, a, b] + list(more))
        except MemoryError:
            pass  # best effort, like the log itself

    # --- relay ------------------------------------------------------------------------
    def _decide(self, now):
        """relay_policy.decide on the meter's state; out of credit counts
        unless a friendly credit period (meter.payment) holds."""
        a, p = self.account, self.payment
        return rp.decide(self.control_state, self.control_mode, self.cts.ended(),
                         self.tamper_opens and a.tamper, a.power_tripped(now),
                         a.out_of_credit() and (p is None or a.status != ac.ACTIVE
                                                or not p.friendly_now()),
                         self.fault)

    def _update_relay(self, now, queue):
        closed, reason, _ = self._decide(now)
        if closed != self.relay_closed:
            prev = self.relay_reason
            self.relay_closed, self.relay_reason = closed, reason
            self.relay.set(closed)
            code, arg = (vocab.EV_RELAY_CLOSED, prev) if closed else (vocab.EV_RELAY_OPENED, reason)
            if queue:
                self._event(now, code, arg)
            else:
                self._log_now(now, code, arg)
        else:
            self.relay_reason = reason
        low = self.account.low_credit()
        if low and not self.low_credit:
            self._log_now(now, vocab.EV_LOW_CREDIT, self.account.available())
        self.low_credit = low

    # --- tokens ---------------------------------------------------------------------------
    def enter_token(self, text, source=vocab.REMOTE, token=None):
        """Processes one token (20 digits) from `source` (vocab.REMOTE,
        vocab.KEYPAD); `token` is what its carrier delivered (default: the
        digits). Returns (result code, info dict). The result is final: an
        accepted token has been committed before this returns."""
        now = self.clock()
        if self.fault == vocab.FAULT_MEMORY:
            self._retry_load(now)  # the next attempt tries again
        if self.cts.ended() or self.fault >= vocab.FAULT_MEMORY:  # CTS-19 (docs/cts.md: Lockout)
            self._log_now(now, vocab.EV_TOKEN_REJECTED, vocab.LOCKOUT, -1, source, 0)
            code, info = vocab.LOCKOUT, {"reason": "cts ended" if not self.fault else "fault"}
        else:
            try:
                code, info = self._token(now, text, source)
            except MemoryError:  # even after a collection: nothing changed
                code, info = vocab.RESOURCE, _NO_MEMORY
                self._log_now(now, vocab.EV_FAULT, vocab.FAULT_MEMORY, vocab.AT_TOKEN)
        self.last_token = (source, code, info.get("units", 0), self._when(now),
                           text.encode() if token is None else token)
        if source != vocab.KEYPAD and self.display is not None:
            self.display.show(vocab.result_display(code))
        return code, info

    def _token(self, now, text, source):
        loads = not_loaded(_TOKEN_CODE)
        try:
            d = retry_on_memory(self._process or module("sts.processor").process, self.sts, text,
                                None, self.sts_settings)
            # plain values: once the engine is unloaded nothing refers to its code,
            # so token_entry and the commit can use its heap
            d = d.result, getattr(d.token, "tid", None), d.effect, d.state
            unload(*loads)
            code, info, change, events = module("meter.token_entry").outcome(
                *d, self.account, self.effect, source, self.payment)
        finally:
            unload(*loads)
        if change is None:  # rejected, or a test token: only the result is remembered
            self.last_result = code
        self._transact(now, change, events)
        if change is not None:
            info["credit"] = self.account.available()
        return code, info

    # --- metering -----------------------------------------------------------------------------
    def consume(self, wh):
        """Energy from the injected source (pulses or register increments,
        Wh); negative: export from a bidirectional source (registered, and
        credited when a charge prices it: docs/payment.md)."""
        if not wh or self.fault >= vocab.FAULT_MEMORY:
            return
        now = self.clock()
        was_out = self.account.out_of_credit()
        ec = self.account.ec_active
        if self.payment is None:
            self.account.consume(wh)
        else:
            self.payment.consume(self.account, wh)
        if wh < 0:
            self.uncommitted_x -= wh
        self.uncommitted_wh += wh if wh > 0 else -wh
        if self.account.ec_active and not ec:
            self._event(now, vocab.EV_EMERGENCY_CREDIT, self.account.ec_amount)
        out = self.account.out_of_credit()
        if not self.fault and (self.uncommitted_wh >= self.commit_wh or (out and not was_out)
                               or self._evq):
            self._save(now)  # in FAULT_SAVE only tick() tries again
        self._update_relay(now, False)

    def energy_register(self, total_wh, modulus=1 << 32):
        """For register-type energy sources (a metering IC's kWh counter):
        `total_wh` is the absolute reading; the increase since the previous
        reading is consumed (wrapping at `modulus`). The first reading after
        power-up only sets the baseline (nothing is drawn while unpowered)."""
        last = self._energy_last
        self._energy_last = total_wh
        if last is not None:
            self.consume((total_wh - last) % modulus)

    def set_power(self, watts):
        """Instantaneous demand from the metering front end (W)."""
        now = self.clock()
        self.power_w = watts
        if self.account.check_power(watts, now):
            self._log_now(now, vocab.EV_POWER_LIMIT_TRIP, watts, self.account.mpl_w)
        self._update_relay(now, False)

    def tick(self, now=None):
        """Called by the board at least every 5 s (CTS-14): CTS timer, the
        metering commit interval, power-limit reconnect, relay."""
        now = self.clock() if now is None else now
        if self.cts.tick(now):
            if self.cts.ended():
                self._event(now, vocab.EV_CTS_EXITED, self.cts.exit_reason, self.cts.elapsed_s)
            self._save(now)
        elif self.fault:
            if self.fault != vocab.FAULT_STATE and now - self._fault_at >= RETRY_S:
                self._fault_at = now
                if self.fault == vocab.FAULT_MEMORY:
                    self._retry_load(now)
                else:
                    self._save(now)
        elif self.uncommitted_wh and now - self.last_commit_s >= self.commit_interval_s:
            self._save(now)
        if self.payment is not None and not self.fault:
            self.payment.tick(self)  # collections and tariff steps due (change)
        self._update_relay(now, False)

    def power_down(self):
        """Brown-out warning from the board: flush uncommitted consumption."""
        now = self.clock()
        self._event(now, vocab.EV_POWER_DOWN)
        self._save(now)

    def log_event(self, code, a=0, b=0):
        """Log an event of another part of the meter (the DLMS server's
        security and fault events) at once, best effort, in the meter's event
        ring. When another record could not be saved, the meter tries its own
        commit (at most once a minute): if the flash cannot be written it is in
        FAULT_SAVE too, with the relay open and the fault on the display."""
        now = self.clock()
        self._log_now(now, code, a, b)
        if code == vocab.EV_FAULT and a == vocab.FAULT_SAVE and not self.fault \
                and (self._probe_s is None or now - self._probe_s >= RETRY_S):
            self._probe_s = now
            self._save(now)

    # --- CTS test mode (the commands: meter.commands) --------------------------------------
    def cts_ended(self):
        return self.cts.ended()

    # --- display texts ------------------------------------------------------------------------
    def credit_text(self):
        """The idle display: the credit (EC: emergency credit in use, LOW, OFF:
        switched off by command until reconnected), or the fault while there is one."""
        if self.fault:
            return vocab.fault_display(self.fault)
        from meter.keypad import format_units
        a = self.account
        return "%s %s%s%s%s" % ("Cr" if a.payment_mode == ac.PREPAYMENT else "Bal",
                                format_units(a.available(), a.metered),
                                " EC" if a.ec_active else "",
                                " LOW" if a.low_credit() and not a.out_of_credit() else "",
                                " OFF" if self.control_state != rp.CONNECTED else "")

