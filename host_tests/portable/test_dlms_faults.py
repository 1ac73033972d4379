# mp-heap: 224k
# Portable: a DLMS exchange that runs out of memory, or whose counters cannot
# be saved, answers with a readable status and keeps the link (issue 10 item 7,
# issue 12 item 2). Heap: the composed server from source, as test_dlms_server.
from binding import object_list
from meter.realtime import RealTime
import vocab
from dlmsdata import apdu
from dlmshelp import config
from hdlc_testclient import Client
from test_dlms_server import (GW, TITLE, TOKEN, Meter, Store, _call, _open, connect,
                              exchange)

LDN = b"\xc0\x01\xc1\x00\x01\x00\x00\x2a\x00\x00\xff\x02\x00"  # GET 0.0.42.0.0.255 attr 2
ENTER = b"\xc3\x01\xc1" + GW + b"\x01\x01\x09\x14" + TOKEN
STATUS = b"\xc0\x01\xc1" + GW + b"\x06\x00"


class Flaky:
    def __init__(self, fn, fail):
        self.fn, self.fail = fn, fail

    def __call__(self, *args):
        if self.fail:
            self.fail -= 1
            raise MemoryError()
        return self.fn(*args)


def _server(store=None, meter=None):
    log = []
    s = object_list.dlms_server(meter or Meter(), config(TITLE), store=store or Store(),
                            clock=RealTime(lambda: 848000000),
                            on_event=lambda code, a, b: log.append((code, a, b)))
    return s, log


def _public(s):
    cl = Client(16)
    connect(s, cl)
    assert exchange(s, cl, apdu("aarq_public"))[0] == 0x61
    return cl


def test_a_get_that_runs_out_of_memory_once_is_retried():
    s, log = _server()
    o = s.model.find(1, b"\x00\x00\x2a\x00\x00\xff")
    o.get = Flaky(o.get, 1)
    cl = _public(s)
    assert exchange(s, cl, LDN)[:5] == b"\xc4\x01\xc1\x00\x09"  # the name, octet-string
    assert s.model.memory_faults == 0 and log == []


def test_a_get_out_of_memory_twice_is_temporary_failure_with_an_event():
    s, log = _server()
    o = s.model.find(1, b"\x00\x00\x2a\x00\x00\xff")
    o.get = Flaky(o.get, 2)
    cl = _public(s)
    assert exchange(s, cl, LDN) == b"\xc4\x01\xc1\x01\x02"  # data-access-result temporary-failure
    assert log == [(vocab.EV_FAULT, vocab.FAULT_MEMORY, vocab.AT_DLMS)]
    assert exchange(s, cl, LDN)[:4] == b"\xc4\x01\xc1\x00"  # the link and association go on


def test_an_apdu_out_of_memory_twice_is_answered_not_dropped():
    s, log = _server()
    cl = _public(s)
    a = s.associations[16]
    a.receive = Flaky(a.receive, 2)
    assert exchange(s, cl, LDN) == b"\xd8\x01\x01"  # exception-response: operation-not-possible
    assert log == [(vocab.EV_FAULT, vocab.FAULT_MEMORY, vocab.AT_DLMS)]
    a.receive = Flaky(a.receive.fn, 1)  # once: the retry after a collection answers
    assert exchange(s, cl, LDN)[:4] == b"\xc4\x01\xc1\x00"


class _MeterOutOfMemory(Meter):
    def enter_token(self, text, source=vocab.REMOTE, token=None):
        self.token_refused(source, vocab.RESOURCE, token)
        return vocab.RESOURCE, {"reason": "memory"}


def test_a_token_out_of_memory_is_temporary_failure_and_not_processed():
    s, log = _server(meter=_MeterOutOfMemory())
    g = _open(s, 0x10)
    assert _call(s, g, ENTER, 0x12) == b"\xc7\x01\xc1\x02\x00"  # action-result temporary-failure
    # token_status: (8) not yet processed, data_value the meter's result 17, never Not ready
    assert _call(s, g, STATUS, 0x13) == b"\xc4\x01\xc1\x00\x02\x02\x16\x08\x04\x08\x11"


class _FailingStore(Store):
    broken = False

    def commit(self, d):
        if self.broken:
            raise OSError(30)
        Store.commit(self, d)


def test_counters_that_cannot_be_saved_give_hardware_fault_without_running_the_action():
    store = _FailingStore()
    s, log = _server(store)
    g = _open(s, 0x10)
    store.broken = True
    m = s.model.find(115, GW[2:]).meter
    assert _call(s, g, ENTER, 0x12) == b"\xc7\x01\xc1\x01\x00"  # hardware-fault
    assert m.entered == 0  # not run: its counter could not be made durable (no replay)
    assert (vocab.EV_FAULT, vocab.FAULT_SAVE, vocab.AT_DLMS) in log
    assert _call(s, g, STATUS, 0x13)[:4] == b"\xc4\x01\xc1\x00"  # GETs go on
    store.broken = False
    assert _call(s, g, ENTER, 0x14) == b"\xc7\x01\xc1\x00\x00" and m.entered == 1


def test_the_meter_never_sends_an_ic_it_could_not_reserve():
    store = _FailingStore()
    s, log = _server(store)
    k = s.keys.get(1)
    g = _open(s, 0x10)
    store.broken = True
    n = 0x12
    while True:  # GETs until the durable reservation is used up
        r = _call(s, g, STATUS, n)
        n += 1
        if r[0] == 0xD8:
            break
        assert n < 0x12 + 2000
    assert r == b"\xd8\x01\x01" and k.tx <= k.reserved == store.data["1"][0]
    assert (vocab.EV_FAULT, vocab.FAULT_SAVE, vocab.AT_KEYS) in log
    s2, _ = _server(store)  # a restart starts at the stored reservation: nothing reused
    assert s2.keys.get(1).tx >= k.tx



class _MeterRaising(Meter):
    def enter_token(self, text, source=vocab.REMOTE, token=None):
        raise MemoryError()


def test_a_token_whose_meter_call_runs_out_of_memory_never_reads_not_ready():
    s, log = _server(meter=_MeterRaising())
    g = _open(s, 0x10)
    assert _call(s, g, ENTER, 0x12) == b"\xc7\x01\xc1\x02\x00"  # temporary-failure
    assert _call(s, g, STATUS, 0x13)[-1] == vocab.RESOURCE  # data_value 17, not 16
    assert (vocab.EV_FAULT, vocab.FAULT_MEMORY, vocab.AT_DLMS) in log


def test_the_link_out_of_memory_loses_the_frame_not_the_meter():
    s, log = _server()
    cl = _public(s)
    real = s.link.receive_data
    s.link.receive_data = Flaky(real, 1)
    s.receive_data(cl.i(b"\xe6\xe6\x00" + LDN), 0)  # lost: no answer, no exception
    assert s.data_to_send() == b"" and log == [(vocab.EV_FAULT, vocab.FAULT_MEMORY, vocab.AT_DLMS)]
    s.link.receive_data = real
    cl.vs = (cl.vs - 1) & 7  # the client sends the same frame again
    assert exchange(s, cl, LDN)[:4] == b"\xc4\x01\xc1\x00"
