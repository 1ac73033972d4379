"""Make and inspect STS tokens (IEC 62055-41) for a development meter.

  key     derive a decoder key (DKGA02 or DKGA04) from a vending key
  vend    make a 20-digit token
  decode  show what a token contains, as one JSON object

Run `.venv/bin/python tools/sts.py COMMAND --help` for the options and examples;
`--json` makes key and vend print one JSON object too.
Keys are hex in the byte order of docs/sts.md (8 bytes for EA07, 16 for EA11).
The STA tables are the ones shipped in firmware/sts/sta_tables.py (`--tables sample`
selects the IEC sample tables).
"""
import argparse
import json
import sys

from sts import carrier, names, tid as tidmod, token as tokmod, vend as vendmod
from sts import sta, sta_tables
from sts.errors import FormatError

from pctools import stskeys

KEY_EXAMPLES = """examples:
  .venv/bin/python tools/sts.py key --dkga 02 --vending-key abababababababab \\
      --pan 600727000000000009 --kt 2 --sgc 123456 --ti 1 --krn 1
  -> e653341f9d5bf36f
  .venv/bin/python tools/sts.py key --dkga 04 --vending-key abababababababab949494949494949401234567 \\
      --pan 600727000000000009 --kt 2 --sgc 123457 --ti 1 --krn 1 --ea 11 --base-date 1993
  -> f94b6ed353c3bfdb113e2d3a7ea3c41d
"""

VEND_EXAMPLES = """examples:
  # 25.6 kWh of electricity, EA07 meter, issued 1996-03-25 13:55 (base date 1993)
  .venv/bin/python tools/sts.py vend --key 0abc12def3456789 --ea 07 --class 0 --subclass 0 \\
      --date "1996-03-25 13:55" --base-date 1993 --rnd 11 --amount 25.6
  -> 29054347139309851356
  # 0.1 kWh on an EA11 meter, TID given directly
  .venv/bin/python tools/sts.py vend --key f94b6ed353c3bfdb113e2d3a7ea3c41d --ea 11 --class 0 \\
      --subclass 0 --tid 5871660 --base-date 1993 --rnd 5 --value 1
  -> 59386323472137426967
  # maximum power limit 5000 W (class 2 sub-class 0)
  .venv/bin/python tools/sts.py vend --key e653341f9d5bf36f --ea 07 --class 2 --subclass 0 \\
      --date "2004-04-01 07:05" --base-date 1993 --value 5000
  # clear all credit registers (class 2 sub-class 1, register 0xFFFF)
  .venv/bin/python tools/sts.py vend --key e653341f9d5bf36f --ea 07 --class 2 --subclass 1 \\
      --tid 5916065 --base-date 1993 --value 65535
  # test token: all tests, 2-digit manufacturer code 00 (class 1 needs no key)
  .venv/bin/python tools/sts.py vend --ea 07 --class 1 --subclass 0 --control 1 --mfrcode 0
  # key change set to a new key (encrypted with the current key --key), one token a line
  .venv/bin/python tools/sts.py vend --key e653341f9d5bf36f --ea 07 --class 2 --subclass 3 --kct-set \\
      --new-key 060b8643c59a27f1 --new-kt 2 --new-krn 1 --new-ti 2 --new-ken 255
"""

DECODE_EXAMPLES = """examples:
  .venv/bin/python tools/sts.py decode --key 0abc12def3456789 --ea 07 --base-date 1993 29054347139309851356
  .venv/bin/python tools/sts.py decode 0000 0000 0001 5099 7584          # class 1: no key needed
exit status: 0 when the CRC checks, 2 (with a one-line error on stderr) otherwise.
"""

UNIT = ("kWh", "m3", "m3", "time", "currency", "currency", "currency", "currency")


class CliError(Exception):
    pass


def hexkey(text):
    try:
        return bytes.fromhex(text.replace(" ", ""))
    except ValueError:
        raise argparse.ArgumentTypeError("not a hex key: %r" % text)


def ea_arg(text):
    if text not in ("07", "7", "11"):
        raise argparse.ArgumentTypeError("EA must be 07 or 11")
    return int(text)


def decimal_units(text, places):
    """'25.6' with places=1 -> 256 (rounded up, in favour of the customer)."""
    t = text.strip()
    neg = t.startswith("-")
    if neg:
        t = t[1:]
    whole, _, frac = t.partition(".")
    if not (whole or frac) or not (whole + frac).isdigit():
        raise CliError("not a decimal amount: %r" % text)
    units = int(whole or "0") * 10 ** places
    units += int((frac[:places] + "0" * places)[:places] or "0")
    if frac[places:].strip("0"):
        units += 1
    return -units if neg else units


def readable(sub, units):
    if sub >= 8:
        return str(units)
    if sub >= 4:
        sign = "-" if units < 0 else ""
        u = abs(units)
        return "%s%d.%05d %s" % (sign, u // 100000, u % 100000, UNIT[sub])
    return "%d.%d %s" % (units // 10, units % 10, UNIT[sub])


def tables_of(args):
    return sta.StaTables(sta_tables.SAMPLE, "sample") if getattr(args, "tables", "real") == "sample" else None


def cmd_key(args):
    if args.dkga == "02":
        dk = stskeys.dkga02(args.vending_key, args.pan, args.kt, args.sgc, args.ti, args.krn)
    else:
        if args.ea is None or args.base_date is None:
            raise CliError("DKGA04 needs --ea and --base-date")
        dk = stskeys.dkga04(args.vending_key, args.pan, args.kt, args.sgc, args.ti, args.krn,
                            args.ea, args.base_date)
    print(json.dumps({"key": dk.hex()}) if args.json else dk.hex())


def _tid(args):
    if args.tid is not None:
        return args.tid
    if args.date is None:
        raise CliError("this token needs --tid or --date")
    if args.base_date is None:
        raise CliError("--date needs --base-date")
    try:
        day, hm = args.date.strip().split()
        y, mo, d = (int(x) for x in day.split("-"))
        hh, mm = (int(x) for x in hm.split(":"))
    except ValueError:
        raise CliError('--date must look like "YYYY-MM-DD HH:MM"')
    return vendmod.tid_for(args.base_date, y, mo, d, hh, mm)


def cmd_vend(args):
    cls, sub = args.cls, args.subclass
    if cls not in (0, 1, 2):
        raise CliError("--class must be 0, 1 or 2")
    key = args.key
    if cls != 1:
        if key is None:
            raise CliError("class %d tokens need --key" % cls)
        if len(key) != (8 if args.ea == 7 else 16):
            raise CliError("EA%02d keys are %d bytes" % (args.ea, 8 if args.ea == 7 else 16))
    tables = tables_of(args)
    if cls == 2 and sub in vendmod.KCT_SUBCLASSES:
        if args.new_key is None:
            raise CliError("key change tokens need --new-key")
        blocks = vendmod.key_change_blocks(args.new_key, kt=args.new_kt, krn=args.new_krn,
                                           ti=args.new_ti, ken=args.new_ken, ro=args.ro,
                                           sgc=args.new_sgc)
        if len(args.new_key) != len(key):
            raise CliError("the new key must have the length of the current key")
        out = [vendmod.encode(args.ea, key, 2, b, tables) for s, b in blocks
               if args.kct_set or s == sub]
        print(json.dumps({"tokens": out}) if args.json else "\n".join(out))
        return
    kw = {}
    if cls == 1:
        if args.control is None:
            raise CliError("class 1 tokens need --control")
        kw = {"control": args.control, "mfrcode": args.mfrcode}
    else:
        kw = {"tid": _tid(args), "rnd": args.rnd}
        if args.field is not None:
            kw["field"] = args.field
        elif args.flag_index is not None:
            kw["field"] = vendmod.set_flag_field(args.flag_index, args.flag_value)
        elif args.amount is not None:
            if cls != 0:
                raise CliError("--amount is for class 0; use --value for class 2")
            kw["value"] = decimal_units(args.amount, 5 if 4 <= sub <= 7 else 1)
        elif args.value is not None:
            kw["value"] = args.value
        else:
            kw["value"] = 0
    tok = vendmod.vend(args.ea, key, cls, sub, tables=tables, **kw)
    print(json.dumps({"token": tok}) if args.json else tok)


def cmd_decode(args):
    text = " ".join(args.token)
    try:
        cls, e = carrier.parse(text)
    except FormatError as exc:
        raise CliError("not a token: %s" % exc)
    if cls == 3:
        raise CliError("token class 3 is reserved")
    if cls != 1 and (args.key is None or args.ea is None):
        raise CliError("class %d tokens need --key and --ea" % cls)
    try:
        tok, crc_ok = tokmod.decode(text, args.ea, args.key, tables_of(args))
    except ValueError as exc:
        raise CliError(str(exc))
    out = {"class": tok.cls, "subclass": tok.subclass, "name": names.name(tok.cls, tok.subclass),
           "plain_block": tok.plain_hex(), "encrypted_block": "%016x" % e,
           "crc_ok": crc_ok, "tid": tok.tid}
    if tok.tid is not None and args.base_date:
        out["date"] = tidmod.format_date(args.base_date, tok.tid)
        out["stid"] = tidmod.is_stid(tok.tid)
    out.update(tok.fields)
    if tok.cls == 0:
        out["amount"] = readable(tok.subclass, tok.fields["amount_units"])
    print(json.dumps(out))
    if not crc_ok:
        raise CliError("CRC check failed: wrong key, wrong meter or a mistyped token")


def build_parser():
    ap = argparse.ArgumentParser(prog="sts.py", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    subs = ap.add_subparsers(dest="command", required=True)
    raw = argparse.RawDescriptionHelpFormatter
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true",
                        help="print one JSON object (decode always does)")

    k = subs.add_parser("key", help="derive a decoder key", parents=[common], epilog=KEY_EXAMPLES,
                        formatter_class=raw,
                        description="Decoder key from a vending key (sts.md 8), printed as hex.")
    k.add_argument("--dkga", choices=("02", "04"), required=True)
    k.add_argument("--vending-key", type=hexkey, required=True, metavar="HEX")
    k.add_argument("--pan", required=True, metavar="18DIGITS", help="MeterPAN")
    k.add_argument("--kt", type=int, required=True, help="key type 0..3")
    k.add_argument("--sgc", type=int, required=True, help="supply group code")
    k.add_argument("--ti", type=int, required=True, help="tariff index 0..99")
    k.add_argument("--krn", type=int, required=True, help="key revision number 1..9")
    k.add_argument("--ea", type=ea_arg, help="07 or 11 (DKGA04)")
    k.add_argument("--base-date", type=int, choices=tidmod.BASE_DATES, help="(DKGA04)")
    k.set_defaults(func=cmd_key)

    v = subs.add_parser("vend", help="make a token", parents=[common], epilog=VEND_EXAMPLES,
                        formatter_class=raw,
                        description="Make one 20-digit token (or a key change set).")
    v.add_argument("--key", type=hexkey, metavar="HEX", help="the meter's decoder key")
    v.add_argument("--ea", type=ea_arg, required=True, help="07 (STA) or 11 (MISTY1)")
    v.add_argument("--class", dest="cls", type=int, required=True, help="token class 0, 1, 2")
    v.add_argument("--subclass", type=int, required=True, help="sub-class 0..15")
    g = v.add_mutually_exclusive_group()
    g.add_argument("--tid", type=int, help="token identifier, minutes since the base date")
    g.add_argument("--date", metavar='"YYYY-MM-DD HH:MM"', help="issue time (00:01 becomes 00:02)")
    v.add_argument("--base-date", type=int, choices=tidmod.BASE_DATES)
    v.add_argument("--rnd", type=int, default=0, help="random nibble 0..15 (default 0)")
    a = v.add_mutually_exclusive_group()
    a.add_argument("--amount", metavar="X", help="class 0: 25.6 (kWh, m3, time) or 12.50 (currency)")
    a.add_argument("--value", type=int, metavar="N",
                   help="units (class 0), W (MPL/MPPUL), register (ClearCredit) or the raw field")
    a.add_argument("--field", type=lambda s: int(s, 0), metavar="N", help="the encoded 16-bit field")
    v.add_argument("--flag-index", type=int, help="SetFlag (class 2 sub 10) flag index")
    v.add_argument("--flag-value", type=int, default=1, help="SetFlag flag value 0/1")
    v.add_argument("--control", type=lambda s: int(s, 0), help="class 1 control bits (bit n = test n)")
    v.add_argument("--mfrcode", type=int, default=0, help="class 1 manufacturer code")
    v.add_argument("--new-key", type=hexkey, metavar="HEX", help="key change: the new decoder key")
    v.add_argument("--new-kt", type=int, default=2)
    v.add_argument("--new-krn", type=int, default=1)
    v.add_argument("--new-ti", type=int, default=1)
    v.add_argument("--new-ken", type=int, default=255)
    v.add_argument("--new-sgc", type=int, default=0, help="key change (128-bit keys): new SGC")
    v.add_argument("--ro", type=int, choices=(0, 1), default=0, help="rollover: clear the TID memory")
    v.add_argument("--kct-set", action="store_true", help="print the whole key change set")
    v.add_argument("--tables", choices=("real", "sample"), default="real", help="EA07 STA tables")
    v.set_defaults(func=cmd_vend)

    d = subs.add_parser("decode", help="show a token as JSON", parents=[common],
                        epilog=DECODE_EXAMPLES, formatter_class=raw,
                        description="Decode one token; prints one JSON object.")
    d.add_argument("--key", type=hexkey, metavar="HEX")
    d.add_argument("--ea", type=ea_arg)
    d.add_argument("--base-date", type=int, choices=tidmod.BASE_DATES)
    d.add_argument("--tables", choices=("real", "sample"), default="real", help="EA07 STA tables")
    d.add_argument("token", nargs="+", help="20 digits, spaces or dashes allowed")
    d.set_defaults(func=cmd_decode)
    return ap


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except (CliError, ValueError) as exc:
        print("error: %s" % exc, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
