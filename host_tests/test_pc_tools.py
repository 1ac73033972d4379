"""The PC tools' input checks (issue 12, the tool-side breaks): a date the
calendar does not have, digits of other scripts, keys of the wrong length,
wrong keys, and a negative event count each get a clear error and change
nothing. The commands run in this process through their main(argv)."""
import contextlib
import io
import json

import pytest

import provision
import vocab
from meter_tcp import meter, vend  # noqa: F401 (fixture)
from pctools import read_meter, send_token, tokens

P = provision.DEV_PROVISION


def token_events(meter):
    codes = (vocab.EV_TOKEN_ACCEPTED, vocab.EV_TOKEN_REJECTED)
    return [e for e in meter.call(meter.app.eventlog.entries) if e[2] in codes]


def run(tool, *argv):
    """(exit status, stdout, stderr) of tool.main(argv); argparse's exits too."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = tool.main(list(argv))
        except SystemExit as exc:
            rc = exc.code
    return rc, out.getvalue(), err.getvalue()


def vend_on(date):
    return run(tokens, "vend", "--key", P["key"], "--ea", "07", "--class", "0", "--subclass", "0",
               "--base-date", str(P["base_date"]), "--date", date, "--amount", "10")


def test_vend_refuses_a_day_the_calendar_does_not_have():
    rc, out, err = vend_on("2026-02-30 10:00")  # was the token of 2026-03-02
    assert rc == 2 and out == "" and "no such date: 2026-02-30" in err
    assert vend_on("2025-02-29 10:00")[0] == 2
    rc, out, _ = vend_on("2024-02-29 10:00")  # a leap day is a day
    tok = out.strip()
    assert rc == 0 and len(tok) == 20
    rc, out, _ = run(tokens, "decode", "--key", P["key"], "--ea", "07", "--base-date",
                     str(P["base_date"]), tok)
    assert rc == 0 and json.loads(out)["date"] == "2024-02-29 10:00"


@pytest.mark.parametrize("typed", [
    "０１２３４５６７８９" * 2,  # full-width digits
    "٠١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦٧٨٩",  # Arabic-Indic digits
    "1234567890123456789²",
])
def test_send_token_takes_ascii_digits_only(meter, typed):
    rc, out, err = run(send_token, typed, "--port", meter.url)
    assert rc == 2 and out == "" and "20 decimal digits 0-9" in err
    assert meter.credit() == 0 and not token_events(meter)  # nothing reached the meter


@pytest.mark.parametrize("option, value, text", [
    ("--ek", "0001", "the block cipher key (EK) is 16 bytes (32 hex digits), not 2"),
    ("--ak", "d0" * 17, "the authentication key (AK) is 16 bytes (32 hex digits), not 17"),
    ("--system-title", "4142", "the client system title is 8 bytes (16 hex digits), not 2"),
    ("--ek", "zz" * 16, "block cipher key (EK): not hex"),
])
def test_keys_of_the_wrong_length_are_named(option, value, text):
    for tool, argv in ((send_token, ["1" * 20]), (read_meter, [])):
        rc, out, err = run(tool, *(argv + ["--port", "socket://127.0.0.1:9", option, value]))
        assert rc == 2 and out == "" and text in err, err
        assert "index out of range" not in err and "Traceback" not in err


def test_wrong_keys_say_that_authentication_failed(meter):
    tok = vend("10", 1)
    for option in ("--ak", "--ek"):
        rc, out, err = run(send_token, tok, "--port", meter.url, option, "00" * 16)
        assert rc == 2 and out == ""
        assert "authentication failed" in err and "(--ek, --ak) do not match" in err, err
        assert "No reason is given" not in err.split("meter's answer")[0]
    # the meter is closed to client 1 for a second after two failures
    # (docs/security.md); the message says so too
    rc, _, err = run(send_token, tok, "--port", meter.url, "--ak", "00" * 16)
    assert rc == 2 and "closed this client for a while" in err
    assert meter.credit() == 0


def test_read_meter_refuses_a_negative_event_count(meter):
    for t in range(1, 8):  # events: power up, relay ..., then 7 tokens accepted
        rc, _, _ = run(send_token, vend("1", t), "--port", meter.url)
        assert rc == 0
    rc, out, _ = run(read_meter, "--port", meter.url, "--json", "--events", "200")
    every = json.loads(out)["events"]
    rc, out, err = run(read_meter, "--port", meter.url, "--json", "--events", "5")
    events = json.loads(out)["events"]
    assert rc == 0 and len(every) == 10 and events == every[-5:]  # the newest five
    assert [e["event"] for e in events] == ["token accepted"] * 5
    rc, out, err = run(read_meter, "--port", meter.url, "--json", "--events", "0")
    assert rc == 0 and json.loads(out)["events"] == []
    for bad in ("-5", "x"):
        rc, out, err = run(read_meter, "--port", meter.url, "--events", bad)
        assert rc == 2 and out == "" and "0 or more" in err, err
    with pytest.raises(ValueError):
        read_meter.read_all(None, -5)
