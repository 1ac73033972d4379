# The firmware image bundle (docs/update.md "Bundle format"), as the meter
# reads it; tools/make_image.py writes it with the same constants.
#
#   MAGIC (8 bytes) | manifest length (u32, little-endian) | manifest (UTF-8)
#   | the files' bytes, in manifest order | signature (64 bytes)
#
# The manifest is lines "key value": "id <image identifier>", "version <text>",
# "format py" or "format mpy <.mpy version>" (bytecode, no native code), then
# one line per file "file <path> <size> <sha256 hex>". The signature is
# Ed25519 (RFC 8032) over SIGNED_PREFIX + SHA-256 of every byte before it.
#
# The meter reads the manifest a line at a time (lines()), never whole: a
# board's heap after the meter is built has no room for large blocks.
import struct

MAGIC = b"STSIMG1\n"
SIGNED_PREFIX = b"stsmeter firmware image v1\n"  # domain separation of the signed digest
SIGNATURE_SIZE = 64
MAX_MANIFEST = 16384
MAX_LINE = 200
HEAD = 12  # MAGIC and the manifest length
_CHUNK = 256


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


def lines(read, n, on_chunk=None):
    """Generator: the manifest's lines (str) from its n bytes, read through
    read(k) in small chunks; on_chunk(bytes) sees every chunk (the hash)."""
    part = b""
    while n:
        chunk = read(min(_CHUNK, n))
        if not chunk:
            raise BundleError("image ends inside its manifest")
        n -= len(chunk)
        if on_chunk is not None:
            on_chunk(chunk)
        part += chunk
        while True:
            i = part.find(b"\n")
            if i < 0:
                break
            yield _text(part[:i])
            part = part[i + 1:]
        if len(part) > MAX_LINE:
            raise BundleError("manifest line too long")
    if part:
        yield _text(part)


def _text(b):
    try:
        return b.decode()
    except UnicodeError:
        raise BundleError("manifest is not UTF-8")


class Manifest:
    """What the manifest says, built a line at a time with add(): id,
    version, format, file count and data_size (the sum of the file sizes);
    files [(path, size, sha256)] only when kept (keep_files, the PC tools)."""

    def __init__(self, size, keep_files=False):
        self.manifest_size = size
        self.id = self.version = self.format = None
        self.count = self.data_size = 0
        self.files = [] if keep_files else None

    def add(self, line):
        """Take one manifest line into account."""
        f = file_entry(line)
        if f is not None:
            self.count += 1
            self.data_size += f[1]
            if self.files is not None:
                self.files.append(f)
            return
        key, _, rest = line.partition(" ")
        if key in ("id", "version", "format"):
            setattr(self, key, rest)

    def check(self):
        if not self.id or self.version is None or self.format is None or not self.count:
            raise BundleError("manifest lacks id, version, format or files")
        return self

    def image_size(self):
        return HEAD + self.manifest_size + self.data_size + SIGNATURE_SIZE


def file_entry(line):
    """(path, size, sha256) of a "file" line; None for the other lines."""
    key, _, rest = line.partition(" ")
    if key != "file":
        return None
    w = rest.split(" ")
    try:
        path, size, digest = w[0], int(w[1]), bytes.fromhex(w[2])
    except (IndexError, ValueError):
        raise BundleError("bad file line: %s" % rest)
    if (len(w) != 3 or size < 0 or len(digest) != 32 or not path or path[0] == "/"
            or ".." in path.split("/")):
        raise BundleError("bad file line: %s" % rest)
    return path, size, digest


def parse(data):
    """The Manifest, files kept, of an image's first bytes (HEAD + manifest)."""
    n = manifest_length(data)
    pos = [HEAD]

    def read(k):
        b = data[pos[0]:pos[0] + k]
        pos[0] += len(b)
        return b
    m = Manifest(n, keep_files=True)
    for line in lines(read, n):
        m.add(line)
    return m.check()


def info_text(identifier, version, signature_hex):
    """A slot's INFO file (bootslot.INFO), which its installer writes last:
    the running firmware's identifier and signature come from it."""
    return "id %s\nversion %s\nsignature %s\n" % (identifier, version, signature_hex)


def read_info(fs, path):
    """{"id", "version", "signature" (hex; "" unsigned)} of an INFO file, {} if none."""
    try:
        f = fs.open(path, "rb")
    except OSError:
        return {}
    try:
        text = f.read(512).decode()
    finally:
        f.close()
    info = {}
    for line in text.split("\n"):
        k, _, v = line.partition(" ")
        if k:
            info[k] = v
    return info


def runnable_formats(implementation):
    """The bundle formats an interpreter runs: sources ("py") everywhere, and
    on MicroPython bytecode of its .mpy version ("mpy 6": the low byte of
    sys.implementation._mpy). make_image builds bytecode by default: sources
    cost a board heap to compile."""
    mpy = getattr(implementation, "_mpy", None)
    return ("py",) if mpy is None else ("mpy %d" % (mpy & 0xFF), "py")
