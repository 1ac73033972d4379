"""Issue 12 items 1 and 3 against the whole meter (app.App behind the host
board's HDLC-over-TCP adapter) with the unmodified clients: key renewal with
gurux-dlms' GXDLMSSecuritySetup.globalKeyTransfer and with dlms-cosem's
wrap_key plus a plain ACTION; an invocation counter of 0xFFFFFFFF; LLS
guessing refused and locked across a restart; the keypad lock-out across a
restart of the App on a real file system. docs/security.md."""
import pytest
from dlms_cosem import cosem as dc_cosem, enumerations as en, utils
from dlms_cosem.client import DlmsClient
from dlms_cosem.cosem import Obis
from dlms_cosem.io import BlockingTcpIO, HdlcTransport
from dlms_cosem.security import (HighLevelSecurityGmacAuthentication, NoSecurityAuthentication,
                                 SecurityControlField, wrap_key)
from gurux_dlms.objects import GXDLMSData, GXDLMSSecuritySetup
from gurux_dlms.objects.enums import GlobalKeyType

import provision
from dlms import obis
import vocab
from boards.host.hostmeter import HostMeter
from meter_tcp import MeterTcp, meter, vend  # noqa: F401 (fixture)
from pctools.meterclient import MANAGEMENT, READER, MeterClient

T = obis.to_text
KEK = bytes.fromhex(provision.DEV_PROVISION["kek"])
EK2 = bytes(range(0x20, 0x30))
AK2 = bytes(range(0x40, 0x50))


def events_of(m, code):
    return [e for e in m.call(m.app.eventlog.entries) if e[2] == code]


def published_ic(m):
    with MeterClient(m.url, client=16) as c:
        return int(c.read(GXDLMSData(T(obis.INVOCATION_COUNTER)), 2))


def ldn(c):
    return bytes(c.read(GXDLMSData(T(obis.LOGICAL_DEVICE_NAME)), 2))


def test_gurux_global_key_transfer_renews_keys_which_outlive_a_restart(meter):
    with MeterClient(meter.url, client=MANAGEMENT) as c:
        ss = GXDLMSSecuritySetup(T(obis.SECURITY_SETUP))
        reply = c.exchange(ss.globalKeyTransfer(c.client, KEK,
                                                [(GlobalKeyType.UNICAST_ENCRYPTION, EK2),
                                                 (GlobalKeyType.AUTHENTICATION, AK2)]))
        assert reply.error == 0
    assert [e[3:] for e in events_of(meter, vocab.EV_DLMS_KEYS_RENEWED)] == [(1, 3)]
    assert published_ic(meter) == 0  # the counters start again with the new keys
    with MeterClient(meter.url, client=MANAGEMENT, block_cipher_key=EK2,
                     authentication_key=AK2) as c:
        assert ldn(c) == b"STS11111111115"
    meter.restart()  # the renewed keys are durable and override the provisioned ones
    with MeterClient(meter.url, client=MANAGEMENT, block_cipher_key=EK2,
                     authentication_key=AK2) as c:
        assert ldn(c) == b"STS11111111115"
    with pytest.raises(Exception):
        MeterClient(meter.url, client=MANAGEMENT).open()


def test_dlms_cosem_key_transfer_with_its_wrap_key(meter):
    def client(ek, ak):
        with DlmsClient(transport=transport(meter, 16),
                        authentication=NoSecurityAuthentication()).session() as s:
            ic = utils.parse_as_dlms_data(s.get(IC))
        return DlmsClient(transport=transport(meter, 1),
                          authentication=HighLevelSecurityGmacAuthentication(challenge_length=16),
                          encryption_key=ek, authentication_key=ak, client_system_title=b"DLMSCOSM",
                          client_initial_invocation_counter=ic)

    sc = SecurityControlField(security_suite=0)
    param = (b"\x01\x02" + b"\x02\x02\x16\x00\x09\x18" + wrap_key(sc, KEK, EK2)
             + b"\x02\x02\x16\x02\x09\x18" + wrap_key(sc, KEK, AK2))
    with client(bytes(range(16)), bytes(range(0xD0, 0xE0))).session() as s:
        s.action(KEY_TRANSFER, param)
    with client(EK2, AK2).session() as s:
        assert utils.parse_as_dlms_data(s.get(LDN)) == b"STS11111111115"


def test_ic_ffffffff_leaves_the_management_client_usable(meter):
    with pytest.raises(Exception):
        MeterClient(meter.url, client=MANAGEMENT, invocation_counter=0xFFFFFFFF).open()
    assert published_ic(meter) == 0  # readable, and nothing was recorded
    with MeterClient(meter.url, client=MANAGEMENT) as c:
        assert ldn(c) == b"STS11111111115"
    meter.restart()
    with MeterClient(meter.url, client=MANAGEMENT) as c:
        assert ldn(c) == b"STS11111111115"


def test_lls_guessing_is_refused_and_the_lock_out_survives_a_restart(tmp_path):
    # provisioned: locked for 600 s from the first failure (the growing
    # delays before it are in host_tests/portable/test_dlms_association_security.py)
    m = MeterTcp(str(tmp_path), {"auth_lockout": {"after": 1, "base_s": 1, "lock_s": 600}})
    try:
        for guess in (b"a", b"b", b"c", b"Gurux"):
            with pytest.raises(Exception) as e:
                MeterClient(m.url, client=READER, password=guess).open()
        assert "transient" in str(e.value)  # the right password too, while locked
        assert m.call(lambda: m.app.server.guard.fails[READER][0]) == 1  # the rest unseen
        assert [e[3:] for e in events_of(m, vocab.EV_DLMS_AUTH_LOCKED)] == [(READER, 600)]
        m.restart()
        with pytest.raises(Exception) as e:
            MeterClient(m.url, client=READER).open()
        assert "transient" in str(e.value)
        with MeterClient(m.url, client=16) as c:  # other clients are not affected
            assert c.read(GXDLMSData(T(obis.LOGICAL_DEVICE_NAME)), 2)
    finally:
        m.stop()


def test_keypad_lock_out_survives_a_restart_of_the_meter(tmp_path):
    def build():
        return HostMeter(str(tmp_path), clock=lambda: 100, wallclock=lambda: 0).app

    def type_in(a, digits):
        for d in digits:
            a.key(d)
        return a.key("#")

    a = build()
    for wrong in ("12345678901234567890", "11111111111111111111", "22222222222222222222"):
        assert type_in(a, wrong) != vocab.ACCEPT
    good = vend("5", 9)
    assert type_in(a, good) == vocab.LOCKOUT
    a = build()  # power cycle: a new App on the same files
    assert type_in(a, good) == vocab.LOCKOUT and a.meter.account.credit[0] == 0


IC = dc_cosem.CosemAttribute(en.CosemInterface.DATA, Obis(0, 0, 43, 1, 0), 2)
LDN = dc_cosem.CosemAttribute(en.CosemInterface.DATA, Obis(0, 0, 42, 0, 0), 2)
KEY_TRANSFER = dc_cosem.CosemMethod(en.CosemInterface.SECURITY_SETUP, Obis(0, 0, 43, 0, 0), 2)


def transport(m, sap):
    return HdlcTransport(client_logical_address=sap, server_logical_address=1,
                         io=BlockingTcpIO(host="127.0.0.1", port=m.port, timeout=5), timeout=5)

