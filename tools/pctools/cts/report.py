"""The conformance runner's reports: the report dict (also the JSON file),
its summary line, and the HTML page (one self-contained file, no scripts,
readable on a phone: failures summarised at the top, every step's checks and,
for a failed step or with --trace, its frames behind a <details>)."""
import html
import json
import os
import subprocess
import time

from sts import tid as tidmod
from vocab_names import result_text
from pctools import ROOT
from pctools.gateway import STATUS
from pctools.cts.state import KEY_FIELDS

TOOL = "stsmeter tools/cts.py"


def _git(*args):
    try:
        p = subprocess.run(("git",) + args, cwd=ROOT, capture_output=True, text=True, timeout=30)
    except OSError:
        return None
    return p.stdout.strip() if p.returncode == 0 and p.stdout.strip() else None


def tool_info():
    """The runner's version (`git describe` of the checkout: the nearest tag,
    or the short commit, '-dirty' with local changes) and its full commit;
    'unknown' outside a git checkout."""
    return {"name": TOOL, "version": _git("describe", "--tags", "--always", "--dirty") or "unknown",
            "commit": _git("rev-parse", "HEAD") or "unknown"}


def failed(r):
    return r["outcome"] in ("fail", "error")


def build(port, state, selected, results, firmware_id=None, trace=False, tool=None):
    """The report of a run: results[i] is the record of selected[i], None if
    the step did not run. Summary and failures come first."""
    done = [r for r in results if r is not None]
    summary = {"pass": sum(r["outcome"] == "pass" for r in done),
               "fail": sum(failed(r) for r in done),
               "skip": sum(r["outcome"] == "skip" for r in done),
               "not_run": len(results) - len(done)}
    failures = [{"num": r["num"], "name": r["name"], "outcome": r["outcome"],
                 "message": r.get("message", ""),
                 "checks": [check_text(c) for c in r.get("checks", []) if not c["ok"]]}
                for r in done if failed(r)]
    return {"tool": tool or tool_info(), "summary": summary,
            "failed_steps": [r["num"] for r in done if failed(r)], "failures": failures,
            "port": port, "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "meter": {"drn": state["identity"]["drn"], "firmware_id": firmware_id,
                      "uut": state.get("uut"),
                      "start_key": {k: state["original"][k] for k in KEY_FIELDS},
                      "end_key": {k: state["current"][k] for k in KEY_FIELDS},
                      "next_tid": state["next_tid"],
                      "next_tid_date": "%04d-%02d-%02dT%02d:%02d" % tidmod.to_date(
                          state["current"]["base_date"], state["next_tid"])},
            "trace": trace, "selected": selected, "steps": done}


def summary_line(s):
    return "%d passed, %d failed, %d skipped%s" % (
        s["pass"], s["fail"], s["skip"], (", %d not run" % s["not_run"]) if s["not_run"] else "")


def write_json(path, report):
    with open(path, "w") as f:
        json.dump(report, f, indent=1)


def hexdump(log, limit=400):
    out = []
    for d, b in log[-limit:]:
        out.append("== %s" % b.decode() if d == "APP" else "%s %s" % (d, b.hex(" ")))
    return "\n".join(out)


def fmt(d):
    """A check's expected or observed values as text, the token_status and
    the STS result by name: 'status 6 validation failure, result 10 Used error'."""
    out = []
    for k, v in d.items():
        if k == "status" and isinstance(v, int):
            out.append("status %d %s" % (v, STATUS.get(v, "unknown")))
        elif k == "result" and isinstance(v, int):
            out.append("result %d %s" % (v, result_text(v)))
        else:
            out.append("%s=%s" % (k, v))
    return ", ".join(out)


def check_text(c):
    return "%s: expected %s, observed %s" % (c["what"], fmt(c["expect"]), fmt(c["observed"]))


_CSS = """
body{font-family:system-ui,sans-serif;margin:0;color:#222;line-height:1.35}
main{padding:0 12px 24px;max-width:1100px}
#summary{padding:12px 14px;color:#fff}
#summary.pass{background:#1b7f3b}#summary.fail{background:#c62828}
#summary h1{font-size:1.25em;margin:0 0 4px}#summary p{margin:4px 0;font-size:1.05em}
#summary ol{margin:6px 0 0;padding-left:1.4em}#summary a{color:#fff}
#summary li span{display:block;font-size:.9em;opacity:.95}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;font-size:.9em}
dt{color:#555}dd{margin:0;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%}
td,th{border:1px solid #ccc;padding:4px 6px;vertical-align:top;font-size:.85em;text-align:left}
tr.step>td{background:#f4f4f4;font-weight:600}tr.step.fail>td{background:#fdd}
tr.step.skip>td{color:#777;font-weight:400}
td.o,td.t,code{white-space:nowrap}tr.pass td.o{color:#1b7f3b}tr.fail td.o{color:#c62828}
tr.f>td{background:#fee}
pre{font-size:11px;white-space:pre-wrap;overflow-wrap:anywhere;margin:4px 0}
@media (max-width:640px){
 table.steps,table.steps>tbody,table.steps>tbody>tr,table.steps>tbody>tr>td{
  display:block;width:auto}
 table.steps>tbody>tr.head{display:none}
 table.steps>tbody>tr.step>td{border:0;display:inline;padding:0 4px 0 0}
 table.steps>tbody>tr.step{border-top:2px solid #999;background:#f4f4f4;padding:5px 4px}
 table.steps>tbody>tr.step.fail{background:#fdd}
 table.steps>tbody>tr>td.detail{border:0;padding:0 0 8px}
 table.c,table.c>tbody,table.c tr,table.c td{display:block;width:auto}
 table.c tr.head{display:none}table.c tr{border-bottom:1px solid #ccc;padding:3px 0}
 table.c td{border:0;padding:1px 4px}
 table.c td[data-l]::before{content:attr(data-l) ": ";color:#666}
}
"""


def _frames(r):
    if not r.get("exchange"):
        return ""
    return ("<details%s><summary>frames of this step</summary><pre>HDLC frames in hex: TX to the "
            "meter, RX from it (ciphered APDUs); '==' the meaning of each request\n%s</pre>"
            "</details>" % (" open" if failed(r) else "", html.escape(r["exchange"])))


def _step_rows(r):
    e = html.escape
    checks = "".join(
        "<tr class='%s'><td data-l='check'>%s</td><td data-l='token'><code>%s</code></td>"
        "<td data-l='expected'>%s</td><td data-l='observed'>%s</td></tr>"
        % ("p" if c["ok"] else "f", e(c["what"]), e(c["token"]), e(fmt(c["expect"])),
           e(fmt(c["observed"]))) for c in r.get("checks", []))
    table = ("<table class='c'><tr class='head'><th>check</th><th>token</th><th>expected</th>"
             "<th>observed</th></tr>%s</table>" % checks) if checks else ""
    msg = "<p>%s</p>" % e(r["message"]) if r.get("message") else ""
    outcome = "fail" if failed(r) else r["outcome"]
    return ("<tr class='step %s' id='s%d'><td>%d</td><td>%s</td><td class='o'>%s</td>"
            "<td class='t'>%.2f s</td></tr><tr><td class='detail' colspan='4'>%s%s%s</td></tr>"
            % (outcome, r["num"], r["num"], e(r["name"]), r["outcome"].upper(),
               r.get("seconds", 0), msg, table, _frames(r)))


def write_html(path, report):
    e = html.escape
    s, m, t = report["summary"], report["meter"], report["tool"]
    ran = s["pass"] + s["fail"] + s["skip"]
    if report["failures"]:
        verdict = "%d of %d steps failed" % (s["fail"], ran)
        items = "".join("<li><a href='#s%d'>step %d: %s</a>%s</li>" % (
            f["num"], f["num"], e(f["name"]), "".join(
                "<span>%s</span>" % e(x) for x in ([f["message"]] if f["message"] else [])
                + f["checks"])) for f in report["failures"])
        failures = "<ol>%s</ol>" % items
    else:
        verdict = "all %d steps that ran passed or were skipped" % ran
        failures = ""
    if s["not_run"]:
        verdict += "; %d not run (the meter stopped answering)" % s["not_run"]
    fw = m["firmware_id"]
    meta = [("meter DRN", m["drn"]),
            ("firmware id", "not offered by the meter" if fw is None else fw or "(empty)"),
            ("port", report["port"]), ("UUT profile", m["uut"] or "none"),
            ("key at start", fmt(m["start_key"])), ("next TID", "%d (%s)" % (
                m["next_tid"], m["next_tid_date"])),
            ("tool", "%s %s" % (t["name"], t["version"])), ("commit", t["commit"]),
            ("started", report["started"]),
            ("frames", "every step (--trace)" if report["trace"] else "failed steps")]
    doc = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%s: STS token gateway conformance, DRN %s</title><style>%s</style></head><body>
<header id="summary" class="%s"><h1>STS token gateway conformance</h1>
<p><b>%s</b>: %s</p>%s</header>
<main><dl>%s</dl>
<table class="steps"><tr class="head"><th>step</th><th>name</th><th>result</th><th>time</th></tr>
%s</table>
<p>Steps are modelled on the STS compliance tests (STS 531 series as derived in public
vectors); this is not an STS Association certification.</p></main></body></html>
""" % ("FAIL" if report["failures"] else "PASS", e(m["drn"]), _CSS,
       "fail" if report["failures"] or s["not_run"] else "pass", e(verdict), summary_line(s),
       failures, "".join("<dt>%s</dt><dd>%s</dd>" % (e(k), e(str(v))) for k, v in meta),
       "".join(_step_rows(r) for r in report["steps"]))
    with open(path, "w") as f:
        f.write(doc)
