# The optional flag-safe rule for outgoing frames (dlms.md 8.2). dlms-cosem
# finds a frame by reading up to each next 0x7E; two adjacent 0x7E anywhere
# in a frame, its closing flag included (an FCS ending in 7E, or 7E 7E in
# the data or in the HCS), make it wait for a flag that never comes. The
# sender chooses segment boundaries (dlms.md 2.7), so an I-frame that is not
# safe() is sent shorter: the link tries cuts() in order and sends the first
# that gives a safe frame; the rest goes in the next segments, which are
# checked the same way.
#
# Where the cut goes matters to gurux-dlms, which parses every segment of a
# reply as it arrives: a first segment that ends inside the APDU's fixed
# fields (tag, invoke-id, result, ...) makes it fail. So the last piece of
# a reply is cut close to its end: before its last 2 bytes, else before its
# last byte, else earlier. A reply made only of fixed fields (a short error
# or status reply) has no cut gurux accepts: docs/dlms.md 8.2.
from compat import const

_TRIES = const(16)


def safe(frame):
    """True when no two 0x7E are adjacent in the frame (flags included)."""
    return frame.find(b"\x7e\x7e") < 0


def cuts(data, start, n, last):
    """Shorter lengths to try, best first, for a segment data[start:start+n]
    whose frame is not safe; `last`: it would end the reply. First the cut
    between the first 7E 7E of the segment (and just before it), then cuts
    near the end: n-2, n-1, n-3, ... for the last piece, n-1, n-2, ... else."""
    out = []
    j = data.find(b"\x7e\x7e", start, start + n)
    if j >= 0:
        out.append(j + 1 - start)
        if j > start:
            out.append(j - start)
    k = 1
    if last and n > 2:
        out.append(n - 2)
        out.append(n - 1)
        k = 3
    while k < n and k < _TRIES:
        out.append(n - k)
        k += 1
    return out
