"""Build and sign a firmware image bundle (docs/update.md) from the tree.

  .venv/bin/python tools/make_image.py [--version V] [--format mpy|py] [--arch A] [--key SEED]
                                       [-o FILE] [--json]
  .venv/bin/python tools/make_image.py --check IMAGE [--public-key HEX] [--json]

The bundle holds every module of a firmware slot (firmware/ without main.py
and bootslot.py, which stay outside the slots): as mpy-cross bytecode
(--format mpy, the default; what boards and `make sim MP=1` run) or as
sources (--format py; what the virtual meter on CPython runs). It is signed
with Ed25519 over the SHA-256 of the bundle (pycryptodome).

--arch is mpy-cross's -march for the modules with native code
(dlms/native.py, sts/native.py): the board's ARCH (boards/NAME/board.py: armv6m for a Pico,
xtensawin for an ESP32), by default host (the virtual meter's micropython).
Where the module's architecture does not match, its import fails and its
importers keep their portable loops (docs/portability.md).

--key is a file with the 32-byte Ed25519 secret seed in hex. Without it the
image is signed with the DEVELOPMENT TEST KEY (RFC 8032 7.1 TEST 1, whose
secret is published): only meters provisioned with its public key (the
development default, provision.DEV_PROVISION image_key) accept such an image.
Never provision a real meter with that public key.

--check verifies a bundle's structure, file hashes and signature on the PC.
"""
import argparse
import hashlib
import json
import os
import struct
import subprocess
import sys
import tempfile

from Crypto.PublicKey import ECC
from Crypto.Signature import eddsa

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "ci"))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "firmware"))
import deploy  # noqa: E402
from check_firmware import MPY_CROSS, has_native_code  # noqa: E402
from update import bundle  # noqa: E402

# DEVELOPMENT TEST KEY, for tests and development boards only: the secret key
# of RFC 8032 section 7.1 TEST 1 (published). Public key d75a9801...511a.
TEST_KEY_SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")


def mpy_format():
    """The bundle format of mpy-cross's bytecode ("mpy 6"): the .mpy version
    in byte 1 of a compiled empty module's header."""
    with tempfile.TemporaryDirectory() as d:
        src, out = os.path.join(d, "x.py"), os.path.join(d, "x.mpy")
        open(src, "w").close()
        subprocess.run([MPY_CROSS, "-o", out, src], check=True)
        head = open(out, "rb").read(2)
    return "mpy %d" % head[1]


def slot_files(fmt, tree=deploy.FIRMWARE, arch="host"):
    """[(path in the slot, bytes)]: the tree's modules as sources or bytecode
    (native code for `arch`)."""
    out = []
    with tempfile.TemporaryDirectory() as d:
        for rel, full in deploy.firmware_sources(tree):
            if fmt == "py":
                out.append((rel, open(full, "rb").read()))
                continue
            dst = os.path.join(d, rel[:-3] + ".mpy")
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            march = ["-march=" + arch] if has_native_code(full) else []
            subprocess.run([MPY_CROSS] + march + ["-s", rel, "-o", dst, full],
                           check=True)
            out.append((rel[:-3] + ".mpy", open(dst, "rb").read()))
    return out


def build(files, identifier, version, fmt, seed=TEST_KEY_SEED):
    """The signed bundle (bytes) of files [(path, bytes)]."""
    lines = ["id " + identifier, "version " + version, "format " + fmt]
    for path, data in files:
        lines.append("file %s %d %s" % (path, len(data), hashlib.sha256(data).hexdigest()))
    manifest = ("\n".join(lines) + "\n").encode()
    body = (bundle.MAGIC + struct.pack("<I", len(manifest)) + manifest
            + b"".join(data for _, data in files))
    return body + sign(body, seed)


def sign(body, seed):
    key = ECC.construct(curve="Ed25519", seed=seed)
    return eddsa.new(key, "rfc8032").sign(bundle.SIGNED_PREFIX + hashlib.sha256(body).digest())


def public_key(seed):
    return ECC.construct(curve="Ed25519", seed=seed).public_key().export_key(format="raw")


def check(image, public):
    """Problems of a bundle (empty list when it is sound and signed by `public`)."""
    try:
        m = bundle.parse(image)
    except bundle.BundleError as e:
        return [str(e)]
    problems = []
    if m.image_size() != len(image):
        problems.append("size %d, manifest says %d" % (len(image), m.image_size()))
    pos = bundle.HEAD + m.manifest_size
    for path, size, digest in m.files:
        if hashlib.sha256(image[pos:pos + size]).digest() != digest:
            problems.append("%s: SHA-256 differs" % path)
        pos += size
    body, sig = image[:-bundle.SIGNATURE_SIZE], image[-bundle.SIGNATURE_SIZE:]
    try:
        eddsa.new(eddsa.import_public_key(public), "rfc8032").verify(bundle.SIGNED_PREFIX + hashlib.sha256(body).digest(), sig)
    except ValueError:
        problems.append("signature does not verify")
    return problems


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n", 2)[2])
    ap.add_argument("--version", default=None, help="version text (default: git describe)")
    ap.add_argument("--id", default=None, help="image identifier (default stsmeter-VERSION)")
    ap.add_argument("--format", choices=("mpy", "py"), default="mpy")
    ap.add_argument("--arch", default="host",
                    help="mpy-cross -march for native-code modules (default host)")
    ap.add_argument("--tree", default=deploy.FIRMWARE, help="firmware folder (default firmware/)")
    ap.add_argument("--key", default=None, help="file with the Ed25519 secret seed (hex)")
    ap.add_argument("-o", "--output", default=None, help="bundle file (default build/IMAGE.img)")
    ap.add_argument("--check", metavar="IMAGE", help="verify a bundle instead of building one")
    ap.add_argument("--public-key", default=public_key(TEST_KEY_SEED).hex(),
                    help="--check: the public key (hex; default: the test key's)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    if args.check:
        problems = check(open(args.check, "rb").read(), bytes.fromhex(args.public_key))
        if args.json:
            print(json.dumps({"image": args.check, "sound": not problems, "problems": problems,
                              "public_key": args.public_key}))
        elif problems:
            for p in problems:
                print("%s: %s" % (args.check, p), file=sys.stderr)
        else:
            print("%s: sound, signed by %s" % (args.check, args.public_key))
        return 1 if problems else 0
    seed = TEST_KEY_SEED
    if args.key:
        seed = bytes.fromhex(open(args.key).read().strip())
    else:
        print("make_image: signed with the DEVELOPMENT TEST KEY (RFC 8032 TEST 1)", file=sys.stderr)
    version = args.version or deploy.firmware_version()
    identifier = args.id or "stsmeter-" + version
    fmt = mpy_format() if args.format == "mpy" else "py"
    image = build(slot_files(args.format, args.tree, args.arch), identifier, version, fmt, seed)
    out = args.output or os.path.join(deploy.ROOT, "build", identifier + ".img")
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "wb") as fh:
        fh.write(image)
    if args.json:
        print(json.dumps({"image": out, "id": identifier, "version": version, "format": fmt,
                          "bytes": len(image), "test_key": not args.key}))
    else:
        print("%s: %s, %s, %d bytes" % (out, identifier, fmt, len(image)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
