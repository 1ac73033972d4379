"""Read a meter's main registers, relay, CTS state and event log over DLMS.

Associates as the management client (HLS-GMAC, as tools/send_token.py) and
reads: the meter number, active energy import (Wh), token credit, emergency
credit, account status and available credit, the maximum power limit, the
disconnect control (relay output state, control state, mode), the CTS test
mode register and status, and the newest entries of the event log. Objects:
firmware/dlms/obis.py; event codes and names: firmware/vocab.py, vocab_names.py.

Examples:
  python tools/read_meter.py                                  # the virtual meter
  python tools/read_meter.py --port /dev/ttyUSB0 --json
  python tools/read_meter.py --events 5

Exit status: 0 on success, 2 on a usage or communication error.
"""
import argparse
import json
import sys

from gurux_dlms.objects import (GXDLMSAccount, GXDLMSCredit, GXDLMSData, GXDLMSDisconnectControl,
                                GXDLMSRegister)

import vocab
from dlms import obis
from meter import cts as ctsmod
from vocab_names import EVENTS, RELAY_REASONS
from pctools.meterclient import MeterError, add_connection_args, client_from_args

CONTROL_STATES = {0: "disconnected", 1: "connected", 2: "ready for reconnection"}
CTS_STATES = {ctsmod.NOT_ENTERED: "never entered", ctsmod.ACTIVE: "active", ctsmod.ENDED: "ended"}


def _int(v):
    return int(v) if v is not None else None


def _list(v):
    return list(v) if isinstance(v, (list, tuple)) else []


def read_all(m, events=24):
    """All registers as one dict (plain ints and strings), with the newest
    `events` entries of the event log (0: none)."""
    if events < 0:
        raise ValueError("the number of events is 0 or more, not %d" % events)
    out = {}
    dev = GXDLMSData(obis.to_text(obis.DEVICE_ID))
    v = m.read(dev, 2)
    out["meter_number"] = v.decode() if isinstance(v, (bytes, bytearray)) else str(v)
    energy = GXDLMSRegister(obis.to_text(obis.ACTIVE_ENERGY_IMPORT))
    out["energy_wh"] = _int(m.read(energy, 2))
    credit = GXDLMSCredit(obis.to_text(obis.CREDIT_TOKEN))
    m.read(credit, 2)
    out["credit"] = _int(credit.currentCreditAmount)
    ec = GXDLMSCredit(obis.to_text(obis.CREDIT_EMERGENCY))
    m.read(ec, 2)
    m.read(ec, 8)
    out["emergency_credit"] = _int(ec.currentCreditAmount)
    out["emergency_credit_status"] = _int(ec.status)
    out["account"] = _account(m, GXDLMSAccount(obis.to_text(obis.ACCOUNT)))
    mpl = GXDLMSRegister(obis.to_text(obis.MAX_POWER_LIMIT))
    out["max_power_limit_w"] = _int(m.read(mpl, 2))
    dc = GXDLMSDisconnectControl(obis.to_text(obis.DISCONNECT_CONTROL))
    m.read(dc, 2)
    m.read(dc, 3)
    m.read(dc, 4)
    state = int(dc.controlState)
    out["relay"] = {"closed": bool(dc.outputState), "control_state": state,
                    "control_state_text": CONTROL_STATES.get(state, "?"),
                    "control_mode": int(dc.controlMode)}
    cts_mode = GXDLMSData(obis.to_text(obis.CTS_MODE))
    uut = _int(m.read(cts_mode, 2))
    cts = _list(m.read(GXDLMSData(obis.to_text(obis.CTS_STATUS)), 2))
    out["cts"] = {"uut": uut}
    if len(cts) == 4:
        out["cts"].update({"state": int(cts[0]), "state_text": CTS_STATES.get(int(cts[0]), "?"),
                           "profile": int(cts[1]), "timer_s": int(cts[2]),
                           "exit_reason": int(cts[3])})
    rows = _list(m.read(GXDLMSData(obis.to_text(obis.EVENT_LOG)), 2))
    out["events"] = [_event(r) for r in rows[-events:]] if events else []
    return out


def _account(m, acct):
    m.read(acct, 2)
    m.read(acct, 4)
    m.read(acct, 5)
    mode = int(acct.paymentMode)
    # current_credit_status; gurux numbers the bits from the first: 1 in credit,
    # 2 low credit, 64 out of credit
    bits = int(acct.currentCreditStatus or 0)
    return {"payment_mode": mode, "payment_mode_text": {1: "credit", 2: "prepayment"}.get(mode, "?"),
            "account_status": int(acct.accountStatus),
            "available_credit": int(acct.availableCredit), "credit_status": bits,
            "in_credit": bool(bits & 1), "low_credit": bool(bits & 2),
            "out_of_credit": bool(bits & 64)}


def _event(r):
    r = [int(x) for x in _list(r)]
    seq, t, code, a, b = (r + [0] * 5)[:5]
    e = {"seq": seq, "time_s": t, "code": code, "event": EVENTS.get(code, "?"), "a": a, "b": b}
    if code in (vocab.EV_RELAY_OPENED, vocab.EV_RELAY_CLOSED):
        e["reason"] = RELAY_REASONS.get(a, "?")
    return e


def print_text(d):
    a = d["account"]
    r = d["relay"]
    print("meter number       %s" % d["meter_number"])
    print("energy import      %d Wh" % d["energy_wh"])
    print("credit             %d (token units; 0.1 kWh for an energy meter)" % d["credit"])
    print("emergency credit   %d (status %s)" % (d["emergency_credit"], d["emergency_credit_status"]))
    print("account            %s, available %s%s%s%s" % (
        a["payment_mode_text"], a["available_credit"], ", in credit" if a["in_credit"] else "",
        ", low credit" if a["low_credit"] else "", ", out of credit" if a["out_of_credit"] else ""))
    print("max power limit    %s W" % d["max_power_limit_w"])
    print("relay              %s (%s, control mode %d)" % (
        "closed (load on)" if r["closed"] else "open (load off)", r["control_state_text"],
        r["control_mode"]))
    c = d["cts"]
    print("CTS test mode      %s, UUT %s, timer %s s, exit reason %s" % (
        c.get("state_text", "?"), c.get("uut"), c.get("timer_s"), c.get("exit_reason")))
    print("event log (newest last):")
    for e in d["events"]:
        extra = (" (%s)" % e["reason"]) if "reason" in e else ""
        print("  %5d  t=%-8d %-20s a=%d b=%d%s" % (e["seq"], e["time_s"], e["event"], e["a"],
                                                   e["b"], extra))


def event_count(text):
    """argparse type of --events: a whole number 0 or more."""
    try:
        n = int(text)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError("the number of events is a whole number 0 or more, "
                                         "not %r" % text)
    return n


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog=__doc__.split("\n\n", 1)[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--events", type=event_count, default=24, metavar="N",
                    help="newest event log entries to show (0: none; default 24)")
    add_connection_args(ap)
    args = ap.parse_args(argv)
    try:
        with client_from_args(args) as m:
            d = read_all(m, args.events)
    except (MeterError, OSError, Exception) as exc:  # gurux raises plain Exceptions
        print("error: %s" % exc, file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(d))
    else:
        print_text(d)
    return 0


if __name__ == "__main__":
    sys.exit(main())
