# mp-heap: 384k
# (the whole meter, app.App, compiled from source on the 64-bit unix port)
# Portable: the COSEM objects made on first access (dlms.cosem.ObjectModel
# entries) live for one session: when the HDLC link goes down (DISC) they are
# dropped and, on MicroPython, the code that making them loaded leaves the heap
# (compat.unload); the next session makes them again and reads the same values.
import sys

import heap_session
from dlms import obis
from hdlc_testclient import Client, frames_in
from meter_ramfs import RamFs

_LAZY = "binding.account_objects"  # the credit objects' module, made on first access


def _session_ends(srv):
    cl = Client()
    for frame in (cl.snrm(), cl.disc()):
        srv.receive_data(frame, 0)
        assert len(frames_in(srv.data_to_send())) == 1  # UA to both


def test_objects_made_in_a_session_leave_with_it():
    a = heap_session.build_app(RamFs())
    m = a.server.model
    loaded_before = _LAZY in sys.modules  # another test of this process may hold it
    credit = m.find(112, obis.CREDIT_TOKEN)
    assert m.find(112, obis.CREDIT_TOKEN) is credit  # made once in a session
    assert _LAZY in sys.modules
    value = credit.get(2, None)
    _session_ends(a.server)
    if sys.implementation.name == "micropython" and not loaded_before:
        assert _LAZY not in sys.modules  # unloaded with the session
    again = m.find(112, obis.CREDIT_TOKEN)
    assert again is not credit and again.get(2, None) == value
    # objects the server made itself stay: the token gateway is the app's
    assert m.find(115, obis.TOKEN_GATEWAY) is a.gateway


def test_cipher_tables_leave_with_the_session():
    # the key sets' AES-GCM tables are made again next time; the associations
    # stay, released (each keeps its last AARE for the next session like it)
    a = heap_session.build_app(RamFs())
    srv = a.server
    k = srv.keys.get(1)
    k.cipher()
    srv._association(16)
    assert srv.associations and k.aes_gcm is not None
    _session_ends(srv)
    assert k.aes_gcm is None
    assert [x.state for x in srv.associations.values()] == [0]  # released
    assert k.cipher() is not None  # made again on use
