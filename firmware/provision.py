# Provisioning: the one place the meter's identity and keys are read (issue 11),
# with the one development default, DEV_PROVISION.
#
# First start (docs/boards.md): the values come from a provision.json copied
# to the board's file system. On the first start (no meter state yet) the file
# is read, committed as the provisioning record (DATA_DIR/prov, a store.state
# record: atomic, CRC-checked), and deleted once the meter has committed its
# first state. A power cut at any step repeats or finishes the step at the
# next start. Without a record and without a file the meter runs on
# DEV_PROVISION (development only; the display says so).
#
# The file is one JSON object with the keys of DEV_PROVISION (any subset:
# missing keys take the development value), e.g.
#   {"drn": "...", "ea": 7, "key": "<decoder key hex>", "kt": 2, "krn": 1,
#    "ti": 1, "sgc": 123456, "base_date": 2014, "system_title": "<16 hex>",
#    "ek": "<32 hex>", "ak": "<32 hex>", "kek": "<32 hex>", "lls_password": "...",
#    "auth_lockout": {"after": 5, "base_s": 1, "lock_s": 900}, "meter": {},
#    "manufacturer": "..."}
from compat import const

STORED = "stored"
FILE = "file"
DEV = "dev"
DAMAGED = "damaged"  # the record is damaged and no file: never the development keys

# DEVELOPMENT ONLY (docs/dlms.md, docs/boards.md): a fresh development board
# is this meter. DRN 11111111115 (PAN 600727111111111153, the CTS vectors'
# third PAN), decoder key DKGA02 from the CTS test vending key
# abababababababab, KT 2, SGC 123456, TI 1, KRN 1, base date 2014 (the 1993
# TIDs ran out in 2024), EA07. DLMS: the widely used Gurux demo keys and
# password (dlms.md 6.3, 9.1). Never ship a meter with these.
DEV_PROVISION = {
    "drn": "11111111115",
    "ea": 7,
    "key": "9ca1fc37b27dac93",
    "kt": 2, "krn": 1, "ti": 1, "sgc": 123456, "ken": 255, "base_date": 2014,
    "system_title": "5354530000000001",  # "STS" 00 00 00 00 01
    "manufacturer": "stsmeter",  # Device ID 2, 0.0.96.1.1.255 (docs/dlms.md)
    "ek": "000102030405060708090a0b0c0d0e0f",
    "ak": "d0d1d2d3d4d5d6d7d8d9dadbdcdddedf",
    "kek": "101112131415161718191a1b1c1d1e1f",  # key_transfer (docs/security.md)
    "lls_password": "Gurux",
    # authentication failures per client: delays base_s, 2*base_s ..., then
    # lock_s from failure `after` on (0: no limit); docs/security.md
    "auth_lockout": {"after": 5, "base_s": 1, "lock_s": 900},
    "meter": {},  # meter.meter.Meter configuration (account, control mode, ...)
    "token_formats": ["ascii", "bcd", "binary"],
    # a refused STS token: False = ACTION success, outcome in token_status only;
    # True = also action-result other-reason (docs/dlms.md, dlms.md 10 item 2)
    "token_reject_is_error": False,
    # the manufacturer's Ed25519 public key for firmware images (docs/update.md).
    # TEST KEY: RFC 8032 7.1 TEST 1, whose secret key is published; the
    # development images of tools/make_image.py are signed with it
    "image_key": "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
}


def value(p, key):
    """Provisioning value `key` of `p` (None: development), or its development default."""
    return p[key] if p and key in p else DEV_PROVISION[key]


def sts_state(p):
    """The factory STS state (used while the meter has no stored state)."""
    from sts.state import StsState
    g = lambda k: value(p, k)  # noqa: E731
    return StsState(g("ea"), bytes.fromhex(g("key")), kt=g("kt"), krn=g("krn"), ti=g("ti"),
                    sgc=g("sgc"), ken=g("ken"), base_date=g("base_date"), drn=g("drn"))


# dlms.acse's names, as constants: the ACSE codec loads for an association,
# not for the build (docs/benchmarks.md, heap)
_MECHANISM_LLS = const(1)  # acse.MECHANISM_LLS
_MECHANISM_HLS_GMAC = const(5)  # acse.MECHANISM_HLS_GMAC
_CONTEXT_LN_CIPHERED = const(3)  # acse.CONTEXT_LN_CIPHERED


def dlms_config(p, random_bytes):
    """Association parameters per client SAP (docs/dlms.md "Associations")."""
    from dlms import association, security
    g = lambda k: value(p, k)  # noqa: E731
    ek, ak, kek = bytes.fromhex(g("ek")), bytes.fromhex(g("ak")), bytes.fromhex(g("kek"))
    read = (association.CONF_GET | association.CONF_BLOCK_GET
            | association.CONF_MULTIPLE_REFERENCES | association.CONF_SELECTIVE_ACCESS)
    clients = {16: association.ClientConfig(16, conformance=read)}
    if p and p.get(DAMAGED):  # keys unknown: only the public client (docs/security.md)
        return association.ServerConfig(bytes.fromhex(g("system_title")), clients, random_bytes)
    clients.update({
        17: association.ClientConfig(17, _MECHANISM_LLS, secret=g("lls_password").encode(),
                                     conformance=read),
        1: association.ClientConfig(1, _MECHANISM_HLS_GMAC, ek=ek, ak=ak, kek=kek,
                                    policy=security.SC_AUTHENTICATED | security.SC_ENCRYPTED,
                                    contexts=(_CONTEXT_LN_CIPHERED,)),
    })
    return association.ServerConfig(bytes.fromhex(g("system_title")), clients, random_bytes)


def _read_json(fs, path):
    import json
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
    """(provision dict or None, source STORED/FILE/DEV/DAMAGED). Commits a new
    file's contents before returning them. A damaged record without a file
    gives {DAMAGED: True}: app.App puts the meter in FAULT_STATE and the DLMS
    server offers only the public client (never the development keys)."""
    from compat import retry_on_memory
    from store.fs import exists
    from store.state import StateStore
    store = StateStore(fs, data_dir + "/prov")
    damaged = False
    try:
        rec = retry_on_memory(store.load)
    except OSError:  # damaged (StoreCorruptError) or unreadable
        rec, damaged = None, True
    if rec is not None:
        return rec, STORED
    p = _read_json(fs, path)
    if damaged and p is None:
        return {DAMAGED: True}, DAMAGED
    if not damaged and (exists(fs, data_dir + "/meter/a") or exists(fs, data_dir + "/meter/b")):
        return None, DEV  # started before on the development keys: stays so
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
