"""HDLC link layer: cost of the CRC, of parsing and building a frame, of the
stream reader, and of one request/response exchange through HdlcLink.

Options: none (-h, --help: this text).
Section in docs/benchmarks.md: "DLMS HDLC".
"""
import benchutil

benchutil.usage(__name__)

from dlms import hdlc_crc  # noqa: E402
from dlms import hdlc_frame as hf  # noqa: E402
from dlms import hdlc_link as hl  # noqa: E402
from hdlc_captures import A_GET_LDN, A_GET_LDN_RESP, A_SNRM, apdu_of  # noqa: E402
from benchutil import per_call_us, alloc_bytes, row  # noqa: E402

S = "DLMS HDLC"
INFO128 = bytes(i & 0xFF for i in range(128))
FULL = hf.build(b"\x21", b"\x03", 0x30, INFO128, True)  # 128-byte info field
reader = hf.FrameReader()


def crc128():
    hdlc_crc.crc16(INFO128)


def parse_full():
    hf.parse(FULL, 1, len(FULL) - 1)


def parse_small():
    hf.parse(A_GET_LDN, 1, len(A_GET_LDN) - 1)


def build_full():
    hf.build(b"\x21", b"\x03", 0x30, INFO128, True)


def read_stream():
    reader.feed(FULL)
    reader.next_frame()


link = hl.HdlcLink([1])
link.receive_data(A_SNRM)
link.next_event()
link.data_to_send()
RESP = apdu_of(A_GET_LDN_RESP)


def exchange():
    # client I-frame with the right N(S)/N(R) -> ApduReceived -> answer
    vr, vs = link._vr, link._vs
    req = hf.build(b"\x03", b"\x21", hf.i_control(vr, vs), b"\xe6\xe6\x00" + apdu_of(A_GET_LDN))
    link.receive_data(req)
    link.next_event()
    link.send_apdu(RESP)
    link.data_to_send()


BIG = bytes(i & 0xFF for i in range(1024))


def segmented_1k():
    vr, vs = link._vr, link._vs
    link.receive_data(hf.build(b"\x03", b"\x21", hf.i_control(vr, vs), b"\xe6\xe6\x00\xc0"))
    link.next_event()
    link.send_apdu(BIG)
    link.data_to_send()
    while link.sending:
        link.receive_data(hf.build(b"\x03", b"\x21", hf.s_control(hf.RR, link._vs)))
        link.next_event()
        link.data_to_send()


row(S, "CRC-16/X.25 over 128 bytes", per_call_us(crc128, 300), "us/call")
row(S, "parse frame, 128-byte info (HCS+FCS)", per_call_us(parse_full, 300), "us/frame")
row(S, "parse frame, GET request (16-byte info)", per_call_us(parse_small, 1000), "us/frame")
row(S, "build frame, 128-byte info", per_call_us(build_full, 300), "us/frame")
row(S, "FrameReader feed+find, 128-byte info", per_call_us(read_stream, 300), "us/frame")
row(S, "HdlcLink GET exchange (frame in, frame out)", per_call_us(exchange, 300), "us/exchange")
row(S, "HdlcLink 1 KB response, 9 segments with RR", per_call_us(segmented_1k, 30), "us/APDU")
a = alloc_bytes(parse_full)
if a is not None:
    row(S, "bytes allocated per parse (128-byte info)", a, "bytes")
    row(S, "bytes allocated per build (128-byte info)", alloc_bytes(build_full), "bytes")
    row(S, "bytes allocated per CRC over 128 bytes", alloc_bytes(crc128), "bytes")
    row(S, "bytes allocated per FrameReader frame", alloc_bytes(read_stream), "bytes")
    row(S, "bytes allocated per GET exchange", alloc_bytes(exchange), "bytes")
