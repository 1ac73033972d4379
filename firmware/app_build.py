# The build of app.App: makes the meter, its clock, stores and DLMS server
# from the provisioning data (provision.py). It runs once per boot, so its
# code is loaded for it (App.__init__) and unloaded with the rest of the
# build's code at its end (docs/benchmarks.md, heap).
import bootslot
import vocab
from compat import const, unload
from store.fs import ensure_dir
from store.state import StateStore
from store.eventlog import EventLog
from meter.meter import Meter
from meter.keypad import Keypad

_EVENT_CAPACITY = const(120)  # events in the journal (store.eventlog)
_CAPTURE_S = const(900)  # meter.recorder.CAPTURE_S (app._CAPTURE_S)
_POWER_DOWN = const(0x80)  # meter.recorder.POWER_DOWN


def build(self, provision, fs, clock, wallclock, relay, random_bytes, display=None,
          data_dir="data", hdlc_settings=None, hdlc_addresses=(1,), ui_clock=None,
          rtc_battery=True):
    """app.App(...) of app `self` (the arguments: app.App)."""
    from binding.object_list import dlms_server
    import provision as prov
    from dlms import obis
    from meter.realtime import RealTime
    self.clock = clock
    self.ui_clock = ui_clock or clock
    self.display = display
    self.fs = fs
    self._image_key = bytes.fromhex(prov.value(provision, "image_key"))
    self._images = None
    self._restart_in = None
    try:
        ensure_dir(fs, data_dir)
    except OSError:  # unwritable storage must not stop the start (the meter says so)
        pass
    self.eventlog = EventLog(fs, data_dir + "/events", _EVENT_CAPACITY)
    self.store = StateStore(fs, data_dir + "/meter")
    # the real-time clock resumes no earlier than the newest event (order across cuts)
    self.realtime = rt = RealTime(wallclock, clock, StateStore(fs, data_dir + "/clock"),
                                  rtc_battery, (self.eventlog.newest or (0,))[0])
    self._logs = data_dir + "/logs/"  # one folder for every profile and event log
    self._rec = self.meter = None  # meter.recorder.Recorder: made on use (recorder())
    t = rt.now()  # its state (meter.recorder.new_state): the first interval began with
    self._rec_state = [_POWER_DOWN, t - t % _CAPTURE_S]  # a power-up; captured at its end
    self._filing = []  # logged events waiting for their DLMS event log (record)
    meter_config = prov.value(provision, "meter")
    # the tariffs' local time is the COSEM clock's (time zone and DST): App.local,
    # not a function of this module, which would keep its code in the heap
    self.meter = Meter(meter_config, self.store, prov.sts_state(provision), clock, relay,
                       display, self.eventlog, self.local, rt, self.record)
    rt.on_event = self.meter.log_event
    if rt.resumed:
        self.meter.log_event(vocab.EV_CLOCK_INVALID)
    self.keypad = Keypad(self.meter, display, meter_config.get("keypad"))
    # what the DLMS server needs from the provisioning, read before its code
    # loads: the meter's build code leaves first (its record loaded, the clock
    # resumed; the provisioning read): the two are not in the heap together
    config = (prov.dlms_config(provision, random_bytes),
              tuple(prov.value(provision, "token_formats")),
              prov.value(provision, "token_reject_is_error"))
    manufacturer = prov.value(provision, "manufacturer")
    auth_limits = prov.value(provision, "auth_lockout")
    damaged = provision and provision.get(prov.DAMAGED)
    prov = None
    unload("provision", "meter.commands", "meter.clock_adjust", "store.state_read",
           "store.codec_read")
    self.server = dlms_server(
        self.meter, *config, firmware=self, keypad=self.keypad, profiles=self.recorder,
        manufacturer=manufacturer, clock=rt, store=StateStore(fs, data_dir + "/dlms"),
        hdlc_addresses=hdlc_addresses, hdlc_settings=hdlc_settings,
        auth_store=StateStore(fs, data_dir + "/auth"), auth_limits=auth_limits,
        on_event=self.meter.log_event, store_expected=not self.meter.fresh)
    if damaged:
        self.meter.set_fault(vocab.AT_PROVISION)
    if self.eventlog.damaged:  # a file stood where the events folder should be
        self.meter.log_event(vocab.EV_FAULT, vocab.FAULT_RECORD, vocab.AT_EVENTS)
    self.gateway = self.server.model.find(115, obis.TOKEN_GATEWAY)  # shows meter.last_token
    self.keypad.show_idle()
    rec = bootslot.read(fs)
    if rec[3] == bootslot.NOTE_ROLLED_BACK:
        self.meter.log_event(vocab.EV_FW_ROLLED_BACK, 1 - rec[0], rec[0])
        bootslot.rollback_logged(fs)
    self.firmware_on_trial = bootslot.on_trial(rec)
    # only the build reads the provisioning, the objects' logical names,
    # their list, makes the DLMS server, reads the stored records, resumes
    # the clock, loads the meter's record and runs this: their code is freed
    unload("dlms.obis", "binding.object_list", "dlms.server_build",
           "store.state_read", "store.codec_read", "meter.clock_adjust", "meter.commands",
           "app_build")
