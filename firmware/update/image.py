# Where a firmware image goes on the meter (docs/update.md): the flash side of
# the image transfer (class 18, dlms.image_transfer drives it). Pure: the file
# system is injected (store/fs.py interface), the clock is not needed.
#
#   /fw/image   the bundle as received, block by block (appended: on littlefs
#               an append is atomic at close, so after a power cut the file
#               holds whole blocks and the transfer resumes after the last)
#   /fw/xfer/   the transfer record (store.state: two copies + CRC): image
#               id and size, image_transfer_status, target slot, signature
#   slot dirs   bootslot.SLOT_DIRS; the image is installed into the slot that
#               does not run, then bootslot.activate() switches (one write)
#
# Verification is a background job in slices (step()): parse the manifest,
# SHA-256 over the bundle, Ed25519 signature (update.ed25519), install the
# files into the target slot and read each back against its SHA-256, write
# the slot's INFO file last. A power cut during it restarts it from the
# beginning; nothing of it is visible until the INFO file exists, and nothing
# boots before bootslot.activate().
#
# Methods answer True (done), None (not now: the action gets
# temporary-failure and the client polls image_transfer_status) or False
# (refused: other-reason).
import hashlib

import bootslot
import vocab
from compat import const
from store.fs import ENOENT, errno_of, ensure_dir, write_file
from store.state import StateStore
from update import bundle

# image_transfer_status (DLMS UA 1000-1 class 18 attribute 6)
NOT_INITIATED = const(0)
INITIATED = const(1)
_VERIFYING = const(2)
VERIFIED = const(3)
VERIFY_FAILED = const(4)
ACTIVATING = const(5)
ACTIVATED = const(6)
ACTIVATE_FAILED = const(7)

# why an image was refused (event EV_FW_REFUSED, argument a)
REFUSED_FORMAT = const(1)  # not a bundle, or its manifest does not match the transfer
REFUSED_SIGNATURE = const(2)  # wrong, missing or tampered: the signature does not verify
REFUSED_TARGET = const(3)  # built for another interpreter (bundle format)
_REFUSED_ERROR = const(4)  # not checked or installed: flash (full, read-back) or memory error

IMAGE = "/fw/image"
RECORD_DIR = "/fw/xfer"
_BLOCK_SIZE = const(448)  # an ACTION with one block stays inside the 512-byte PDU, ciphered
MAX_IMAGE = const(1048576)
_MAX_ID = const(64)
_CHUNK = const(1024)  # bytes hashed or copied per slice


class ImageStore:
    """fs: store.fs interface; public_key: the manufacturer's Ed25519 key (32
    bytes); formats: the bundle formats this interpreter runs
    (bundle.runnable_formats); on_event(code, a, b): the meter's event log."""

    def __init__(self, fs, public_key, formats, on_event=None, block_size=_BLOCK_SIZE,
                 max_size=MAX_IMAGE):
        self.fs = fs
        self.public_key = bytes(public_key)
        self.formats = formats
        self.on_event = on_event
        self.block_size = block_size
        self.max_size = max_size
        self.reset_due = False  # activated: restart the meter once the answer is out
        self._record = StateStore(fs, RECORD_DIR)
        r = self._record.load() or {}
        self.id = r.get("id", b"")
        self.size = r.get("size", 0)
        self.enabled = r.get("enabled", True)
        self.target = r.get("target", 1)
        self.signature = r.get("signature", b"")
        self.then_activate = r.get("then_activate", False)
        self._status = r.get("status", NOT_INITIATED)
        self._job = None
        self.received = 0
        try:
            self.received = fs.stat(IMAGE)[6]
        except OSError:
            pass
        if self.received > self.size or (self.received % block_size
                                         and self.received != self.size):
            self._discard()  # not whole blocks: only a file system without atomic appends

    @property
    def status(self):
        """image_transfer_status. After an activation and the restart it
        follows the boot record: on trial (5), confirmed (6), rolled back
        (7), or never switched because the power failed first (3)."""
        if self._status != ACTIVATING or self.reset_due:
            return self._status
        rec = bootslot.read(self.fs)
        if bootslot.running(self.fs) == self.target:
            return ACTIVATING if bootslot.on_trial(rec) else ACTIVATED
        if rec[3] != bootslot.NOTE_NONE:
            return ACTIVATE_FAILED
        return VERIFIED  # cut before the switch: the image can be activated again

    def _save(self, status):
        self._status = status
        self._record.commit({"id": self.id, "size": self.size, "enabled": self.enabled,
                             "target": self.target, "signature": self.signature,
                             "then_activate": self.then_activate, "status": status})

    def _discard(self):
        try:
            self.fs.remove(IMAGE)
        except OSError as e:
            if errno_of(e) != ENOENT:
                raise
        self.received = 0

    def _log(self, code, a=0, b=0):
        if self.on_event is not None:
            self.on_event(code, a, b)

    # -- what class 18 shows ---------------------------------------------------
    def blocks_total(self):
        return (self.size + self.block_size - 1) // self.block_size

    def first_missing(self):
        """image_first_not_transferred_block_number."""
        return (self.received + self.block_size - 1) // self.block_size

    def to_activate(self):
        """image_to_activate_info: [(size, identifier, signature)] once verified."""
        if self.status in (VERIFIED, ACTIVATING, ACTIVATED, ACTIVATE_FAILED):
            return [(self.size, self.id, self.signature)]
        return []

    def set_enabled(self, on):
        if self.status in (_VERIFYING, ACTIVATING) and not on:
            return None
        self.enabled = bool(on)
        self._save(self._status)
        return True

    # -- methods 1..4 ------------------------------------------------------------
    def initiate(self, identifier, size):
        """image_transfer_initiate. The same identifier and size as a transfer
        in progress or a verified image keeps the blocks on flash (a transfer
        resumes at first_missing()); anything else starts over, a refused
        image too."""
        if not self.enabled or not 0 < size <= self.max_size or not 0 < len(identifier) <= _MAX_ID:
            return False
        if self.status == _VERIFYING or self.reset_due or bootslot.on_trial(bootslot.read(self.fs)):
            return None  # busy, or the running firmware is not confirmed yet
        free = getattr(self.fs, "free_bytes", None)
        if free is not None and (free("/") or 0) + self.received < size:
            return False
        if (bytes(identifier) != self.id or size != self.size
                or self.status not in (INITIATED, VERIFIED)):
            self._discard()
        self.id, self.size, self.signature, self.then_activate = bytes(identifier), size, b"", False
        self._save(INITIATED)
        return True

    def write_block(self, n, data):
        """image_block_transfer: blocks in order; one already received is
        acknowledged again (the client may repeat the last one)."""
        if self.status != INITIATED:
            return False
        have = self.first_missing()
        if n < have:
            return True
        if n != have or n >= self.blocks_total():
            return False
        if len(data) != min(self.block_size, self.size - n * self.block_size):
            return False
        write_file(self.fs, IMAGE, data, "ab" if n else "wb")
        self.received += len(data)
        return True

    def verify(self):
        """image_verify: starts the background check (step())."""
        if self.status == VERIFIED:
            return True
        if self.status == _VERIFYING:
            return None
        if self.status != INITIATED or self.received != self.size:
            return False
        self._save(_VERIFYING)
        return None

    def activate(self):
        """image_activate: switches the boot slot of a verified image; an
        image not verified yet is verified first, then activated."""
        if self.status == VERIFIED:
            self._save(ACTIVATING)
            running = bootslot.running(self.fs)
            bootslot.activate(self.fs, self.target)
            self._log(vocab.EV_FW_ACTIVATING, self.target, running)
            self.reset_due = True
            return True
        if self.status in (INITIATED, _VERIFYING) and self.received == self.size:
            self.then_activate = True
            self._save(_VERIFYING)
            return None
        return False

    # -- the background job ------------------------------------------------------
    def busy(self):
        return self.status == _VERIFYING

    def step(self):
        """One slice of the verification job; call while busy()."""
        if self.status != _VERIFYING:
            return
        if self._job is None:
            self._job = self._verify()
        try:
            reason = next(self._job)
        except (OSError, ValueError, MemoryError):
            reason = _REFUSED_ERROR
        if reason is None:
            return
        self._job = None
        if reason:
            self._log(vocab.EV_FW_REFUSED, reason)
            self.then_activate = False
            self._save(VERIFY_FAILED)
        elif self.then_activate:
            self.then_activate = False
            self._status = VERIFIED
            self.activate()
        else:
            self._save(VERIFIED)

    def _verify(self):
        """Generator: yields None per slice, then 0 (installed) or a REFUSED_*."""
        fs = self.fs
        f = fs.open(IMAGE, "rb")
        try:
            head = f.read(bundle.HEAD)
            h = hashlib.sha256(head)
            try:
                m = bundle.Manifest(bundle.manifest_length(head))
                for line in bundle.lines(f.read, m.manifest_size, h.update):
                    m.add(line)
                m.check()
            except bundle.BundleError:
                yield REFUSED_FORMAT
                return
            if m.image_size() != self.size or m.id.encode() != self.id:
                yield REFUSED_FORMAT
                return
            if m.format not in self.formats:
                yield REFUSED_TARGET
                return
            for chunk in _chunks(f, m.data_size):
                h.update(chunk)
                yield None
            signature = f.read(bundle.SIGNATURE_SIZE)
        finally:
            f.close()
        from update import ed25519
        ok = False
        for ok in ed25519.verify_steps(self.public_key, bundle.SIGNED_PREFIX + h.digest(),
                                       signature):
            if ok is None:
                yield None
        if not ok:
            yield REFUSED_SIGNATURE
            return
        for _ in self._install(m, signature):
            yield None
        self.signature = signature
        yield 0

    def _install(self, m, signature):
        """Generator: the manifest's files into the slot that does not run,
        each read back against its SHA-256; the slot's INFO file last. The
        manifest is read again a line at a time beside the data."""
        fs = self.fs
        slot = 1 - bootslot.running(fs)
        self.target = slot
        d = bootslot.SLOT_DIRS[slot]
        _remove_files(fs, d + "/" + bootslot.INFO)
        ensure_dir(fs, d)
        for _ in _clear(fs, d):
            yield
        man = fs.open(IMAGE, "rb")
        data = fs.open(IMAGE, "rb")
        try:
            man.read(bundle.HEAD)
            for _ in _chunks(data, bundle.HEAD + m.manifest_size):
                pass
            for line in bundle.lines(man.read, m.manifest_size):
                f = bundle.file_entry(line)
                if f is None:
                    continue
                path, size, digest = f
                full = d + "/" + path
                if "/" in path:
                    ensure_dir(fs, full[:full.rfind("/")])
                out = fs.open(full, "wb")
                try:
                    for chunk in _chunks(data, size):
                        out.write(chunk)
                finally:
                    out.close()
                if _sha256_of(fs, full) != digest:
                    raise ValueError("%s reads back wrong" % full)
                yield
        finally:
            man.close()
            data.close()
        write_file(fs, d + "/" + bootslot.INFO,
                   bundle.info_text(m.id, m.version, _hex(signature)).encode())


def _hex(b):
    return "".join("%02x" % x for x in b)


def _chunks(f, n):
    """Generator: the next n bytes of file f, in pieces of at most _CHUNK."""
    while n:
        chunk = f.read(min(_CHUNK, n))
        if not chunk:
            raise ValueError("image ends early")
        n -= len(chunk)
        yield chunk


def _sha256_of(fs, path):
    h = hashlib.sha256()
    f = fs.open(path, "rb")
    try:
        while True:
            chunk = f.read(_CHUNK)
            if not chunk:
                return h.digest()
            h.update(chunk)
    finally:
        f.close()


def _remove_files(fs, path):
    try:
        fs.remove(path)
    except OSError as e:
        if errno_of(e) != ENOENT:
            raise


def _clear(fs, d):
    """Generator: remove every file under directory d (directories stay)."""
    for name in fs.listdir(d):
        p = d + "/" + name
        if fs.stat(p)[0] & 0x4000:
            for _ in _clear(fs, p):
                yield
        else:
            fs.remove(p)
            yield
