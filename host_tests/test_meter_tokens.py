# CPython: the tokens of host_tests/portable/meter_tokens.py are exactly what
# sts.vend makes from their specs (they are precomputed only because sts.vend
# and the meter together do not fit the 128 KB MicroPython test heap).
#   python host_tests/test_meter_tokens.py   prints the table afresh
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
for p in (os.path.join(HERE, "..", "firmware"), os.path.join(HERE, "portable")):
    if p not in sys.path:
        sys.path.insert(0, p)

from sts import vend  # noqa: E402
import meter_tokens  # noqa: E402


def make(spec):
    ea, key_hex, cls, sub, kw = spec
    key = bytes.fromhex(key_hex) if key_hex else None
    if cls == 2 and sub == 3:  # a key change set: kw["new_key"] + set fields; index n
        kw = dict(kw)
        n = kw.pop("part")
        new = bytes.fromhex(kw.pop("new_key"))
        return vend.key_change_tokens(ea, key, new, **kw)[n]
    return vend.vend(ea, key, cls, sub, **kw)


def test_precomputed_tokens_match_sts_vend():
    assert len(meter_tokens.SPECS) == len(meter_tokens.TOKENS)
    for name, spec in meter_tokens.SPECS.items():
        assert make(spec) == meter_tokens.TOKENS[name], name


if __name__ == "__main__":
    for name in meter_tokens.SPECS:
        print('    "%s": "%s",' % (name, make(meter_tokens.SPECS[name])))
