"""Token carrier and CRC: cost of parsing 20 digits and checking a CRC.

Options: none (-h, --help: this text).
Section in docs/benchmarks.md: "STS carrier and CRC".
"""
import benchutil

benchutil.usage(__name__)

from sts import carrier, crc_message  # noqa: E402
from benchutil import per_call_us, alloc_bytes, row  # noqa: E402

TOKEN = "29054347139309851356"
PLAIN = 0x0B19EB230100C207


def parse():
    carrier.parse(TOKEN)


def check():
    crc_message.check(0, PLAIN)


row("STS carrier and CRC", "parse 20 digits to class + block", per_call_us(parse, 2000), "us/call")
row("STS carrier and CRC", "CRC check of a plain block", per_call_us(check, 2000), "us/call")
a = alloc_bytes(parse)
if a is not None:
    row("STS carrier and CRC", "bytes allocated per parse", a, "bytes")
    row("STS carrier and CRC", "bytes allocated per CRC check", alloc_bytes(check), "bytes")
