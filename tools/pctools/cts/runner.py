"""STS token-gateway conformance runner (CPython).

Runs numbered steps modelled on the STS compliance tests (sts.md 10-11)
against any meter that offers the DLMS/COSEM token gateway (class 115,
0.0.19.40.0.255) over HDLC: it vends each token itself, enters it with method 1
`enter`, reads token_status (attribute 6) and the affected registers, and
compares them with the expected outcome.

Examples:
  .venv/bin/python tools/cts.py --port socket://127.0.0.1:4059 --key 9ca1fc37b27dac93 --base-date 2014
  .venv/bin/python tools/cts.py --port /dev/ttyUSB0 --vending-key abababababababab --dkga 2 \\
      --sgc 123456 --ti 1 --krn 1 --base-date 2014 --html report.html --json report.json
  .venv/bin/python tools/cts.py --port socket://127.0.0.1:4059 --uut 1 --enter-cts --cts-exit
  .venv/bin/python tools/cts.py --list
  .venv/bin/python tools/cts.py ... --steps 1-5,31 --resume run.json
  .venv/bin/python tools/cts.py ... --steps 7 --trace --html report.html   # with its frames

The JSON and HTML reports open with the summary and the failures; they name
the tool's version and commit and the meter (DRN, firmware id when the meter
has 1.0.0.2.0.255), and hold every step's checks; a failed step's frames, and
with --trace every step's.

Exit status: 0 every selected step passed; 1 a step failed; 2 usage or
communication error (with --resume, run again to continue after a meter reset).
"""
import argparse
import json
import os
import sys
import time

from meter import cts_profiles
from sts.tid import BASE_DATES
from pctools import stskeys
from pctools.gateway import ENCODINGS
from pctools.meterclient import add_connection_args
from pctools.cts import report
from pctools.cts.session import CommError, Gateway, NotAvailable, OBIS_MPL
from pctools.cts.state import derive_key, set_profile, start_tid
from pctools.cts.steps import (CREDIT_LIMIT, FAST, STEPS, Ctx, StepFailed, StepSkipped)


def parse_steps(text):
    out = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            a, b = part.split("-", 1)
            out.extend(range(int(a), int(b) + 1))
        else:
            out.append(int(part))
    known = set(s["num"] for s in STEPS)
    return [n for n in sorted(set(out)) if n in known]


def initial_state(args, gw):
    try:
        drn = args.drn or gw.drn()
    except NotAvailable as exc:
        raise SystemExit("error: cannot read the DRN (%s); give --drn" % exc)
    ident = {"drn": drn, "pan": args.pan or stskeys.pan_of(drn), "vk": args.vending_key,
             "dkga": args.dkga, "ea": args.ea}
    state = {"identity": ident, "completed": {}, "pending_key": None, "uut": None}
    if args.uut:
        set_profile(state, args.uut)
    else:
        cur = {"ea": args.ea, "key": args.key, "kt": args.kt, "krn": args.krn, "ti": args.ti,
               "sgc": args.sgc, "ken": args.ken, "base_date": args.base_date}
        if not cur["key"]:
            cur["key"] = derive_key(ident, args.kt, args.sgc, args.ti, args.krn, args.base_date)
        if not cur["key"]:
            raise SystemExit("error: give --key, or --vending-key (with --dkga, --sgc, ...), "
                             "or --uut")
        state["current"] = cur
    state["original"] = dict(state["current"])
    state["next_tid"] = start_tid(state["current"]["base_date"], args.start)
    state["min_tid"] = state["next_tid"]
    return state


def restore_step_key(ctx, num):
    """Steps change keys and undo the change. When a step was interrupted (meter
    reset) after a change, put the key it started with back before running it
    again, so that its own undo ends on that key."""
    st = ctx.state.get("step")
    if st and st["num"] == num and st["key"] != ctx.cur:
        start = dict(st["key"])
        if start["base_date"] != ctx.cur["base_date"]:  # a rollover cannot be undone
            start["base_date"] = ctx.cur["base_date"]
        ctx.key_change("restore the key of the interrupted run of this step", start)
    ctx.state["step"] = {"num": num, "key": dict(ctx.cur)}
    ctx.save()


def probe_pending(ctx):
    """After an interrupted key change: find which key the meter holds with a
    harmless ClearTamper token (CRC error = not this key)."""
    pend = ctx.state.get("pending_key")
    if not pend:
        return
    for cand in (pend, ctx.cur):
        t = ctx.vend(2, 5, key=cand["key"])
        st, _ = ctx.send_quiet(t)
        if st != 5:
            ctx.state["current"] = dict(cand)
            break
    ctx.state["pending_key"] = None
    ctx.save()


def build_parser():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog=__doc__.split("\n\n", 1)[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    add_connection_args(ap, trace="put every step's HDLC frames into the reports (by default "
                                  "only a failed step's)")
    g = ap.add_argument_group("meter identity and keys")
    g.add_argument("--drn", help="the meter's DRN (default: read 0.0.96.1.0.255)")
    g.add_argument("--pan", help="MeterPAN (default: from the DRN)")
    g.add_argument("--ea", type=int, choices=(7, 11), default=7)
    g.add_argument("--key", help="decoder key (hex)")
    g.add_argument("--vending-key", help="vending key (hex) to derive decoder keys")
    g.add_argument("--dkga", type=int, choices=(2, 4), default=2)
    g.add_argument("--kt", type=int, default=2)
    g.add_argument("--krn", type=int, default=1)
    g.add_argument("--ti", type=int, default=1)
    g.add_argument("--sgc", type=int, default=123456)
    g.add_argument("--ken", type=int, default=255)
    g.add_argument("--base-date", type=int, choices=BASE_DATES, default=2014)
    g.add_argument("--uut", type=int, choices=sorted(cts_profiles.PROFILES),
                   help="the meter is in CTS test mode with this UUT profile")
    g.add_argument("--enter-cts", action="store_true",
                   help="write --uut to the CTS register first (reserved DRNs only)")
    c = ap.add_argument_group("what the meter supports")
    c.add_argument("--subclasses", default="0",
                   help="class 0 sub-classes the meter credits (default 0)")
    c.add_argument("--metered-subclass", type=int, default=0,
                   help="the sub-class whose register 0.0.19.10.0.255 shows")
    c.add_argument("--credit-limit", type=int, default=CREDIT_LIMIT,
                   help="largest credit register value in token units (0: skip Overflow)")
    c.add_argument("--tid-memory", type=int, default=64, help="TIDs the meter remembers")
    c.add_argument("--mpl-obis", default=OBIS_MPL, help="register holding the MPL in W ('' none)")
    c.add_argument("--no-ddtk", action="store_true", help="skip the DDTK step")
    c.add_argument("--no-rollover", action="store_true", help="skip the RO (rollover) step")
    c.add_argument("--no-result-check", action="store_true",
                   help="do not expect the STS result code in token_status data_value")
    c.add_argument("--no-credit-check", action="store_true", help="do not read the credit")
    c.add_argument("--credit-tolerance", type=int, default=0,
                   help="units a credit change may fall short by (a meter with a load "
                        "consumes while the runner reads)")
    c.add_argument("--cts-timer-wait", type=float, default=12.0,
                   help="seconds to watch the CTS timer in step 42 (default 12)")
    c.add_argument("--cts-exit", action="store_true",
                   help="run the destructive CTS exit step (the meter leaves CTS mode for good)")
    c.add_argument("--encoding", choices=ENCODINGS, default="ascii",
                   help="how a token travels in the enter octet-string (default ascii)")
    r = ap.add_argument_group("run")
    r.add_argument("--steps", help="e.g. 1,3-5 (default: all)")
    r.add_argument("--fast", action="store_true", help="only the fast steps")
    r.add_argument("--start", help="first TID as a date YYYY-MM-DD[THH:MM] in the base date")
    r.add_argument("--resume", metavar="STATE.json",
                   help="keep the run state here; run again to continue after a reset")
    r.add_argument("--json", metavar="FILE", help="write the report as JSON")
    r.add_argument("--html", metavar="FILE", help="write the report as one HTML page")
    r.add_argument("--list", action="store_true", help="list the steps and exit")
    r.add_argument("--quiet", action="store_true")
    return ap


def run(args, out=sys.stdout, timer=time):
    """Runs the selected steps; returns (exit status, report dict). timer:
    monotonic() and sleep(s) for the steps that watch the meter's clock."""
    args.subclasses = [int(x) for x in str(args.subclasses).split(",") if x.strip()]
    selected = parse_steps(args.steps) if args.steps else [s["num"] for s in STEPS]
    if args.fast:
        selected = [n for n in selected if n in FAST]
    say = (lambda *a: None) if args.quiet else (lambda s: (out.write(s), out.flush()))
    gw = Gateway(args)
    try:
        gw.open()
    except CommError as exc:
        say("error: cannot associate with the meter: %s\n" % exc)
        return 2, None
    try:
        firmware_id = gw.firmware_id()
    except CommError as exc:
        say("error: %s\n" % exc)
        gw.close()
        return 2, None
    state = None
    if args.resume and os.path.exists(args.resume):
        with open(args.resume) as f:
            state = json.load(f)
    if state is None:
        try:
            state = initial_state(args, gw)
        except (CommError, ValueError) as exc:
            say("error: %s\n" % exc)
            gw.close()
            return 2, None

    def save():
        if args.resume:
            tmp = args.resume + ".tmp"
            with open(tmp, "w") as f:
                json.dump(state, f, indent=1)
            os.replace(tmp, args.resume)

    ctx = Ctx(gw, args, state, save, timer)
    code = 0
    results = [None] * len(selected)
    try:
        if args.uut and args.enter_cts and not state.get("cts_entered"):
            err = gw.cts_write(args.uut)
            st = gw.cts_status()
            if st[0] != 1 or st[1] != args.uut:
                say("error: the meter did not enter CTS UUT %d (access result %d, status %s)\n"
                    % (args.uut, err, st))
                return 2, None
            state["cts_entered"] = True
            save()
        probe_pending(ctx)
        by_num = dict((s["num"], s) for s in STEPS)
        say("STS token gateway conformance: DRN %s, firmware %s, %s, EA%02d, key %s, steps %s\n"
            % (state["identity"]["drn"], firmware_id or "id not offered", args.port,
               state["current"]["ea"], state["current"]["key"],
               ",".join(str(n) for n in selected)))
        say("%-4s %-64s %-6s %s\n" % ("step", "name", "result", "time"))
        for i, num in enumerate(selected):
            s = by_num[num]
            done = state["completed"].get(str(num))
            if done is not None:
                results[i] = dict(done, resumed=True)
                say("%4d %-64s %-6s (earlier run)\n" % (num, s["name"], done["outcome"].upper()))
                continue
            say("[%d/%d] %4d %-56s " % (i + 1, len(selected), num, s["name"]))
            ctx.checks = []
            del gw.log[:]
            t0 = time.monotonic()
            outcome, msg = "pass", ""
            try:
                restore_step_key(ctx, num)
                s["fn"](ctx)
                if not all(c["ok"] for c in ctx.checks):
                    outcome = "fail"
            except StepSkipped as exc:
                outcome, msg = "skip", str(exc)
            except StepFailed as exc:
                outcome, msg = "fail", str(exc)
            except NotAvailable as exc:
                outcome, msg = "fail", "not readable: %s" % exc
            except CommError as exc:
                outcome, msg = "error", "communication: %s" % exc
            rec = {"num": num, "name": s["name"], "outcome": outcome, "message": msg,
                   "seconds": round(time.monotonic() - t0, 3), "checks": ctx.checks}
            if outcome in ("fail", "error") or args.trace:
                rec["exchange"] = report.hexdump(gw.log)
            results[i] = rec
            say("%-6s %.2f s%s\n" % (outcome.upper(), rec["seconds"],
                                     (" (%s)" % msg) if msg else ""))
            if not args.quiet and outcome == "fail":
                for c in ctx.checks:
                    if not c["ok"]:
                        say("       %s\n" % report.check_text(c))
            if outcome == "error":
                code = 2
                say("stopped: the meter does not answer (reset?). Run again with the same "
                    "--resume file to continue.\n" if args.resume else
                    "stopped: the meter does not answer.\n")
                break
            state["completed"][str(num)] = rec
            state["step"] = None
            save()
    finally:
        gw.close()
    rep = report.build(args.port, state, selected, results, firmware_id, args.trace)
    summary = rep["summary"]
    if code == 0 and (summary["fail"] or summary["not_run"]):
        code = 1
    say(report.summary_line(summary) + "\n")
    if args.json:
        report.write_json(args.json, rep)
    if args.html:
        report.write_html(args.html, rep)
    return code, rep


def main(argv=None):
    ap = build_parser()
    args = ap.parse_args(argv)
    if args.list:
        for s in STEPS:
            print("%4d  %-10s %s%s" % (s["num"], s["group"], s["name"],
                                       "" if s["fast"] else "  [slow]"))
        return 0
    code, _ = run(args)
    return code
