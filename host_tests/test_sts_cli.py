"""tools/sts.py (pctools.tokens) and pctools.stskeys (CPython): every vector through the CLI.

All rows run in-process through main(argv) (argument parsing, output and exit
status included); a representative subset also runs as real subprocesses.
"""
import contextlib
import io
import json
import os
import re
import subprocess
import sys

import pytest

import vectors
from pctools import stskeys, tokens as cli

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = os.path.join(ROOT, "tools", "sts.py")

TOKENS = list(vectors.rows("token"))
KEYS = list(vectors.rows("decoder_key"))


def run(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = cli.main(argv)
        except SystemExit as exc:  # argparse
            rc = exc.code
    return rc, out.getvalue(), err.getvalue()


def sub(argv):
    p = subprocess.run([sys.executable, CLI] + argv, capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def key_argv(row):
    a = ["key", "--dkga", row["dkga"][-2:], "--vending-key", row["vk_hex"], "--pan", row["meter_pan"],
         "--kt", row["kt"], "--sgc", row["sgc"], "--ti", row["ti"], "--krn", row["krn"]]
    if row["dkga"] == "DKGA04":
        a += ["--ea", row["ea"], "--base-date", row["base_date"] or "1993"]
    return a


def decode_argv(row):
    a = ["decode"]
    if row["ea"] != "-":
        a += ["--key", row["decoder_key_hex"], "--ea", row["ea"]]
    if row["base_date"]:
        a += ["--base-date", row["base_date"]]
    return a + [row["token"]]


def vend_argv(row):
    f = vectors.fields(row)
    cls, subc = row["token_class"], row["subclass"]
    a = ["vend", "--ea", row["ea"] if row["ea"] != "-" else "07", "--class", cls, "--subclass", subc]
    if row["ea"] != "-":
        a += ["--key", row["decoder_key_hex"]]
    if cls == "1":
        return a + ["--control", f["control"], "--mfrcode", f["mfrcode"]]
    if cls == "2" and subc in ("3", "4"):
        # decode-suite KCTs (tok-119/120) carry the key 0abc12def3456789 itself, KEN 255
        return a + ["--new-key", f.get("new_dk", row["decoder_key_hex"]), "--new-kt", "2",
                    "--new-krn", f.get("new_krn", "2"), "--new-ti", f.get("new_ti", "1"),
                    "--new-ken", f.get("new_ken", "255"), "--ro", f.get("ro", "0")]
    a += ["--rnd", str(int(f["rnd"]))]
    if "time" in f:
        a += ["--date", f["time"], "--base-date", row["base_date"]]
    else:
        a += ["--tid", row["tid"]]
    if "amount_units" in f:
        a += ["--value", f["amount_units"]]
    elif "value_w" in f:
        a += ["--value", f["value_w"]]
    elif "register" in f:
        a += ["--value", str(int(f["register"], 16))]
    elif "pad" in f:
        a += ["--field", f["pad"]]
    else:
        a += ["--field", f["value_field"]]
    return a


def check_decoded(row, out):
    d = json.loads(out)
    assert d["class"] == int(row["token_class"]) and d["subclass"] == int(row["subclass"])
    assert d["plain_block"] == row["plain_block_hex"]
    assert d["crc_ok"] is True
    assert d["tid"] == (int(row["tid"]) if row["tid"] else None)
    f = vectors.fields(row)
    if "time" in f and row["base_date"]:
        assert d["date"] == f["time"]
    for k, v in f.items():
        if k in d and k not in ("tid",):
            want = int(v, 16) if v.startswith("0x") else int(v) if v.isdigit() else v
            assert d[k] == want, (k, v, d[k])


@pytest.mark.parametrize("row", KEYS, ids=[r["id"] for r in KEYS])
def test_decoder_keys_library_and_cli(row):
    vk = bytes.fromhex(row["vk_hex"])
    args = (row["meter_pan"], int(row["kt"]), int(row["sgc"]), int(row["ti"]), int(row["krn"]))
    if row["dkga"] == "DKGA02":
        dk = stskeys.dkga02(vk, *args)
    else:
        bd = int(row["base_date"] or 1993)
        assert stskeys.dkga04_message(*args, int(row["ea"]), bd).hex() == row["input_hex"]
        dk = stskeys.dkga04(vk, *args, int(row["ea"]), bd)
    assert dk.hex() == row["decoder_key_hex"]
    rc, out, err = sub(key_argv(row))
    assert (rc, out.strip()) == (0, row["decoder_key_hex"]), err


def test_pan_block_for_common_keys():
    # sts.md 8: KT 3 (DCTK) zeroes the DRN part
    assert stskeys.pan_block("600727000000000009", 2).hex() == "0072700000000000"
    assert stskeys.pan_block("000001000000000082", 2).hex() == "0000100000000008"
    assert stskeys.pan_block("600727111111111153", 3).hex() == "0072700000000000"


def test_every_token_decodes_via_the_cli():
    for row in TOKENS:
        rc, out, err = run(decode_argv(row))
        assert rc == 0, (row["id"], err)
        check_decoded(row, out)


def test_every_token_is_vended_via_the_cli():
    for row in TOKENS:
        rc, out, err = run(vend_argv(row))
        assert rc == 0, (row["id"], err)
        assert row["token"] in out.split(), (row["id"], out)


def _subset():
    seen, out = set(), []
    for row in TOKENS:
        k = (row["ea"], row["token_class"], row["subclass"])
        if k not in seen:
            seen.add(k)
            out.append(row)
    return out


@pytest.mark.parametrize("row", _subset(), ids=lambda r: r["id"])
def test_subprocess_decode_and_vend(row):
    rc, out, err = sub(decode_argv(row))
    assert rc == 0, err
    check_decoded(row, out)
    rc, out, err = sub(vend_argv(row))
    assert rc == 0 and row["token"] in out.split(), err


@pytest.mark.parametrize("argv", [
    ["decode", "--key", "0abc12def3456788", "--ea", "07", "29054347139309851356"],  # wrong key
    ["decode", "--key", "0abc12def3456789", "--ea", "07", "29054347139309851357"],  # flipped digit
    ["decode", "--key", "0abc12def3456789", "--ea", "07", "2905434713930985135"],  # 19 digits
    ["decode", "--key", "0abc12def3456789", "--ea", "07", "290543471393098513566"],  # 21 digits
    ["decode", "--key", "0abc12def3456789", "--ea", "07", "2905434713930985135x"],
    ["decode", "--key", "0abc12def3456789", "--ea", "07", "73786976294838206464"],  # 2^66
    ["decode", "--key", "0abc12def3456789", "--ea", "07", "00000000000402653184"],  # class 3
    ["decode", "29054347139309851356"],  # class 0 without a key
    ["vend", "--ea", "07", "--class", "0", "--subclass", "0", "--value", "1"],  # no key
    ["vend", "--key", "0abc12def3456789", "--ea", "07", "--class", "0", "--subclass", "0"],  # no TID
])
def test_errors_exit_2_with_one_line(argv):
    rc, out, err = sub(argv)
    assert rc == 2
    assert len(err.strip().splitlines()) == 1 and err.startswith("error: ")


def test_decode_ignores_separators():
    rc, out, _ = run(["decode", "--key", "0abc12def3456789", "--ea", "07", "2905-4347-1393-0985-1356"])
    assert rc == 0 and json.loads(out)["amount"] == "25.6 kWh"
    rc, out, _ = run(["decode", "--key", "0abc12def3456789", "--ea", "07", "2905", "4347", "1393", "0985", "1356"])
    assert rc == 0


def test_amount_option_rounds_up():
    base = ["vend", "--key", "0abc12def3456789", "--ea", "07", "--class", "0", "--subclass", "0",
            "--tid", "100"]
    for text, units in (("25.6", 256), ("25.61", 257), ("2000", 20004), ("0.1", 1)):
        rc, out, _ = run(base + ["--amount", text])
        rc, dec, _ = run(["decode", "--key", "0abc12def3456789", "--ea", "07", out.strip()])
        assert json.loads(dec)["amount_units"] == units, text
    rc, out, _ = run(["vend", "--key", "0abc12def3456789", "--ea", "07", "--class", "0", "--subclass", "4",
                      "--tid", "100", "--amount", "12.5"])
    rc, dec, _ = run(["decode", "--key", "0abc12def3456789", "--ea", "07", out.strip()])
    d = json.loads(dec)
    assert d["amount_units"] == 1250024 and d["amount"] == "12.50024 currency"  # rounded up (e = 2)


def test_sample_tables_option():
    rc, out, _ = run(["decode", "--key", "0abc12def3456789", "--ea", "07", "--tables", "sample",
                      "51043465443420856213"])
    assert rc == 0 and json.loads(out)["plain_block"] == "0b19eb230100c207"


def _examples(text):
    """(argv, expected output or None) for each example command in a help epilog."""
    lines = text.replace("\\\n", " ").splitlines()
    out = []
    for i, line in enumerate(lines):
        m = re.match(r"\s*(?:\.venv/bin/)?python tools/sts.py (.*)$", line)
        if not m:
            continue
        cmd = m.group(1).split("#")[0] if " #" in m.group(1) else m.group(1)
        want = None
        if i + 1 < len(lines) and lines[i + 1].strip().startswith("->"):
            want = lines[i + 1].strip()[2:].strip()
        import shlex
        out.append((shlex.split(cmd), want))
    return out


@pytest.mark.parametrize("command", ["key", "vend", "decode"])
def test_help_examples_are_pasteable(command):
    rc, out, _ = run([command, "--help"])
    assert rc == 0 and "examples:" in out
    examples = _examples(out)
    assert examples
    for argv, want in examples:
        rc, got, err = run(argv)
        assert rc == 0, (argv, err)
        if want:
            assert got.strip() == want, argv
