"""STS token engine: decode + process of one token, EA07 (STA) and EA11 (MISTY1).
Time per token under both interpreters; bytes allocated per token under
MicroPython (gc.mem_alloc difference with the GC off). Targets (issue 3):
< 2 ms and < 4 KB per token on the micropython executable.

Options: none (-h, --help: this text).
Section in docs/benchmarks.md: "STS token decode + process".
"""
import benchutil

benchutil.usage(__name__)

from sts import processor, vend, carrier, crc, sta, misty1  # noqa: E402
from sts.state import StsState  # noqa: E402
from benchutil import per_call_us, alloc_bytes, row  # noqa: E402

SEC = "STS token decode + process"
K7 = bytes.fromhex("e653341f9d5bf36f")
K11 = bytes.fromhex("f94b6ed353c3bfdb113e2d3a7ea3c41d")
TID = 5871715
# a meter whose TID memory is full (the steady state), and a fresh token
S7 = StsState(7, K7, tids=list(range(TID - 640, TID - 0, 10)))
S11 = StsState(11, K11, tids=list(range(TID - 640, TID - 0, 10)))
T7 = vend.vend(7, K7, 0, 0, tid=TID, value=256, rnd=5)
T11 = vend.vend(11, K11, 0, 0, tid=TID, value=256, rnd=5)
assert processor.process(S7, T7).result == 1 and processor.process(S11, T11).result == 1


def p7():
    processor.process(S7, T7)


def p11():
    processor.process(S11, T11)


def d7():
    cls, a, b, c, d = carrier.parse_words(T7)
    a, b, c, d = sta.decrypt_words(K7, a, b, c, d)
    crc.field_words(cls, a, b, c)


def d11():
    cls, a, b, c, d = carrier.parse_words(T11)
    a, b, c, d = misty1.decrypt_words(K11, a, b, c, d)
    crc.field_words(cls, a, b, c)


row(SEC, "EA07 decode+process (accept, full TID memory)", per_call_us(p7, 300), "us/token")
row(SEC, "EA11 decode+process (accept, full TID memory)", per_call_us(p11, 300), "us/token")
row(SEC, "EA07 carrier+decrypt+CRC only", per_call_us(d7, 300), "us/token")
row(SEC, "EA11 carrier+decrypt+CRC only", per_call_us(d11, 300), "us/token")
for name, fn in (("EA07 decode+process", p7), ("EA11 decode+process", p11),
                 ("EA07 carrier+decrypt+CRC", d7), ("EA11 carrier+decrypt+CRC", d11)):
    a = alloc_bytes(fn)
    if a is not None:
        row(SEC, "bytes allocated per token, " + name, a, "bytes")
