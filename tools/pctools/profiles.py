"""The meter's profiles and event logs (class 7, docs/dlms.md "Profiles and
event logs") as rows of named fields, for tools/read_meter.py: the load
profile, the daily billing profile and the six event logs, whole, by a
date-time range on the clock column or by entry (selective access, gurux-dlms
readRowsByRange / readRowsByEntry), event codes with names, and a PNG plot of
the load profile (matplotlib, optional)."""
import datetime

from gurux_dlms import GXDateTime
from gurux_dlms.objects import GXDLMSProfileGeneric

import vocab
from binding.payment import charge_ln
from dlms import obis
from meter import recorder as rc
from vocab_names import EVENTS, result_text
from pctools.meterclient import MeterError

# --profile / --log names -> meter.recorder's log numbers
PROFILE_NAMES = {"load": rc.LOAD, "billing": rc.BILLING}
LOG_NAMES = {"standard": rc.STANDARD, "fraud": rc.FRAUD, "disconnector": rc.DISCONNECTOR,
             "power": rc.POWER, "token": rc.TOKEN, "security": rc.SECURITY}
_NAME = {v: k for k, v in list(PROFILE_NAMES.items()) + list(LOG_NAMES.items())}

# a column's field name by the object it captures (logical name, attribute)
_FIELDS = {(obis.to_text(ln), a): f for (ln, a), f in {
    (obis.CLOCK, 2): "time",
    (obis.COLUMN_OBJECTS[6], 2): "status",  # AMR profile status
    (obis.ACTIVE_ENERGY_IMPORT, 2): "energy_wh",
    (obis.CREDIT_TOKEN, 2): "credit",
    (obis.ENERGY_SINCE_TOKEN, 2): "since_token_wh",
    (obis.COLUMN_OBJECTS[7], 2): "off_s",  # power failure duration
    (obis.TOKEN_GATEWAY, 5): "source",
    (obis.COLUMN_OBJECTS[8], 2): "result",
    (obis.COLUMN_OBJECTS[9], 2): "amount",
    (obis.COLUMN_OBJECTS[10], 2): "tid",
}.items()}
for _ln in obis.COLUMN_OBJECTS[:6]:  # each event log's event code column
    _FIELDS[(obis.to_text(_ln), 2)] = "code"
for _i in range(4):  # a payment meter's billing rows: charge i's total_amount_paid
    _FIELDS[(obis.to_text(charge_ln(_i)), 2)] = "charge%d_paid" % _i

# AMR profile status bits (docs/dlms.md; IDIS/DSMR)
STATUS_BITS = ((rc.POWER_DOWN, "power down"), (rc.CLOCK_ADJUSTED, "clock adjusted"),
               (rc.DST, "DST"), (rc.DATA_NOT_VALID, "data not valid"),
               (rc.CLOCK_INVALID, "clock invalid"))
SOURCES = {vocab.REMOTE: "remote", vocab.KEYPAD: "keypad", 255: "-"}  # 255: a credit event
NO_TID = 0xFFFFFFFF
LOG_CLEARED = 255


def event_names():
    """(log, event code) -> name: the inverse of the recorder's routing table
    (meter.recorder.ROUTE: an IDIS/DSMR code, else 200 + the vocab code), and
    255 "event log cleared" in every log."""
    route = rc.ROUTE  # the firmware's own table, so the names cannot drift from it
    names = {(log, LOG_CLEARED): "event log cleared" for log in LOG_NAMES.values()}
    for c in range(1, len(route) // 2 + 1):
        names[(route[2 * c - 2], route[2 * c - 1] or 200 + c)] = EVENTS.get(c, "?")
    return names


def parse_time(text):
    """--from/--to: ISO 8601 date or date-time ("2026-11-15", "2026-11-15 06:00",
    "2026-11-15T06:00+02:00"); without an offset it is UTC."""
    try:
        t = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError("not a date-time: %r (e.g. 2026-11-15 06:00 or "
                         "2026-11-15T06:00+02:00)" % text) from None
    return t if t.tzinfo else t.replace(tzinfo=datetime.timezone.utc)


def parse_entries(text):
    """--entries FIRST:LAST or FIRST: (to the newest); entry 1 is the oldest
    row -> (first, count) as gurux readRowsByEntry takes them (count 0: to the newest)."""
    first, sep, last = text.partition(":")
    try:
        first, last = int(first), int(last) if last else 0
    except ValueError:
        first = -1
    if not sep or first < 1 or last < 0 or (last and last < first):
        raise ValueError("entries are FIRST:LAST or FIRST: (from 1, the oldest row), not %r" % text)
    return first, (last - first + 1) if last else 0


def read_profile(m, log, start=None, end=None, entries=None):
    """One profile or event log (meter.recorder number `log`) read by the
    client `m` (a MeterClient): whole, the rows with start <= time <= end
    (datetimes; either may be None for "any"), or `entries` (first, count).
    Returns {"name", "ln", "columns", "capture_period", "entries_in_use",
    "profile_entries", "rows": [dict per row]}."""
    p = GXDLMSProfileGeneric(obis.to_text(obis.PROFILES[log]))
    for i in (3, 4, 7, 8):
        m.read(p, i)
    cols = []
    for o, a in p.captureObjects:
        key = (o.logicalName, a.attributeIndex)
        cols.append(_FIELDS.get(key, "%s:%d" % key))
    if cols[:1] != ["time"]:
        raise MeterError("%s: the first column is not the clock" % obis.to_text(obis.PROFILES[log]))
    if entries is not None:
        frames = m.client.readRowsByEntry(p, entries[0], entries[1])
    elif start is not None or end is not None:
        lo = start or datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)
        hi = end or datetime.datetime(2099, 12, 31, 23, 59, 59, tzinfo=datetime.timezone.utc)
        frames = m.client.readRowsByRange(p, lo, hi)
    else:
        frames = m.client.read(p, 2)
    m.client.updateValue(p, 2, m.request(frames))
    names = event_names()
    rows = [_row(log, dict(zip(cols, r)), names) for r in p.buffer]
    if log == rc.LOAD:
        prev = None
        for r in rows:  # energy of each interval: since the row before (None for the first)
            e = r.get("energy_wh")
            r["wh"] = e - prev if e is not None and prev is not None else None
            prev = e
    return {"name": _NAME[log], "ln": obis.to_text(obis.PROFILES[log]), "columns": cols,
            "capture_period": int(p.capturePeriod), "entries_in_use": int(p.entriesInUse),
            "profile_entries": int(p.profileEntries), "rows": rows}


def _row(log, r, names):
    t = r["time"]
    if isinstance(t, GXDateTime):
        r["clock_status"] = int(t.status)  # 1 invalid, 2 doubtful ... (class 8)
        t = t.value
    r["time"] = t.isoformat(sep=" ") if isinstance(t, datetime.datetime) else None
    for k, v in r.items():  # gurux's enums and integers as plain ints
        if k != "time" and v is not None and not isinstance(v, (str, bytes, bytearray)):
            r[k] = int(v)
    if "code" in r:
        r["event"] = names.get((log, r["code"]), "?")
    if "status" in r:
        r["status_text"] = ", ".join(n for b, n in STATUS_BITS if r["status"] & b)
    if "source" in r:
        r["source_text"] = SOURCES.get(r["source"], "?")
    if "result" in r and r.get("source") != 255:
        r["result_text"] = result_text(r["result"])
    if r.get("tid") == NO_TID:
        r["tid"] = None
    return r


def print_table(d, unit=None, amount=None):
    """The rows as an aligned text table (amount(units, unit): credit as text)."""
    cols = list(d["columns"])
    if any(r.get("clock_status") for r in d["rows"]):  # a row stamped by an invalid/doubtful clock
        cols.insert(1, "clock_status")
    for extra, after in (("wh", "energy_wh"), ("status_text", "status"), ("event", "code"),
                         ("source_text", "source"), ("result_text", "result")):
        if after in cols and any(extra in r for r in d["rows"]):
            cols.insert(cols.index(after) + 1, extra)
    print("%s %s: %d of %d entries in use, %d shown%s" % (
        d["name"], d["ln"], d["entries_in_use"], d["profile_entries"], len(d["rows"]),
        ", capture period %d s" % d["capture_period"] if d["capture_period"] else ""))
    cells = [[_cell(c, r.get(c), unit, amount) for c in cols] for r in d["rows"]]
    widths = [max([len(c)] + [len(x[i]) for x in cells]) for i, c in enumerate(cols)]
    for line in [cols] + cells:
        print("  ".join(x.ljust(w) for x, w in zip(line, widths)).rstrip())


def _cell(col, v, unit, amount):
    if v is None or v == "":
        return "-"
    if col == "status":
        return "0x%02x" % v
    if col in ("credit", "amount") and amount is not None:
        return amount(v, unit)
    return str(v)


def plot(d, path):
    """A PNG of the load profile's energy per interval (Wh) over time.
    ImportError when matplotlib is not installed."""
    import matplotlib
    matplotlib.use("Agg")  # no display
    from matplotlib import pyplot as plt
    pts = [(datetime.datetime.fromisoformat(r["time"]), r["wh"]) for r in d["rows"]
           if r["time"] and r.get("wh") is not None]
    fig, ax = plt.subplots(figsize=(10, 4))
    if pts:
        ax.step([t for t, _ in pts], [w for _, w in pts], where="pre")
    ax.set_xlabel("interval end (meter time)")
    ax.set_ylabel("active energy import per interval (Wh)")
    ax.set_title("%s %s" % (d["name"], d["ln"]))
    fig.autofmt_xdate()
    fig.savefig(path, format="png")
    plt.close(fig)


def have_matplotlib():
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True
