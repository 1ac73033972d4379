# mp-heap: 192k
# (the DLMS stack and GCM from source: 176k is the least that runs as tools/bench.py runs it)
"""DLMS APDU layer: cost of a GET (decode + association + encode), of A-XDR,
and of suite-0 AES-GCM, on CPython and MicroPython.

Options: none (-h, --help: this text).
Section in docs/benchmarks.md: "DLMS APDU layer".
"""
import benchutil

benchutil.usage(__name__)

from dlms import aes, association, axdr, gcm, security  # noqa: E402
import provision  # noqa: E402
from benchutil import MICROPYTHON, alloc_bytes, per_call_us, row  # noqa: E402

S = "DLMS APDU layer"
EK = bytes(range(16))
AK = bytes(range(0xD0, 0xE0))
TITLE = b"ABCDEFGH"
GET_LDN = bytes.fromhex("C001C1000100002A0000FF0200")
AARQ = bytes.fromhex("601DA109060760857405080101BE10040E01000000065F1F0400401E5DFFFF")
LDN = axdr.encode((axdr.OCTET_STRING, b"STS0000000000001"))

cfg = provision.dlms_config(None, lambda n: bytes(n))
public = association.Association(cfg, 16)
public.receive(AARQ)


def get_cycle():
    ev = public.receive(GET_LDN)
    public.get_response(ev.request, [LDN])


row(S, "GET normal: decode + association + encode (public)", per_call_us(get_cycle, 2000), "us/GET")

OBJ = (axdr.STRUCTURE, [(axdr.LONG_UNSIGNED, 3), (axdr.UNSIGNED, 0),
                        (axdr.OCTET_STRING, b"\x01\x00\x01\x08\x00\xff"),
                        (axdr.STRUCTURE, [(axdr.ARRAY, [(axdr.STRUCTURE, [(axdr.INTEGER, i), (axdr.ENUM, 1),
                                                                          (axdr.NULL, None)]) for i in range(1, 4)]),
                                          (axdr.ARRAY, [])])])
OBJ_BYTES = axdr.encode(OBJ)


def enc_obj():
    axdr.encode(OBJ)


def dec_obj():
    axdr.decode(OBJ_BYTES)


row(S, "A-XDR encode one object_list element (%d bytes)" % len(OBJ_BYTES), per_call_us(enc_obj, 1000), "us/call")
row(S, "A-XDR decode one object_list element", per_call_us(dec_obj, 1000), "us/call")

APDU64 = bytes(range(64))
IV = TITLE + b"\x00\x00\x00\x01"
g_port = gcm.Gcm(EK, aes.new(EK, portable=True), portable=True)
blk = bytearray(16)
BLOCK = APDU64[:16]
port = aes.Aes128(EK)


def aes_port():
    port.encrypt(BLOCK, blk)


def gcm_port():
    g_port.encrypt(IV, APDU64, b"\x30" + AK, 12)


row(S, "AES-128 block, portable table code", per_call_us(aes_port, 300), "us/block")
row(S, "AES-GCM encrypt 64-byte APDU, portable AES and GHASH", per_call_us(gcm_port, 100), "us/APDU")
if MICROPYTHON:
    g_native = gcm.Gcm(EK)  # cryptolib and dlms.native where the port has them

    def gcm_native():
        g_native.encrypt(IV, APDU64, b"\x30" + AK, 12)

    row(S, "AES-GCM encrypt 64-byte APDU, cryptolib AES and native GHASH", per_call_us(gcm_native, 200),
        "us/APDU")

# a ciphered GET in an HLS-GMAC association (general-glo-ciphering both ways),
# set up with the captured AARQ of dlms.md appendix B and a computed HLS reply
AARQ_HLS = bytes.fromhex(
    "605DA109060760857405080103A60A04084142434445464748" "8A020780" "8B0760857405080205"
    "AC1280108659ACC0C164E17D8468067C9B947D7E" "BE230421211F30000000C8B5EE6B1313EEAF313EEB574DD4"
    "227D842B4CF677280D7B0F8079")
hcfg = provision.dlms_config(None, lambda n: bytes(range(n)))
hcfg.system_title = TITLE
mgmt = association.Association(hcfg, 1)
mgmt.receive(AARQ_HLS)
client_gcm = gcm.Gcm(EK)
f = security.hls_f(client_gcm, AK, TITLE, 0xC9, bytes(range(16)))
hls = bytes.fromhex("C301C1000F0000280000FF01010911") + f
mgmt.receive(security.wrap(hls, security.FORM_GLO, 0x30, 0xCA, client_gcm, AK, TITLE))
assert mgmt.state == association.ASSOCIATED
ic = [0xCA]


def ciphered_get():
    ic[0] += 1
    req = security.wrap(GET_LDN, security.FORM_GENERAL_GLO, 0x30, ic[0], client_gcm, AK, TITLE)
    ev = mgmt.receive(req)
    mgmt.get_response(ev.request, [LDN])


ciphered_get()
row(S, "ciphered GET round: client wrap + server decipher, dispatch, encipher", per_call_us(ciphered_get, 100), "us/GET")

a = alloc_bytes(get_cycle)
if a is not None:
    row(S, "bytes allocated per plain GET cycle", a, "bytes")
    row(S, "bytes allocated per AES-GCM 64-byte encrypt (portable AES and GHASH)", alloc_bytes(gcm_port),
        "bytes")
    row(S, "bytes allocated per portable AES block (caller's buffer)", alloc_bytes(aes_port), "bytes")
    row(S, "bytes allocated per ciphered GET cycle (incl. client-side wrap)", alloc_bytes(ciphered_get), "bytes")
