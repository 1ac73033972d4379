# The DLMS/COSEM server: HDLC link -> association per client SAP -> COSEM
# objects. It knows only COSEM: the objects that show a meter are given to it
# (firmware/binding). Sans-IO like its parts: receive_data() bytes in,
# data_to_send() bytes out, tick() time in (design.md, dlms.md 1).
#
# Keys and invocation counters (dlms.md 6.2) outlive associations and power
# cuts in dlms.keystore; the server commits the last accepted client counter
# when an association ends and before any SET or ACTION runs, so that no
# recorded command can be replayed after a power cut. Authentication failures
# are rate-limited per client by dlms.auth_guard (docs/security.md).
#
# Failures (docs/security.md "Storage damage and failures"): when the counter
# cannot be committed, a SET or ACTION is answered hardware-fault without
# running; running out of memory is retried once after a collection, then
# answered temporary-failure (inside an object) or exception-response
# operation-not-possible, or in the link itself the frame is dropped (the
# client repeats it), with a FAULT event. Neither drops the link.
from builtins import isinstance  # module globals: a builtin is found by a linear search
from compat import retry_on_memory
import vocab
from dlms import axdr, cosem, hdlc_link, xdlms
from dlms import association as assoc_mod

# client SAP -> association level (docs/dlms.md)
DEFAULT_LEVELS = {16: cosem.PUBLIC, 17: cosem.READER, 1: cosem.MANAGEMENT}


class Context:
    """Passed to COSEM objects: who is asking (assoc: the
    dlms.association.Association; level: its access level), and what they
    may reach (server)."""

    def __init__(self, server, a, level):
        self.server = server
        self.assoc = a
        self.level = level


class DlmsServer:
    """config: dlms.association.ServerConfig; objects: the COSEM objects
    (dlms.cosem.CosemObject; a meter's are binding.object_list.objects); ldn: the
    logical device name (bytes); store: a StateStore for the keys and
    invocation counters, auth_store one for the authentication failures
    (None: RAM only); auth_limits: the auth_guard limits (None: its
    defaults); on_event(code, a, b): an event log (the meter's; None: no
    events); store_expected: the keys record must exist (dlms.keystore).
    Time comes only from tick(now_ms); the clock is an object (class 8)."""

    def __init__(self, *args, **kw):
        # DlmsServer(config, objects, ldn, store=None, hdlc_addresses=(1,),
        # hdlc_settings=None, levels=None, auth_store=None, auth_limits=None,
        # on_event=None, store_expected=False): dlms.server_build.server
        from dlms import server_build
        server_build.server(self, *args, **kw)

    # -- bytes in, bytes out ---------------------------------------------------
    # data_to_send() -> the bytes to send: the link's method itself, an
    # attribute of each server (dlms.server_build.server)

    def receive_data(self, data, now_ms=None):
        # the events of the bytes, handled in this one frame (a call less per
        # frame: MicroPython puts frames over 11 words on the heap). send_early:
        # None, or a function (a front end's write) that takes the link's
        # answers as it has them: the UA to an SNRM or a DISC before the work
        # its event brings (a DISC's release), so the client waits for the
        # frame's checks alone, and a response's I-frame. The link writes them
        # (HdlcLink.send_early). An attribute, not an argument, and no local
        # for the bytes: one word more puts this frame on the heap (0.12 M
        # instructions more per token session, dlms_instructions.py --frozen).
        # Without it all waits for data_to_send().
        link = self.link
        try:
            if now_ms is not None:
                self.guard.advance(now_ms)
            link.send_early = self.send_early  # (the link writes its answers: no event between)
            ev = link.receive_event(data, now_ms)
            while ev is not None:
                if isinstance(ev, hdlc_link.ApduReceived):
                    try:
                        resp = retry_on_memory(self.handle_apdu, ev.client_address, ev.apdu)
                    except MemoryError:  # a retry after the IC was taken is answered D8 01 06
                        self._fault(vocab.FAULT_MEMORY)
                        resp = xdlms.exception_response(xdlms.STATE_SERVICE_NOT_ALLOWED,
                                                        xdlms.SERVICE_OPERATION_NOT_POSSIBLE)
                    if resp:
                        link.send_apdu(resp)
                    else:
                        link.acknowledge()
                elif isinstance(ev, hdlc_link.Disconnected):  # (Connected, UiReceived: nothing)
                    self._release_all()
                ev = link.next_event()
        except MemoryError:  # in the link itself: the frame is lost, the client repeats it
            self._out_of_memory()
        # every frame the link writes is written in this call: it keeps no
        # front end's writer (and so no closed connection) after it
        link.send_early = None

    def tick(self, now_ms):
        try:
            self.guard.advance(now_ms)
            self.link.tick(now_ms)
        except MemoryError:
            self._out_of_memory()
            return
        self.receive_data(b"")  # the events of the tick (an inactivity timeout)

    def _out_of_memory(self):
        import gc
        gc.collect()
        self._fault(vocab.FAULT_MEMORY)

    def _fault(self, fault):
        if self.on_event is not None:
            self.on_event(vocab.EV_FAULT, fault, vocab.AT_DLMS)

    def _save_keys(self):
        """Commit the client counters; False (and a FAULT event) if the store fails."""
        try:
            self.keys.save()
            return True
        except OSError:
            self._fault(vocab.FAULT_SAVE)
            return False

    # -- APDUs ----------------------------------------------------------------
    def _association(self, sap):
        a = self.associations.get(sap)
        if a is None:
            a = assoc_mod.Association(self.config, sap, self.keys.get(sap), self.guard)
            if sap in self.config.clients:  # others are refused; keep no state for them
                self.associations[sap] = a
        return a

    def handle_apdu(self, sap, apdu):
        """One complete APDU from client `sap` -> the response APDU or None."""
        a = self._association(sap)
        ev = a.receive(apdu)
        self.keys.after_apdu(sap)
        if ev.kind == assoc_mod.REPLY or ev.kind == assoc_mod.RELEASED:
            if ev.kind == assoc_mod.RELEASED:
                self._save_keys()
            return ev.apdu
        ctx = Context(self, a, self.levels.get(sap, cosem.PUBLIC))
        req = ev.request
        # no SET or ACTION runs unless its counter is durable (no replay after a cut)
        saved = ev.kind == assoc_mod.GET or self._save_keys()
        m = self.model
        faults = m.memory_faults
        try:
            return self._serve(a, ev.kind, req, ctx, saved)
        finally:
            if m.memory_faults != faults:
                self._fault(vocab.FAULT_MEMORY)

    def _serve(self, a, kind, req, ctx, saved):
        m = self.model
        if kind == assoc_mod.GET:
            results = []
            for r in req.refs:
                code, value = m.get(ctx, r.class_id, r.ln, r.index, r.selector, r.parameters)
                results.append(self._encode(value) if code == cosem.SUCCESS else code)
            return a.get_response(req, results)
        if kind == assoc_mod.SET:
            dars = [m.set(ctx, r.class_id, r.ln, r.index, v) if saved else cosem.HARDWARE_FAULT
                    for r, v in zip(req.refs, req.values)]
            return a.set_response(req, dars)
        r = req.ref
        if not saved:
            return a.action_response(req, cosem.HARDWARE_FAULT)
        code, value = m.action(ctx, r.class_id, r.ln, r.index, req.value)
        data = self._encode(value) if value is not None else None
        if not isinstance(data, (bytes, bytearray)):
            code, data = (data or code), None
        resp = a.action_response(req, code, data)
        if self.keys.apply_renewal() is not None:  # key_transfer: answered under the old keys
            a.keys_renewed()
        return resp

    def _encode(self, value):
        """A-XDR bytes of an object's value (RAW: already encoded, bytes or a
        dlms.profile_generic.Stream), or hardware-fault for a value the
        encoder refuses (an object bug, counted in model.errors)."""
        if value[0] == axdr.RAW:
            return value[1]
        try:
            return axdr.encode(value)
        except Exception:
            self.model.errors += 1
            return cosem.HARDWARE_FAULT

    def _release_all(self):
        for a in self.associations.values():
            a.release()
        # the key sets' AES-GCM tables (1.3 KB each on 64-bit, 8 us to make) are
        # made again by the next ciphered session, not kept between (heap)
        for k in self.keys.sets.values():
            k.aes_gcm = None
        self._save_keys()
        self.model.release()  # the objects the session made, and their code

    # -- COSEM views ------------------------------------------------------------
    def object_list(self, level):
        from dlms import object_list_value
        return object_list_value.value(self.model, level)

    def expected_ic(self, sap):
        k = self.keys.get(sap)
        return k.expected() if k is not None else 0
