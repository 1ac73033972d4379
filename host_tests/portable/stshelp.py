# Shared helpers for the portable STS tests: vector rows -> keys, states, fields.
from sts.state import StsState
import vectors


def key_of(row):
    h = row["decoder_key_hex"]
    return None if h in ("", "-") else bytes.fromhex(h)


def ea_of(row):
    return int(row["ea"]) if row["ea"] in ("07", "11") else None


def num(text):
    """'0x1f' -> 31, '02' -> 2; other text unchanged."""
    if text.startswith("0x"):
        return int(text, 16)
    if text.isdigit():
        return int(text)
    return text


def state_for(row, **kw):
    """A meter state holding the row's decoder key (KT 2, KEN 255 unless given)."""
    ea = ea_of(row) or 7
    key = key_of(row) or bytes(8 if ea == 7 else 16)
    args = {"kt": int(row["kt"]) if row.get("kt") else 2,
            "base_date": int(row["base_date"]) if row.get("base_date") else 1993}
    args.update(kw)
    return StsState(ea, key, **args)


def token_rows():
    return vectors.rows("token")
