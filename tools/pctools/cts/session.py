"""The DLMS side of the conformance runner: any meter with a class 115 token
gateway, through pctools.meterclient (gurux-dlms) as the management client.
Every chunk on the link is recorded for the report of a failing step."""
from gurux_dlms.enums import DataType
from gurux_dlms.objects import (GXDLMSCredit, GXDLMSData, GXDLMSDisconnectControl,
                                GXDLMSRegister, GXDLMSTokenGateway)

from dlms import obis
from pctools.meterclient import client_from_args

OBIS_GATEWAY = obis.to_text(obis.TOKEN_GATEWAY)
OBIS_CREDIT = obis.to_text(obis.CREDIT_TOKEN)
OBIS_DRN = obis.to_text(obis.DEVICE_ID)
OBIS_DISCONNECT = obis.to_text(obis.DISCONNECT_CONTROL)
OBIS_MPL = obis.to_text(obis.MAX_POWER_LIMIT)
OBIS_CTS = obis.to_text(obis.CTS_MODE)
OBIS_CTS_STATUS = obis.to_text(obis.CTS_STATUS)
OBIS_FIRMWARE_ID = obis.to_text(obis.FIRMWARE_ID)

HARDWARE_FAULT = 1  # action-result hardware-fault (dlms.md 5.2)


class CommError(Exception):
    pass


class NotAvailable(Exception):
    """The meter refused to read an attribute (not a link problem)."""


class Gateway:
    """The meter as the runner sees it: enter a token, read status and
    registers. `log`: the exchange since it was last emptied, as (direction,
    bytes): "TX" to the meter, "RX" from it, "APP" the plain meaning of a
    request (the frames are ciphered)."""

    def __init__(self, args):
        self.log = []
        self.mc = client_from_args(args, tap=self._record)
        self.mpl_obis = args.mpl_obis

    def _record(self, direction, data):
        log = self.log
        if direction == "RX" and log and log[-1][0] == "RX":
            log[-1] = ("RX", log[-1][1] + data)  # one reply, however it arrived
        else:
            log.append((direction, data))

    def _call(self, fn):
        try:
            return fn()  # (meterclient keeps gurux's per-APDU prints off stdout)
        except CommError:
            raise
        except Exception as exc:  # serial, socket, timeouts, gurux protocol errors
            raise CommError("%s: %s" % (type(exc).__name__, exc))

    def open(self):
        self._call(self.mc.open)
        return self

    def close(self):
        try:
            self.mc.close()
        except Exception:
            pass

    def _raw(self, requests):
        return self._call(lambda: self.mc.exchange(requests))

    def _get(self, obj, attr):
        """GET one attribute; NotAvailable when the meter answers with a
        data-access-result error (e.g. object undefined)."""
        reply = self._raw(self.mc.client.read(obj, attr))
        if reply.error:
            self.note("GET %d %s attr %d -> data-access-result %d"
                      % (obj.objectType, obj.logicalName, attr, reply.error))
            raise NotAvailable("%s attribute %d: data-access-result %d"
                               % (obj.logicalName, attr, reply.error))
        return self._call(lambda: self.mc.client.updateValue(obj, attr, reply.value))

    def enter(self, octets):
        """Method 1 enter(octet-string); returns the action result (0 = success)."""
        tg = GXDLMSTokenGateway(OBIS_GATEWAY)
        err = self._raw(self.mc.client.method(tg, 1, bytes(octets), DataType.OCTET_STRING)).error
        self.note("ACTION 115 %s method 1 enter(octet-string %s) -> action result %d"
                  % (OBIS_GATEWAY, bytes(octets).hex(), err))
        if err == HARDWARE_FAULT:
            # the meter failed while processing: as good as a reset in the middle
            # of the step, not an STS outcome (run again with --resume)
            raise CommError("the meter reported a hardware fault while processing the token "
                            "(action result 1)")
        return err

    def note(self, text):
        """The plain meaning of the frames just logged (they are ciphered)."""
        self.log.append(("APP", text.encode()))

    def status(self):
        """token_status -> (status_code, data_value as an integer)."""
        tg = GXDLMSTokenGateway(OBIS_GATEWAY)
        self._get(tg, 6)
        dv = str(tg.dataValue or "")
        self.note("GET 115 %s attr 6 token_status -> {status_code %s, data_value '%s'}"
                  % (OBIS_GATEWAY, tg.statusCode, dv))
        return int(tg.statusCode), (int(dv, 2) if dv else 0)

    def credit(self):
        c = GXDLMSCredit(OBIS_CREDIT)
        v = int(self._get(c, 2))
        self.note("GET 112 %s attr 2 current_credit_amount -> %d" % (OBIS_CREDIT, v))
        return v

    def mpl(self):
        r = GXDLMSRegister(self.mpl_obis)
        v = int(self._get(r, 2))
        self.note("GET 3 %s attr 2 -> %d" % (self.mpl_obis, v))
        return v

    def _data(self, ln):
        return self._get(GXDLMSData(ln), 2)

    def drn(self):
        v = self._data(OBIS_DRN)
        return v.decode() if isinstance(v, (bytes, bytearray)) else str(v)

    def firmware_id(self):
        """The active firmware identifier (1.0.0.2.0.255, IEC 62056-6-1) as
        text, or None when the meter has no such object."""
        try:
            v = self._data(OBIS_FIRMWARE_ID)
        except NotAvailable:
            return None
        if isinstance(v, (bytes, bytearray)):
            v = bytes(v)
            text = v.decode("ascii", "replace")
            return text if text.isprintable() else v.hex()
        return None if v is None else str(v)

    def cts_write(self, uut):
        """Write the CTS register (unsigned); returns the data-access result (0 = success)."""
        d = GXDLMSData(OBIS_CTS)
        d.value = uut
        d.setDataType(2, DataType.UINT8)
        err = self._raw(self.mc.client.write(d, 2)).error
        self.note("SET 1 %s attr 2 unsigned %d -> data-access-result %d" % (OBIS_CTS, uut, err))
        return err

    def cts_status(self):
        """[state 0 never / 1 active / 2 ended, UUT, timer s, exit reason]."""
        v = [int(x) for x in self._data(OBIS_CTS_STATUS)]
        self.note("GET 1 %s attr 2 -> %s" % (OBIS_CTS_STATUS, v))
        return v

    def relay_closed(self):
        return bool(self._get(GXDLMSDisconnectControl(OBIS_DISCONNECT), 2))
