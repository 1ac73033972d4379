# First-time provisioning (docs/boards.md): the meter's identity and keys come
# from a provision.json copied to the board's file system. On the first start
# (no meter state yet) the file is read, committed as the provisioning record
# (DATA_DIR/prov, a store.state record: atomic, CRC-checked), and deleted once
# the meter has committed its first state. A power cut at any step repeats or
# finishes the step at the next start. Without a record and without a file
# the meter runs on app.DEV_PROVISION (development only; the display says so).
#
# The file is one JSON object with the keys of app.DEV_PROVISION (any subset:
# missing keys take the development value), e.g.
#   {"drn": "...", "ea": 7, "key": "<decoder key hex>", "kt": 2, "krn": 1,
#    "ti": 1, "sgc": 123456, "base_date": 2014, "system_title": "<16 hex>",
#    "ek": "<32 hex>", "ak": "<32 hex>", "kek": "<32 hex>", "lls_password": "...",
#    "auth_lockout": {"after": 5, "base_s": 1, "lock_s": 900}, "meter": {}}
import json

from store.fs import exists
from store.state import StateStore

STORED = "stored"
FILE = "file"
DEV = "dev"


def _read_json(fs, path):
    try:
        f = fs.open(path, "rb")
    except OSError:
        return None
    try:
        text = f.read()
    finally:
        f.close()
    try:
        p = json.loads(text.decode())
    except (ValueError, UnicodeError):
        return None
    return p if isinstance(p, dict) else None


def load(fs, data_dir, path="/provision.json"):
    """(provision dict or None, source STORED/FILE/DEV). Commits a new file's
    contents before returning them."""
    store = StateStore(fs, data_dir + "/prov")
    try:
        rec = store.load()
    except Exception:  # a damaged record: the meter state holds the STS keys
        rec = None
    if rec is not None:
        return rec, STORED
    if exists(fs, data_dir + "/meter/a") or exists(fs, data_dir + "/meter/b"):
        return None, DEV  # started before on the development keys: stays so
    p = _read_json(fs, path)
    if p is None:
        return None, DEV
    store.commit(p)
    return p, FILE


def finish(fs, path="/provision.json"):
    """Delete the provisioning file once the meter state exists (call after
    app.App was built: the meter has then committed its first record)."""
    try:
        fs.remove(path)
        return True
    except OSError:
        return False
