"""Update a meter's firmware over DLMS: image transfer (class 18, 0.0.44.0.0.255).

Associates as the management client (HLS-GMAC, authenticated encryption) and
drives the meter's image transfer with gurux-dlms's GXDLMSImageTransfer:
image_transfer_initiate, image_block_transfer from the meter's
image_first_not_transferred_block_number on (so an interrupted transfer
resumes: run the same command again), image_verify (the meter checks the
SHA-256 and the Ed25519 signature in the background; the tool polls
image_transfer_status), then image_activate. The meter restarts into the new
firmware, on trial until it confirms itself healthy (docs/update.md).

Examples:
  .venv/bin/python tools/make_image.py --version 1.2.0 -o build/fw-1.2.0.img
  .venv/bin/python tools/update_firmware.py build/fw-1.2.0.img --port /dev/ttyUSB0
  .venv/bin/python tools/update_firmware.py build/fw-1.2.0.img --port socket://127.0.0.1:4059 --json
  .venv/bin/python tools/update_firmware.py --status --port /dev/ttyUSB0   # what runs, what is in transfer

Exit status: 0 activated (or verified, with --no-activate), 1 the meter
refused the image (its event log says why), 2 a usage or communication
error (run again to resume).
"""
import argparse
import json
import sys
import time

from gurux_dlms import GXStructure, GXUInt32
from gurux_dlms.enums import DataType
from gurux_dlms.objects import GXDLMSData, GXDLMSImageTransfer

from dlms import obis
from update import bundle
from pctools.meterclient import DlmsError, MeterError, add_connection_args, client_from_args

TEMPORARY_FAILURE = 2  # action-result: the meter is still working on it
STATUS = ("not initiated", "transfer initiated", "verification initiated",
          "verification successful", "verification failed", "activation initiated",
          "activation successful", "activation failed")
VERIFIED, VERIFY_FAILED = 3, 4


class Refused(Exception):
    pass


def progress(done, total, started, first, out=sys.stderr):
    """A progress bar on a terminal; elsewhere a line per 10 %."""
    tty = out.isatty()
    pct = 100 * done // max(total, 1)
    if not tty and done != total and pct // 10 == 100 * (done - 1) // max(total, 1) // 10:
        return
    width = 30
    fill = width * done // total if total else width
    rate = (done - first) / max(time.monotonic() - started, 1e-6)
    out.write("%s[%s%s] %3d%% block %d/%d, %.1f blocks/s%s" % (
        "\r" if tty else "", "#" * fill, "." * (width - fill), pct, done, total, rate,
        "\n" if done == total or not tty else " "))
    out.flush()


def wait_verified(m, t, timeout):
    """Poll image_transfer_status until the meter's check is done."""
    end = time.monotonic() + timeout
    while True:
        status = int(m.read(t, 6))
        if status != 2:
            return status
        if time.monotonic() > end:
            raise MeterError("the meter did not finish verifying within %d s" % timeout)
        time.sleep(0.5)


def update(m, image, identifier, activate=True, verify_timeout=600, quiet=False):
    """The transfer with an open MeterClient; returns a result dict."""
    t = GXDLMSImageTransfer(obis.to_text(obis.IMAGE_TRANSFER))
    if not m.read(t, 5):
        raise Refused("image transfer is disabled on the meter (attribute 5)")
    bs = int(m.read(t, 2))
    m.request(t.imageTransferInitiate(m.client, identifier.decode(), len(image)))
    total = (len(image) + bs - 1) // bs
    first = int(m.read(t, 4))
    started = time.monotonic()
    for n in range(first, total):
        block = GXStructure()
        block.append(GXUInt32(n))
        block.append(image[n * bs:(n + 1) * bs])
        m.method(t, 2, block, DataType.STRUCTURE)
        if not quiet:
            progress(n + 1, total, started, first)
    try:
        m.request(t.imageVerify(m.client))
        status = VERIFIED
    except DlmsError as e:
        if e.code != TEMPORARY_FAILURE:
            raise
        status = wait_verified(m, t, verify_timeout)
    if status != VERIFIED:
        raise Refused("the meter refused the image: %s (status %d)" % (STATUS[status], status))
    m.read(t, 7)
    info = t.imageActivateInfo
    if not any(bytes(i.identification) == identifier and i.size == len(image) for i in info):
        raise Refused("image_to_activate_info does not name this image")
    out = {"identifier": identifier.decode(), "size": len(image), "block_size": bs,
           "blocks": total, "resumed_at": first, "status": STATUS[status], "activated": False}
    if activate:
        m.request(t.imageActivate(m.client))
        out["activated"] = True
    return out


def status(m):
    """The running firmware (1.0.0.2.0.255, 1.0.0.2.8.255) and the transfer."""
    fw = GXDLMSData(obis.to_text(obis.FIRMWARE_ID))
    sig = GXDLMSData(obis.to_text(obis.FIRMWARE_SIGNATURE))
    t = GXDLMSImageTransfer(obis.to_text(obis.IMAGE_TRANSFER))
    code = int(m.read(t, 6))
    return {"firmware": bytes(m.read(fw, 2) or b"").decode(errors="replace"),
            "signature": bytes(m.read(sig, 2) or b"").hex(),
            "transfer_status": code, "transfer": STATUS[code],
            "first_not_transferred_block": int(m.read(t, 4))}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog=__doc__.split("\n\n", 1)[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("image", nargs="?", help="a bundle made by tools/make_image.py")
    ap.add_argument("--status", action="store_true",
                    help="only read the running firmware and the transfer status")
    ap.add_argument("--no-activate", action="store_true", help="transfer and verify only")
    ap.add_argument("--verify-timeout", type=int, default=600,
                    help="seconds to wait for the meter's check (default 600)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--quiet", action="store_true", help="no progress bar")
    add_connection_args(ap)
    args = ap.parse_args(argv)
    if args.status:
        try:
            with client_from_args(args) as m:
                print(json.dumps(status(m)))
        except (MeterError, OSError, Exception) as exc:
            print("error: %s" % exc, file=sys.stderr)
            return 2
        return 0
    if not args.image:
        ap.error("give an IMAGE (or --status)")
    try:
        image = open(args.image, "rb").read()
        identifier = bundle.parse(image[:bundle.HEAD + bundle.MAX_MANIFEST]).id.encode()
    except (OSError, bundle.BundleError) as exc:
        print("error: %s: %s" % (args.image, exc), file=sys.stderr)
        return 2
    m = client_from_args(args)
    try:
        m.open()
        out = update(m, image, identifier, not args.no_activate, args.verify_timeout,
                     args.quiet or args.json)
    except Refused as exc:
        print("error: %s" % exc, file=sys.stderr)
        return 1
    except (MeterError, OSError, Exception) as exc:  # gurux raises plain Exceptions
        print("error: %s (run again to resume the transfer)" % exc, file=sys.stderr)
        return 2
    finally:
        try:
            m.close()
        except Exception:  # an activated meter restarts: no release answer
            pass
    if args.json:
        print(json.dumps(out))
    else:
        print("%s: %d bytes in %d blocks of %d (from block %d), %s%s" % (
            out["identifier"], out["size"], out["blocks"], out["block_size"], out["resumed_at"],
            out["status"], ", activated: the meter restarts into it" if out["activated"] else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
