# Portable: a small firmware image bundle for the update tests, signed with
# the development test key by tools/make_image.py (pycryptodome) and kept
# in host_tests/data/update-test.img; host_tests/test_update_tools.py checks
# that make_image still builds exactly these bytes from FILES.
from update import bundle

_HERE = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
PATH = _HERE + "/../data/update-test.img"

ID = "stsmeter-test-2.0"
VERSION = "2.0"
FORMAT = "py"
FILES = [
    ("app.py", b"# the test image's app\nVERSION = '2.0'\n"),
    ("pkg/__init__.py", b""),
    ("pkg/mod.py", b"".join(b"LINE_%d = %d\n" % (i, i * i) for i in range(24))),
]
# RFC 8032 7.1 TEST 1: the public half of the development test key
PUBLIC_KEY = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
BLOCK = 64  # small blocks: the tests see many of them


def image():
    with open(PATH, "rb") as f:
        return f.read()


def tampered(at):
    """The image with one bit flipped at offset `at` (negative: from the end)."""
    b = bytearray(image())
    b[at] ^= 0x01
    return bytes(b)


def manifest():
    return bundle.parse(image())
