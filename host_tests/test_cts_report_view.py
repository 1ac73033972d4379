"""The conformance runner's HTML report as a person sees it (issue 16 item 5):
rendered by headless Chromium (Debian's `chromium`, which `make test` installs
when it can) at a phone's size, the summary banner must be on the first
screen, red with the failed step listed for a failing meter, green for a sound
one; the DOM Chromium builds holds the summary, the meter's identity and the
tool's version. Without chromium the test is skipped and says why."""
import os
import shutil
import struct
import subprocess
import zlib

import pytest

import provision
from cts_faults import FAULTS
from meter_tcp import MeterTcp
from pctools import cts

P = provision.DEV_PROVISION
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PHONE = (390, 844)  # CSS pixels of a common phone screen
RED, GREEN = (0xc6, 0x28, 0x28), (0x1b, 0x7f, 0x3b)  # report.py #summary.fail / .pass

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (make test installs Debian's chromium "
    "where it can: as root with apt-get); the HTML report's rendering is not checked")


def png_pixels(data):
    """(width, height, rows of (r, g, b) pixels, a generator from the top) of
    an 8-bit RGB or RGBA PNG, not interlaced (what Chromium writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, w = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and ctype in (2, 6) and interlace == 0, (depth, ctype, interlace)
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    return w, h, _rows(zlib.decompress(idat), w, h, bpp)


def _rows(raw, w, h, bpp):
    stride = w * bpp
    prev = bytearray(stride)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):  # PNG filters (RFC 2083 6)
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        yield [tuple(line[x * bpp:x * bpp + 3]) for x in range(w)]
        prev = line


def test_png_reader_on_a_known_image():
    # 2x2 RGB, rows filtered None and Up: red green / red blue
    raw = b"\x00" + bytes((255, 0, 0, 0, 255, 0)) + b"\x02" + bytes((0, 0, 0, 0, 1, 255))
    def chunk(kind, body):
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    w, h, rows = png_pixels(png)
    assert (w, h, list(rows)) == (2, 2, [[(255, 0, 0), (0, 255, 0)], [(255, 0, 0), (0, 0, 255)]])


def chromium(tmp_path, page, *args):
    p = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                        "--hide-scrollbars", "--user-data-dir=%s" % (tmp_path / "profile"),
                        "--window-size=%d,%d" % PHONE] + list(args) + ["file://" + page],
                       capture_output=True, timeout=180)
    assert p.returncode == 0, p.stderr.decode(errors="replace")[-2000:]
    return p.stdout.decode()


def report(tmp_path, fault=None):
    m = MeterTcp(str(tmp_path / "meter"), {"meter": {"process": FAULTS[fault][0]}} if fault else {},
                 tick_s=1)
    page = str(tmp_path / "report.html")
    try:
        code, rep = cts.run(cts.build_parser().parse_args(
            ["--port", m.url, "--quiet", "--key", P["key"], "--steps", "1,7,31", "--trace",
             "--html", page]))
    finally:
        m.stop()
    return code, rep, page


def banner_rows(tmp_path, page, color):
    """The rows at the top of a phone screenshot that the banner color fills
    across (more than half the width)."""
    shot = tmp_path / "phone.png"
    chromium(tmp_path, page, "--screenshot=%s" % shot)
    w, h, rows = png_pixels(shot.read_bytes())
    assert (w, h) == PHONE
    filled = []
    for y, row in enumerate(rows):  # (pure-Python decoding: stop below the banner)
        if sum(px == color for px in row) > w // 2:
            filled.append(y)
        elif filled or y > 20:
            break
    return filled


@pytest.mark.parametrize("fault", [None, "accepts_used"])
def test_the_summary_is_the_first_thing_on_a_phone(tmp_path, fault):
    code, rep, page = report(tmp_path, fault)
    assert code == (1 if fault else 0)
    filled = banner_rows(tmp_path, page, RED if fault else GREEN)
    # the banner starts at the top, and ends on the first screen
    assert filled and filled[0] < 5 and 60 < len(filled) < PHONE[1] * 2 // 3, filled[:3]
    dom = chromium(tmp_path, page, "--dump-dom")
    assert '<header id="summary" class="%s">' % ("fail" if fault else "pass") in dom
    if fault:
        assert "1 of 3 steps failed" in dom and "step 7: Used: the same credit token twice" in dom
        assert "observed status 3 executed" in dom
    else:
        assert "all 3 steps that ran passed" in dom
    assert rep["tool"]["commit"] in dom and rep["meter"]["drn"] in dom
    assert 'name="viewport"' in dom and dom.count("<details") == 3  # --trace: every step's frames
