# Helpers shared by the portable association tests.
from dlms import acse, association

STOC = bytes((0x91, 0xC8, 0xE4, 0x72, 0x39, 0x1C, 0x8E, 0x47, 0xA3, 0xD1, 0xE8, 0x74, 0xBA, 0xDD, 0x6E, 0x37))


def config(title=b"STS\x00\x00\x00\x00\x01"):
    cfg = association.development_config(lambda n: STOC[:n])
    cfg.system_title = title
    return cfg


def exc(ev, state, service):
    return ev.kind == association.REPLY and ev.apdu[:3] == bytes((0xD8, state, service))


def aare_fields(aare):
    # (result, diagnostic, user-information) of an AARE we built
    assert aare[0] == 0x61 and aare[1] == len(aare) - 2
    f = {}
    for tag, s, e in acse._tlvs(aare, 2, len(aare)):
        f[tag] = aare[s:e]
    assert f[0xA2][:2] == b"\x02\x01" and f[0xA3][:4] == b"\xa1\x03\x02\x01"
    ui = f.get(0xBE)
    if ui is not None:
        assert ui[0] == 0x04 and ui[1] == len(ui) - 2
        ui = ui[2:]
    return f[0xA2][2], f[0xA3][4], ui
