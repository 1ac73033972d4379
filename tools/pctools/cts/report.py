"""The conformance runner's reports: the report dict (also the JSON file),
its summary line, and the HTML page."""
import html
import json
import time

from sts import tid as tidmod
from pctools.cts.state import KEY_FIELDS


def build(port, state, selected, results):
    """The report of a run: results[i] is the record of selected[i], None if
    the step did not run."""
    done = [r for r in results if r is not None]
    summary = {"pass": sum(r["outcome"] == "pass" for r in done),
               "fail": sum(r["outcome"] in ("fail", "error") for r in done),
               "skip": sum(r["outcome"] == "skip" for r in done),
               "not_run": len(results) - len(done)}
    return {"tool": "stsmeter tools/cts.py", "port": port,
            "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "meter": {"drn": state["identity"]["drn"], "uut": state.get("uut"),
                      "start_key": {k: state["original"][k] for k in KEY_FIELDS},
                      "end_key": {k: state["current"][k] for k in KEY_FIELDS},
                      "next_tid": state["next_tid"],
                      "next_tid_date": "%04d-%02d-%02dT%02d:%02d" % tidmod.to_date(
                          state["current"]["base_date"], state["next_tid"])},
            "selected": selected, "summary": summary, "steps": done,
            "failed_steps": [r["num"] for r in done if r["outcome"] in ("fail", "error")]}


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
    return ", ".join("%s=%s" % (k, v) for k, v in d.items())


def write_html(path, report):
    e = html.escape
    rows = []
    for r in report["steps"]:
        cls = {"pass": "p", "fail": "f", "skip": "s", "error": "f"}[r["outcome"]]
        checks = "".join(
            "<tr class='%s'><td>%s</td><td><code>%s</code></td><td>%s</td><td>%s</td></tr>"
            % ("p" if c["ok"] else "f", e(c["what"]), e(c["token"]), e(fmt(c["expect"])),
               e(fmt(c["observed"]))) for c in r.get("checks", []))
        extra = ""
        if r.get("message"):
            extra += "<p>%s</p>" % e(r["message"])
        if r["outcome"] in ("fail", "error") and r.get("exchange"):
            extra += "<details open><summary>DLMS exchange of this step: HDLC frames in hex " \
                "(TX to the meter, RX from it; ciphered APDUs), each request's meaning after " \
                "'=='</summary><pre>%s</pre></details>" \
                % e(r["exchange"])
        rows.append("<tr class='%s'><td>%d</td><td>%s</td><td>%s</td><td>%.2f s</td></tr>"
                    "<tr><td></td><td colspan='3'><table class='c'><tr><th>check</th><th>token</th>"
                    "<th>expected</th><th>observed</th></tr>%s</table>%s</td></tr>"
                    % (cls, r["num"], e(r["name"]), r["outcome"].upper(), r.get("seconds", 0),
                       checks, extra))
    s = report["summary"]
    doc = """<!DOCTYPE html><html><head><meta charset="utf-8">
<title>STS token gateway conformance</title><style>body{font-family:sans-serif;margin:1em}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:2px 6px;vertical-align:top;font-size:13px}
tr.p>td:nth-child(3){color:#060}tr.f>td{background:#fdd}tr.s>td{color:#888}
table.c{width:100%%}pre{font-size:11px;white-space:pre-wrap}</style></head><body>
<h1>STS token gateway conformance</h1>
<p>Meter DRN %s on %s, %s. Started %s. <b>%d passed, %d failed, %d skipped</b>.</p>
<table><tr><th>step</th><th>name</th><th>result</th><th>time</th></tr>%s</table>
<p>Steps are modelled on the STS compliance tests (STS 531 series as derived in public
vectors); this is not an STS Association certification.</p></body></html>
""" % (e(report["meter"]["drn"]), e(report["port"]), e(fmt(report["meter"]["start_key"])),
       e(report["started"]), s["pass"], s["fail"], s["skip"], "".join(rows))
    with open(path, "w") as f:
        f.write(doc)
