# The names of token classes and sub-classes (sts.md 3) for people: the PC
# tools show them (tools/pctools/tokens.py). The meter never names a token, so this is not
# part of its token engine.

_NAMES0 = ("electricity", "water", "gas", "time",
           "electricity currency", "water currency", "gas currency", "time currency")
_NAMES2 = ("SetMaximumPowerLimit", "ClearCredit", "SetTariffRate", "Set1stSectionDecoderKey",
           "Set2ndSectionDecoderKey", "ClearTamperCondition", "SetMaximumPhasePowerUnbalanceLimit",
           "SetWaterMeterFactor", "Set3rdSectionDecoderKey", "Set4thSectionDecoderKey", "SetFlag")


def name(cls, sub):
    if cls == 0:
        return "TransferCredit " + (_NAMES0[sub] if sub < 8 else "reserved")
    if cls == 1:
        return ("InitiateMeterTest/Display (2-digit MfrCode)", "InitiateMeterTest/Display (4-digit MfrCode)",
                "Extended token read")[sub] if sub < 3 else "InitiateMeterTest reserved"
    if cls == 2:
        return _NAMES2[sub] if sub < 11 else "Management reserved"
    return "reserved class"
