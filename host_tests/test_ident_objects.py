"""Interop (issue 13 item 3): the identification objects and the STS attributes
object read by gurux-dlms and dlms-cosem, unmodified, from the whole meter
(app.App behind the host board's HDLC-over-TCP adapter, host_tests/meter_tcp.py),
per association; and tools/read_meter.py printing them."""
import json
import logging
import os
import subprocess
import sys

import pytest
import structlog
from dlms_cosem import cosem as dc_cosem, enumerations as en, utils
from dlms_cosem.cosem import Obis
from dlms_cosem.client import DataResultError, DlmsClient
from dlms_cosem.io import BlockingTcpIO, HdlcTransport
from dlms_cosem.security import (HighLevelSecurityGmacAuthentication,
                                 LowLevelSecurityAuthentication, NoSecurityAuthentication)
from gurux_dlms.enums import DataType
from gurux_dlms.objects import GXDLMSAssociationLogicalName, GXDLMSData, GXDLMSTokenGateway

import bootslot
from dlms import axdr, obis
from meter_tcp import MeterTcp, vend
from sts import tid as stid
from update.bundle import info_text

from pctools import read_meter
from pctools.meterclient import MANAGEMENT, PUBLIC, READER, DlmsError, MeterClient

structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))

T = obis.to_text
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIGNATURE = bytes(range(64))
IDENT = {obis.LOGICAL_DEVICE_NAME: b"STS11111111115", obis.DEVICE_ID: b"11111111115",
         obis.MANUFACTURER: b"stsmeter", obis.FIRMWARE_ID: b"stsmeter-1.2.0",
         obis.FIRMWARE_VERSION: b"1.2.0", obis.FIRMWARE_SIGNATURE: SIGNATURE}
NOW = 1000  # the meter's powered clock, held still: the keypad lock-out does not run out


@pytest.fixture
def meter(tmp_path):
    """The development meter running firmware "stsmeter-1.2.0" (its slot's INFO)."""
    bootslot._selected[0] = None  # a fresh boot: tests before may have selected slot B
    os.makedirs(str(tmp_path / "lib"))
    (tmp_path / "lib" / "INFO").write_text(info_text("stsmeter-1.2.0", "1.2.0", SIGNATURE.hex()))
    m = MeterTcp(str(tmp_path), clock=lambda: NOW)
    yield m
    m.stop()


def _gurux(m, level):
    return MeterClient(m.url, client=level, password=b"Gurux" if level == READER else None)


def _sts(m):
    """What the meter itself holds (meter.sts_status), read on the server's thread."""
    from meter.sts_status import status
    return m.call(lambda: status(m.meter, m.app.keypad.lockout))


def _minute(t):
    """(y, m, d, hh, mm) -> the COSEM date-time the meter sends (deviation not specified)."""
    return axdr.date_time(t[0], t[1], t[2], t[3], t[4], 0)


@pytest.mark.parametrize("level", [PUBLIC, READER, MANAGEMENT])
def test_gurux_reads_the_identification_and_sts_attributes_per_association(meter, level):
    with _gurux(meter, level) as c:
        for ln, want in IDENT.items():
            v = c.read(GXDLMSData(T(ln)), 2)
            assert (v.encode() if isinstance(v, str) else bytes(v)) == want, T(ln)
        a = GXDLMSAssociationLogicalName()
        c.read(a, 2)
        rights = {o.logicalName: o for o in a.objectList}
        for ln in IDENT:
            assert int(rights[T(ln)].getAccess(2)) == 1  # read only, for every association
        sts = rights[T(obis.STS_ATTRIBUTES)]
        assert int(sts.getAccess(1)) == 1
        if level == PUBLIC:
            assert int(sts.getAccess(2)) == 0
            with pytest.raises(DlmsError) as e:
                c.read(GXDLMSData(T(obis.STS_ATTRIBUTES)), 2)
            assert e.value.code == 3  # read-write-denied
            return
        assert int(sts.getAccess(2)) == 1
        v = c.read(GXDLMSData(T(obis.STS_ATTRIBUTES)), 2)
    s = _sts(meter)
    assert list(v[:7]) == ["11111111115", 7, 123456, 1, 1, 2, 255]
    assert bytes(v[7]) == b"\xff" * 9 + b"\x80\x00\xff"  # KEN 255: the key never expires
    assert v[8] == 2014 and v[9] is None and v[10] is None  # no token accepted yet
    assert list(v[11:]) == [0, 64, 0, 0, False, 0, 0]
    assert s["tids_size"] == 64 and s["last_tid"] is None


def test_gurux_sts_attributes_follow_tokens_and_the_keypad(meter):
    token = vend("3", 7)  # 2026-01-01 00:17, base date 2014
    for _ in range(3):  # three bad entries in a row lock the keypad (sts.settings: 20 s)
        meter.call(lambda: [meter.app.key(k) for k in "12345678901234567890#"])
    with _gurux(meter, MANAGEMENT) as c:
        c.method(GXDLMSTokenGateway(T(obis.TOKEN_GATEWAY)), 1, token.encode(),
                 DataType.OCTET_STRING)
        v = c.read(GXDLMSData(T(obis.STS_ATTRIBUTES)), 2)
    want_tid = stid.from_date(2014, 2026, 1, 1, 0, 17)
    assert v[9] == want_tid and bytes(v[10]) == _minute((2026, 1, 1, 0, 17))
    assert v[11] == 1  # one TID in the memory
    assert list(v[15:]) == [True, 20, 3]
    s = _sts(meter)
    assert (s["last_tid"], s["tids_used"], s["keypad_lock_s"]) == (want_tid, 1, 20)


# --- dlms-cosem -----------------------------------------------------------------------------
IC = dc_cosem.CosemAttribute(en.CosemInterface.DATA, Obis(0, 0, 43, 1, 0), 2)


def _dlms_cosem(m, level):
    io = BlockingTcpIO(host="127.0.0.1", port=m.port, timeout=5)
    t = HdlcTransport(client_logical_address=level, server_logical_address=1, io=io, timeout=5)
    if level == PUBLIC:
        return DlmsClient(transport=t, authentication=NoSecurityAuthentication())
    if level == READER:
        return DlmsClient(transport=t, authentication=LowLevelSecurityAuthentication(secret=b"Gurux"))
    with _dlms_cosem(m, PUBLIC).session() as s:
        ic = utils.parse_as_dlms_data(s.get(IC))
    return DlmsClient(transport=t,
                      authentication=HighLevelSecurityGmacAuthentication(challenge_length=16),
                      encryption_key=bytes(range(16)), authentication_key=bytes(range(0xD0, 0xE0)),
                      client_system_title=b"DLMSCOSM", client_initial_invocation_counter=ic)


def _get(s, ln):
    return utils.parse_as_dlms_data(
        s.get(dc_cosem.CosemAttribute(en.CosemInterface.DATA, Obis(*ln[:5]), 2)))


@pytest.mark.parametrize("level", [PUBLIC, READER, MANAGEMENT])
def test_dlms_cosem_reads_every_new_object(meter, level):
    meter.call(lambda: meter.meter.enter_token(vend("3", 7)))  # a keypad-free token
    with _dlms_cosem(meter, level).session() as s:
        for ln, want in IDENT.items():
            v = _get(s, ln)
            assert (v.encode() if isinstance(v, str) else bytes(v)) == want, T(ln)
        if level == PUBLIC:
            with pytest.raises(DataResultError, match="READ_WRITE_DENIED"):
                _get(s, obis.STS_ATTRIBUTES)
            return
        v = _get(s, obis.STS_ATTRIBUTES)
    assert len(v) == 18 and v[0] == "11111111115" and v[1:7] == [7, 123456, 1, 1, 2, 255]
    assert v[9] == stid.from_date(2014, 2026, 1, 1, 0, 17) and v[11:13] == [1, 64]
    assert bytes(v[10]) == _minute((2026, 1, 1, 0, 17))
    assert v[13:] == [0, 0, False, 0, 0]


# --- tools/read_meter.py ------------------------------------------------------------------
def test_read_meter_prints_identification_and_sts_status(meter):
    meter.call(lambda: meter.meter.enter_token(vend("3", 7)))
    tool = os.path.join(ROOT, "tools", "read_meter.py")
    run = [sys.executable, tool, "--port", meter.url, "--events", "0"]
    out = subprocess.run(run + ["--json"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    assert d["identification"] == {
        "logical_device_name": "STS11111111115", "serial": "11111111115",
        "manufacturer": "stsmeter", "firmware_id": "stsmeter-1.2.0", "firmware_version": "1.2.0",
        "firmware_signature": SIGNATURE.hex()}
    s = d["sts"]
    assert s["drn"] == "11111111115" and s["ea"] == 7 and s["kt_text"] == "DUTK"
    assert s["key_expiry"] is None and s["base_date"] == 2014
    assert s["last_tid_date"] == "2026-01-01 00:17" and s["tids_used"] == 1
    assert s["cts_state_text"] == "never entered" and s["keypad_locked"] is False
    assert "key" not in s  # never a key
    text = subprocess.run(run, capture_output=True, text=True, timeout=60)
    assert text.returncode == 0, text.stderr
    assert "firmware           stsmeter-1.2.0, version 1.2.0, signature 0001020304050607..." in text.stdout
    assert "STS key            KEN 255, expires never, base date 2014" in text.stdout
    assert "STS TIDs           last accepted %d (2026-01-01 00:17), memory 1 of 64" % (
        stid.from_date(2014, 2026, 1, 1, 0, 17)) in text.stdout


def test_read_meter_on_a_meter_without_the_new_objects():
    """An older meter (no STS attributes, no firmware objects): the tool says so."""
    class Old:
        def read(self, obj, attr):
            raise DlmsError(4)
    assert read_meter.read_sts_status(Old()) is None
    assert set(read_meter.read_identification(Old()).values()) == {None}
