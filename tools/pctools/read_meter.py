"""Read a meter's main registers, relay, CTS state and event log over DLMS.

Associates as the management client (HLS-GMAC, as tools/send_token.py) and
reads: the meter number, active energy import (Wh), token credit, emergency
credit, account status and available credit, the maximum power limit, the
disconnect control (relay output state, control state, mode), the CTS test
mode register and status, the newest entries of the event log, the
identification (logical device name, serial, manufacturer, firmware
identifier, version and signature) and the STS status (DRN, EA, SGC, TI, KRN,
KT, KEN and key expiry, base date, last TID, TID memory, CTS, keypad lock-out;
never a key), and on a meter with tariffs (docs/payment.md) the tariff rate
and block, the debt, the free allocation left and each charge. Credit is shown
in the meter's unit (account attribute 15: name and scale), events by name with
what their numbers mean. Objects: firmware/dlms/obis.py,
firmware/binding/payment.py; event codes and names: firmware/vocab.py,
vocab_names.py.

With --profile (load, billing) or --log (standard, fraud, disconnector, power,
token, security, all) it prints those class 7 profiles and event logs instead,
one table each (pctools/profiles.py; docs/dlms.md "Profiles and event logs"):
whole, by date-time range (--from/--to, selective access by range) or by entry
(--entries), event codes with names, and with --plot a PNG of the load
profile's energy per interval (needs matplotlib, not installed by make).

Examples:
  .venv/bin/python tools/read_meter.py                        # the virtual meter
  .venv/bin/python tools/read_meter.py --port /dev/ttyUSB0 --json
  .venv/bin/python tools/read_meter.py --events 5
  .venv/bin/python tools/read_meter.py --profile load --from "2026-11-15 06:00" --to "2026-11-15 12:00"
  .venv/bin/python tools/read_meter.py --profile load --entries 1: --plot load.png
  .venv/bin/python tools/read_meter.py --profile billing --log token --json
  .venv/bin/python tools/read_meter.py --log all --from 2026-11-15T00:00+02:00

Exit status: 0 on success, 2 on a usage or communication error.
"""
import argparse
import json
import sys

from gurux_dlms.objects import (GXDLMSAccount, GXDLMSCharge, GXDLMSCredit, GXDLMSData,
                                GXDLMSDisconnectControl, GXDLMSRegister)

import vocab
from dlms import axdr, obis
from dlms.xdlms import OBJECT_UNDEFINED
from meter import cts as ctsmod
from vocab_names import EVENTS, RELAY_REASONS, event_detail
from pctools import profiles as prof
from pctools.meterclient import DlmsError, MeterError, add_connection_args, client_from_args
from pctools.units import amount, read_unit

CONTROL_STATES = {0: "disconnected", 1: "connected", 2: "ready for reconnection"}
CTS_STATES = {ctsmod.NOT_ENTERED: "never entered", ctsmod.ACTIVE: "active", ctsmod.ENDED: "ended"}
# meter.cts exit reasons (0 and 4 are module-private there: the board holds no name for them)
CTS_EXITS = {0: "-", ctsmod.EXIT_TIMER: "timer ran out", ctsmod.EXIT_SHORT_CODE: "short code 8800",
             ctsmod.EXIT_REGISTER: "register set to 0", 4: "CTS record damaged"}


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
    out["credit_unit"] = read_unit(m)  # {name, scale} of one credit unit, or None
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
                           "exit_reason": int(cts[3]),
                           "exit_reason_text": CTS_EXITS.get(int(cts[3]), "?")})
    rows = _list(m.read(GXDLMSData(obis.to_text(obis.EVENT_LOG)), 2))
    out["events"] = [_event(r) for r in rows[-events:]] if events else []
    out["identification"] = read_identification(m)
    out["sts"] = read_sts_status(m)
    out["payment"] = read_payment(m)
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
    e = {"seq": seq, "time_s": t, "code": code, "event": EVENTS.get(code, "?"), "a": a, "b": b,
         "detail": event_detail(code, a, b)}
    if code in (vocab.EV_RELAY_OPENED, vocab.EV_RELAY_CLOSED):
        e["reason"] = RELAY_REASONS.get(a, "?")
    return e


def print_text(d):
    a = d["account"]
    r = d["relay"]
    print("meter number       %s" % d["meter_number"])
    print("energy import      %d Wh" % d["energy_wh"])
    u = d["credit_unit"]
    print("credit             %s (%d units)" % (amount(d["credit"], u), d["credit"]))
    print("emergency credit   %s (status %s)" % (amount(d["emergency_credit"], u),
                                             d["emergency_credit_status"]))
    print("account            %s, available %s%s%s%s" % (
        a["payment_mode_text"], amount(a["available_credit"], u),
        ", in credit" if a["in_credit"] else "",
        ", low credit" if a["low_credit"] else "", ", out of credit" if a["out_of_credit"] else ""))
    print("max power limit    %s W" % d["max_power_limit_w"])
    print("relay              %s (%s, control mode %d)" % (
        "closed (load on)" if r["closed"] else "open (load off)", r["control_state_text"],
        r["control_mode"]))
    c = d["cts"]
    print("CTS test mode      %s, UUT %s, timer %s s, exit reason %s" % (
        c.get("state_text", "?"), c.get("uut"), c.get("timer_s"), c.get("exit_reason_text")))
    print_identification(d["identification"])
    print_sts_status(d["sts"])
    print_payment(d["payment"])
    print("event log (newest last):")
    for e in d["events"]:
        detail = e["detail"] or ("a=%d b=%d" % (e["a"], e["b"]) if e["a"] or e["b"] else "")
        print(("  %5d  t=%-8d %-22s %s" % (e["seq"], e["time_s"], e["event"], detail)).rstrip())


# --- identification and STS status (docs/dlms.md "Identification", "STS attributes") ---
IDENTIFICATION = (("logical_device_name", obis.LOGICAL_DEVICE_NAME), ("serial", obis.DEVICE_ID),
                  ("manufacturer", obis.MANUFACTURER), ("firmware_id", obis.FIRMWARE_ID),
                  ("firmware_version", obis.FIRMWARE_VERSION),
                  ("firmware_signature", obis.FIRMWARE_SIGNATURE))
# the elements of the STS attributes structure, in order (meter.sts_status names)
STS_FIELDS = ("drn", "ea", "sgc", "ti", "krn", "kt", "ken", "key_expiry", "base_date", "last_tid",
              "last_tid_date", "tids_used", "tids_size", "cts_state", "cts_timer_s",
              "keypad_locked", "keypad_lock_s", "keypad_rejects")
KEY_TYPES = {0: "DITK", 1: "DDTK", 2: "DUTK", 3: "DCTK"}  # sts.md 4.4


_ABSENT = object()  # _data_value: the meter has no such object


def _data_value(m, ln):
    """Attribute 2 (value) of the Data object `ln`; _ABSENT when the meter has
    no such object (object-undefined), any other refusal is raised."""
    try:
        return m.read(GXDLMSData(obis.to_text(ln)), 2)
    except DlmsError as e:
        if e.code != OBJECT_UNDEFINED:
            raise
        return _ABSENT



def read_identification(m):
    """The identification objects (public): texts, the signature in hex;
    None for an object the meter does not have."""
    out = {}
    for key, ln in IDENTIFICATION:
        v = _data_value(m, ln)
        if v is _ABSENT:  # e.g. a meter without the firmware update objects
            out[key] = None
            continue
        v = bytes(v) if isinstance(v, (bytes, bytearray)) else str(v).encode()
        out[key] = v.hex() if key == "firmware_signature" else v.decode("ascii", "replace")
    return out


def _minute(v):
    """A COSEM date-time (12 octets) -> "YYYY-MM-DD hh:mm", None when not
    specified (or null-data)."""
    if v is None:
        return None
    y, mo, d, _, hh, mm = axdr.parse_date_time(bytes(v))[:6]
    if y == 0xFFFF:
        return None
    return "%04d-%02d-%02d %02d:%02d" % (y, mo, d, hh, mm)


def read_sts_status(m):
    """The STS attributes object (reader and management clients) as a dict
    of STS_FIELDS; None when the meter has no such object."""
    v = _data_value(m, obis.STS_ATTRIBUTES)
    if v is _ABSENT:
        return None
    v = _list(v)
    if len(v) != len(STS_FIELDS):
        raise MeterError("STS attributes: %d elements, expected %d" % (len(v), len(STS_FIELDS)))
    d = dict(zip(STS_FIELDS, v))
    for k in ("key_expiry", "last_tid_date"):
        d[k] = _minute(d[k])
    d["drn"] = str(d["drn"])  # gurux gives a visible-string as str
    d["keypad_locked"] = bool(d["keypad_locked"])
    for k in STS_FIELDS:
        if k not in ("drn", "key_expiry", "last_tid_date", "keypad_locked") and d[k] is not None:
            d[k] = int(d[k])
    d["kt_text"] = KEY_TYPES.get(d["kt"], "?")
    d["cts_state_text"] = CTS_STATES.get(d["cts_state"], "?")
    return d


def print_identification(i):
    print("identification     %s, serial %s, manufacturer %s" % (
        i["logical_device_name"], i["serial"], i["manufacturer"]))
    sig = i["firmware_signature"]
    print("firmware           %s, version %s, signature %s" % (
        i["firmware_id"], i["firmware_version"],
        ("%s...%s" % (sig[:16], sig[-16:])) if sig else "none"))


def print_sts_status(s):
    if s is None:
        print("STS status         (the meter has no STS attributes object)")
        return
    print("STS                DRN %s, EA%02d, SGC %d, TI %d, KRN %d, KT %d %s" % (
        s["drn"], s["ea"], s["sgc"], s["ti"], s["krn"], s["kt"], s["kt_text"]))
    print("STS key            KEN %d, expires %s, base date %d" % (
        s["ken"], s["key_expiry"] or "never", s["base_date"]))
    print("STS TIDs           last accepted %s%s, memory %d of %d" % (
        "none" if s["last_tid"] is None else s["last_tid"],
        " (%s)" % s["last_tid_date"] if s["last_tid_date"] else "", s["tids_used"],
        s["tids_size"]))
    print("STS CTS / keypad   CTS %s, timer %d s; keypad %s, %d rejects in a row" % (
        s["cts_state_text"], s["cts_timer_s"],
        ("locked %d s" % s["keypad_lock_s"]) if s["keypad_locked"] else "not locked",
        s["keypad_rejects"]))


# --- payment (docs/payment.md): credit in its unit, tariff, block, debt, free allocation ---
CHARGE_TYPES = {0: "consumption", 1: "time-based", 2: "payment"}


def read_payment(m):
    """The account's unit and debt and the payment objects as a dict; the
    tariff part is None on a meter without tariffs (no such objects)."""
    from binding import payment as bp
    acct = GXDLMSAccount(obis.to_text(obis.ACCOUNT))
    for i in (5, 8, 10, 15):
        m.read(acct, i)
    c = acct.currency
    out = {"unit": c.name, "scale": int(c.scale), "available": int(acct.availableCredit),
           "debt": int(acct.aggregatedDebt), "tariff": None}
    rate = _data_value(m, bp.CURRENT_TARIFF)
    if rate is _ABSENT:
        return out
    rate = _int(rate)
    block, period_wh = [int(x) for x in _list(m.read(GXDLMSData(obis.to_text(bp.BLOCK_STATUS)),
                                                      2))]
    charges = []
    for ln in acct.chargeReferences or ():
        ch = GXDLMSCharge(ln)
        for i in (2, 3, 12):
            m.read(ch, i)
        charges.append({"ln": ln, "type": int(ch.chargeType),
                        "type_text": CHARGE_TYPES.get(int(ch.chargeType), "?"),
                        "paid": int(ch.totalAmountPaid), "remaining": int(ch.totalAmountRemaining)})
    out["tariff"] = {
        "rate": rate, "block": block, "period_wh": period_wh,
        "free_left_wh": _int(m.read(GXDLMSData(obis.to_text(bp.FREE_LEFT)), 2)),
        "free_allocation_wh": _int(m.read(GXDLMSData(obis.to_text(bp.FREE_ALLOCATION)), 2)),
        "export_wh": _int(m.read(GXDLMSRegister(obis.to_text(bp.ACTIVE_ENERGY_EXPORT)), 2)),
        "charges": charges}
    return out


def amount_text(units, scale, unit):
    """12345678, -5, "ZAR" -> "123.45678 ZAR"."""
    if scale >= 0:
        return "%d %s" % (units * 10 ** scale, unit)
    sign, u = ("-" if units < 0 else ""), abs(units)
    return "%s%d.%0*d %s" % (sign, u // 10 ** -scale, -scale, u % 10 ** -scale, unit)


def print_payment(p):
    unit, scale = p["unit"], p["scale"]
    print("payment            available %s, debt %s" % (
        amount_text(p["available"], scale, unit), amount_text(p["debt"], scale, unit)))
    t = p["tariff"]
    if t is None:
        return
    print("tariff             rate %d, block %d (%d Wh this billing period), free allocation "
          "left %d of %d Wh, export %d Wh" % (t["rate"], t["block"], t["period_wh"],
                                              t["free_left_wh"], t["free_allocation_wh"],
                                              t["export_wh"]))
    for c in t["charges"]:
        print("  charge %-16s %-11s paid %s%s" % (
            c["ln"], c["type_text"], amount_text(c["paid"], scale, unit),
            (", remaining %s" % amount_text(c["remaining"], scale, unit))
            if c["type"] == 2 else ""))


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


def _table_args(ap):
    g = ap.add_argument_group("profiles and event logs (class 7; instead of the registers)")
    g.add_argument("--profile", choices=sorted(prof.PROFILE_NAMES), action="append",
                   help="print the load profile or the daily billing profile (repeatable)")
    g.add_argument("--log", choices=sorted(prof.LOG_NAMES) + ["all"], action="append",
                   help="print an event log with event names (repeatable; all: the six logs)")
    g.add_argument("--from", dest="start", type=_arg(prof.parse_time), metavar="TIME",
                   help="rows from this date-time on (ISO 8601, UTC unless an offset is given)")
    g.add_argument("--to", dest="end", type=_arg(prof.parse_time), metavar="TIME",
                   help="rows up to this date-time, included")
    g.add_argument("--entries", type=_arg(prof.parse_entries), metavar="FIRST:[LAST]",
                   help="rows by entry number, 1 the oldest (LAST left out: to the newest)")
    g.add_argument("--plot", metavar="PNG", help="draw the load profile's energy per "
                   "interval into this PNG file (needs matplotlib)")


def _arg(parse):
    """An argparse type from a parser that raises ValueError with its message."""
    def conv(text):
        try:
            return parse(text)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e)) from None
    conv.__name__ = parse.__name__
    return conv


def read_tables(m, args):
    """The profiles and logs the options name, each as read_profile gives it,
    with the credit unit (for amounts)."""
    logs = [prof.PROFILE_NAMES[n] for n in args.profile or ()]
    for n in args.log or ():
        logs += prof.LOG_NAMES.values() if n == "all" else [prof.LOG_NAMES[n]]
    out = {"credit_unit": read_unit(m), "tables": []}
    for log in dict.fromkeys(logs):  # once each, in the order asked
        out["tables"].append(prof.read_profile(m, log, args.start, args.end, args.entries))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog=__doc__.split("\n\n", 1)[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--events", type=event_count, default=24, metavar="N",
                    help="newest event log entries to show (0: none; default 24)")
    _table_args(ap)
    add_connection_args(ap)
    args = ap.parse_args(argv)
    tables = bool(args.profile or args.log)
    if not tables and (args.start or args.end or args.entries or args.plot):
        ap.error("--from, --to, --entries and --plot go with --profile or --log")
    if args.entries and (args.start or args.end):
        ap.error("rows by entry or by date-time, not both")
    if args.plot and "load" not in (args.profile or ()):
        ap.error("--plot draws the load profile: add --profile load")
    if args.plot and not prof.have_matplotlib():
        print("error: --plot needs matplotlib, which is not installed "
              "(.venv/bin/pip install matplotlib)", file=sys.stderr)
        return 2
    try:
        with client_from_args(args) as m:
            d = read_tables(m, args) if tables else read_all(m, args.events)
    except (MeterError, OSError, Exception) as exc:  # gurux raises plain Exceptions
        print("error: %s" % exc, file=sys.stderr)
        return 2
    if args.plot:
        prof.plot(next(t for t in d["tables"] if t["name"] == "load"), args.plot)
    if args.json:
        print(json.dumps(d))
    elif tables:
        for i, t in enumerate(d["tables"]):
            if i:
                print()
            prof.print_table(t, d["credit_unit"], amount)
    else:
        print_text(d)
    return 0


if __name__ == "__main__":
    sys.exit(main())
