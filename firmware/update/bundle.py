# The firmware image bundle (docs/update.md "Bundle format"), as the meter
# reads it; tools/make_image.py writes it with the same constants.
#
#   MAGIC (8 bytes) | manifest length (u32, little-endian) | manifest (UTF-8)
#   | the files' bytes, in manifest order | signature (64 bytes)
#
# The manifest is lines "key value": "id <image identifier>", "version <text>",
# "format py" or "format mpy <.mpy version>" (bytecode: no native code), then one line per file
# "file <path> <size> <sha256 hex>". The signature is Ed25519 (RFC 8032) over
# SIGNED_PREFIX + SHA-256 of every byte before the signature.
import struct

MAGIC = b"STSIMG1\n"
SIGNED_PREFIX = b"stsmeter firmware image v1\n"  # domain separation of the signed digest
SIGNATURE_SIZE = 64
MAX_MANIFEST = 16384
HEAD = 12  # MAGIC and the manifest length


class BundleError(Exception):
    pass


def manifest_length(head):
    """The manifest length from the first HEAD bytes, or BundleError."""
    if len(head) < HEAD or bytes(head[:8]) != MAGIC:
        raise BundleError("not a firmware image")
    n = struct.unpack_from("<I", head, 8)[0]
    if not 0 < n <= MAX_MANIFEST:
        raise BundleError("manifest of %d bytes" % n)
    return n


class Manifest:
    """The parsed manifest: id, version, format and files [(path, size,
    sha256 bytes)]; data_size is the sum of the file sizes."""

    def __init__(self, text):
        try:
            text = bytes(text).decode()
        except UnicodeError:
            raise BundleError("manifest is not UTF-8")
        self.id = self.version = self.format = None
        self.files = []
        self.data_size = 0
        for line in text.split("\n"):
            if not line:
                continue
            key, _, rest = line.partition(" ")
            if key == "file":
                self.files.append(_file(rest))
                self.data_size += self.files[-1][1]
            elif key in ("id", "version", "format"):
                setattr(self, key, rest)
        if not self.id or self.version is None or self.format is None or not self.files:
            raise BundleError("manifest lacks id, version, format or files")

    def image_size(self):
        return HEAD + self.manifest_size + self.data_size + SIGNATURE_SIZE


def _file(rest):
    w = rest.split(" ")
    try:
        path, size, digest = w[0], int(w[1]), bytes.fromhex(w[2])
    except (IndexError, ValueError):
        raise BundleError("bad file line: %s" % rest)
    if (len(w) != 3 or size < 0 or len(digest) != 32 or not path or path[0] == "/"
            or ".." in path.split("/")):
        raise BundleError("bad file line: %s" % rest)
    return path, size, digest


def parse(head_and_manifest):
    """A Manifest from the image's first bytes (HEAD + manifest)."""
    n = manifest_length(head_and_manifest)
    if len(head_and_manifest) < HEAD + n:
        raise BundleError("image shorter than its manifest")
    m = Manifest(memoryview(head_and_manifest)[HEAD:HEAD + n])
    m.manifest_size = n
    return m


def runnable_formats(implementation):
    """The bundle formats an interpreter runs: sources ("py") everywhere, and
    on MicroPython bytecode of its .mpy version ("mpy 6": the low byte of
    sys.implementation._mpy). make_image builds bytecode by default: sources
    cost a board heap to compile."""
    mpy = getattr(implementation, "_mpy", None)
    return ("py",) if mpy is None else ("mpy %d" % (mpy & 0xFF), "py")
