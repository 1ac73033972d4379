"""Send an STS token to a meter through the DLMS token gateway (class 115).

Associates as the management client (HLS-GMAC, authenticated encryption),
calls method 1 `enter` of 0.0.19.40.0.255 with the token, reads token_status
(attribute 6), the credit and its unit (account attribute 15), and prints the
outcome: the STS result by name with its code, the token_status, the credit
in the meter's unit, e.g.
  token 5938...6967: Old error (result 9; token_status 6 validation failure), credit 10.0 kWh

Examples:
  .venv/bin/python tools/send_token.py 5938 6323 4721 3742 6967 --port socket://127.0.0.1:4059
  .venv/bin/python tools/send_token.py 59386323472137426967 --port /dev/ttyUSB0
  .venv/bin/python tools/send_token.py 59386323472137426967 --encoding bcd --json

Exit status: 0 when the meter executed the token, 1 when it refused it,
2 on a usage or communication error.
"""
import argparse
import json
import sys

from gurux_dlms.enums import DataType
from gurux_dlms.objects import GXDLMSCredit, GXDLMSTokenGateway

from dlms import obis
from vocab_names import result_text
from pctools.gateway import ENCODINGS, STATUS, pack, token_digits
from pctools.meterclient import MeterError, add_connection_args, client_from_args
from pctools.units import amount, read_unit


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog=__doc__.split("\n\n", 1)[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("token", nargs="+", help="20 digits, spaces and dashes allowed")
    ap.add_argument("--encoding", choices=ENCODINGS, default="ascii",
                    help="how the token travels in the octet-string (default ascii)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    add_connection_args(ap)
    args = ap.parse_args(argv)
    try:
        digits = token_digits(args.token)
    except ValueError as exc:
        print("error: %s" % exc, file=sys.stderr)
        return 2
    tg = GXDLMSTokenGateway(obis.to_text(obis.TOKEN_GATEWAY))
    credit = GXDLMSCredit(obis.to_text(obis.CREDIT_TOKEN))
    try:
        with client_from_args(args) as m:
            m.method(tg, 1, pack(digits, args.encoding), DataType.OCTET_STRING)
            m.read(tg, 6)
            m.read(credit, 2)
            unit = read_unit(m)
    except (MeterError, OSError, Exception) as exc:  # gurux raises plain Exceptions
        print("error: %s" % exc, file=sys.stderr)
        return 2
    code = int(tg.statusCode)
    bits = str(tg.dataValue or "")  # data_value: the STS result as a bit-string(8)
    res = int(bits, 2) if bits and not bits.strip("01") else None
    units = int(credit.currentCreditAmount)
    out = {"token": digits, "status_code": code, "status": STATUS.get(code, "unknown"),
           "data_value": bits, "result_code": res,
           "result": result_text(res) if res is not None else None,
           "credit": units, "credit_unit": unit, "credit_text": amount(units, unit)}
    if args.json:
        print(json.dumps(out))
    else:
        st = "token_status %d %s" % (code, out["status"])
        # a meter may leave data_value empty (dlms.md 7.4): then the status alone
        why = st if res is None else "%s (result %d; %s)" % (out["result"], res, st)
        print("token %s: %s, credit %s" % (digits, why, out["credit_text"]))
    return 0 if code == 3 else 1


if __name__ == "__main__":
    sys.exit(main())
