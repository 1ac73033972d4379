# Portable helper: real STS tokens for meter tests and the bench, with the
# interface of meter_fakes.FakeTokens. Precomputed tokens (meter_tokens.py) are
# used where they exist, so MicroPython need not load sts.vend; others are
# made with sts.vend on the spot.
from sts.state import StsState, TID_MEMORY_SIZE
import meter_tokens

KEY_HEX = meter_tokens.K1  # dk-001: DKGA02, PAN 600727000000000009, SGC 123456


def _unhex(s):
    return bytes(int(s[i:i + 2], 16) for i in range(0, len(s), 2))


class Tokens:
    def config(self):
        return {}

    def factory_state(self, drn):
        return StsState(7, _unhex(KEY_HEX), kt=2, krn=1, ti=1, sgc=123456, drn=drn)

    def credit(self, drn, tid, units):
        for name in ("b%d" % tid,):
            spec = meter_tokens.SPECS.get(name)
            if spec is not None and spec[4].get("value") == units and name in meter_tokens.TOKENS:
                return meter_tokens.TOKENS[name]
        from sts import vend
        return vend.vend(7, _unhex(KEY_HEX), 0, 0, tid=tid, value=units)

    def tids(self, rec):
        return rec["tids"]

    def memory(self):
        return TID_MEMORY_SIZE
