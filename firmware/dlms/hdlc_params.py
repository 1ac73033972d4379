# HDLC link parameters and their SNRM/UA negotiation, dlms.md 2.5 and 2.9
# (ISO/IEC 13239 parameter negotiation as used by IEC 62056-46).
#
# Information field: 81 (format id) 80 (group id) <group length> then
# parameters <id> <len> <value, big-endian>. Ids: 05 max info length
# transmit, 06 max info length receive, 07 window size transmit, 08 window
# size receive, each from the sender's point of view. Absent -> 128/128/1/1.
from compat import const

_MAX_INFO_TX = const(0x05)
_MAX_INFO_RX = const(0x06)
_WINDOW_TX = const(0x07)
_WINDOW_RX = const(0x08)
DEFAULT_INFO = const(128)
_DEFAULT_WINDOW = const(1)
# The 11-bit frame length leaves at most 2047 - 13 (4-byte server address)
# bytes of information; 2030 is the usual round limit (dlms.md 2.5).
_LIMIT_INFO = const(2030)


class Settings:
    """The server's own link capabilities (HDLC setup, class 23 defaults as in
    dlms.md 2.9). Windows above 1 are accepted in a proposal but this server
    always answers with window 1 (it sends one frame per poll)."""

    def __init__(self, max_info_tx=DEFAULT_INFO, max_info_rx=DEFAULT_INFO,
                 window_tx=_DEFAULT_WINDOW, window_rx=_DEFAULT_WINDOW,
                 inactivity_timeout_ms=120000, partial_frame_timeout_ms=1000,
                 max_apdu=2048, flag_safe_fcs=True, snrm_takeover=True):
        self.max_info_tx = max_info_tx
        self.max_info_rx = max_info_rx
        self.window_tx = window_tx
        self.window_rx = window_rx
        self.inactivity_timeout_ms = inactivity_timeout_ms  # 0: never
        self.partial_frame_timeout_ms = partial_frame_timeout_ms  # 0: never
        self.max_apdu = max_apdu  # reassembly limit for received APDUs
        # Choose segment boundaries and UA encodings so that no frame holds
        # 7E 7E, its closing flag included (the dlms-cosem frame-scan quirk,
        # dlms.md 8.2; dlms.hdlc_segment).
        self.flag_safe_fcs = flag_safe_fcs
        # An SNRM from another client (or to another logical device) while
        # connected: True resets the link to the newcomer, as Gurux C does;
        # False answers DM until the current client leaves or times out.
        self.snrm_takeover = snrm_takeover


def parse(info):
    """Proposal of an SNRM information field as a 4-list [max_info_tx,
    max_info_rx, window_tx, window_rx] from the client's point of view,
    defaults for absent values; None when the field is malformed."""
    out = [DEFAULT_INFO, DEFAULT_INFO, _DEFAULT_WINDOW, _DEFAULT_WINDOW]
    n = len(info)
    if n == 0:
        return out
    if n < 3 or info[0] != 0x81 or info[1] != 0x80 or info[2] != n - 3:
        return None
    p = 3
    while p < n:
        if p + 2 > n:
            return None
        pid, ln = info[p], info[p + 1]
        p += 2
        if ln > 4 or p + ln > n:
            return None
        v = 0
        for k in range(ln):
            v = v << 8 | info[p + k]
        p += ln
        if _MAX_INFO_TX <= pid <= _WINDOW_RX:
            out[pid - _MAX_INFO_TX] = v
    return out


def negotiate(proposal, settings):
    """The values this server uses, from its own point of view:
    (max_info_tx, max_info_rx, window_tx, window_rx). Each is the minimum of
    our capability and the client's proposal (2.5), at least 1."""
    c_tx, c_rx, c_wtx, c_wrx = proposal
    tx = _least(c_rx, settings.max_info_tx, _LIMIT_INFO)
    rx = _least(c_tx, settings.max_info_rx, _LIMIT_INFO)
    wtx = _least(c_wrx, settings.window_tx, 1)
    wrx = _least(c_wtx, settings.window_rx, 7)
    return tx, rx, wtx, wrx


def _least(a, b, c):
    # max(1, min(a, b, c)) without the builtins' argument handling (3x faster on CPython)
    if b < a:
        a = b
    if c < a:
        a = c
    return a if a > 1 else 1


def _put(out, pid, value, size):
    out.append(pid)
    out.append(size)
    for k in range(size - 1, -1, -1):
        out.append((value >> (8 * k)) & 0xFF)


def encode(values, variant=0):
    """UA information field for (tx, rx, wtx, wrx). variant 0 is the Gurux C
    layout (lengths in 1 byte when < 256, else 2; windows in 4 bytes);
    variants 1..3 use other legal value sizes, so the caller can pick one
    whose FCS does not end in 0x7E."""
    tx, rx, wtx, wrx = values
    wide_len = variant & 1
    wsize = 1 if variant & 2 else 4
    out = bytearray(b"\x81\x80\x00")
    _put(out, _MAX_INFO_TX, tx, 2 if wide_len or tx > 255 else 1)
    _put(out, _MAX_INFO_RX, rx, 2 if wide_len or rx > 255 else 1)
    _put(out, _WINDOW_TX, wtx, wsize)
    _put(out, _WINDOW_RX, wrx, wsize)
    out[2] = len(out) - 3
    return bytes(out)
