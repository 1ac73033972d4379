"""Credit in the meter's own unit: the account (class 111, 0.0.19.0.0.255)
attribute 15 `currency` {name, scale, unit} says what one unit of the credit
registers is (docs/dlms.md: scale -1 with "kWh" = 0.1 kWh)."""
from gurux_dlms.objects import GXDLMSAccount

from dlms import obis
from dlms.xdlms import OBJECT_UNDEFINED
from pctools.meterclient import DlmsError


def read_unit(m):
    """The meter's credit unit as {"name", "scale"} (m: a MeterClient), or
    None when the meter has no account object (then amounts stay raw units)."""
    acct = GXDLMSAccount(obis.to_text(obis.ACCOUNT))
    try:
        m.read(acct, 15)
    except DlmsError as e:  # a meter without an account keeps raw units
        if e.code != OBJECT_UNDEFINED:
            raise
        return None
    return {"name": str(acct.currency.name or ""), "scale": int(acct.currency.scale or 0)}


def amount(units, unit):
    """Token units as text in the meter's unit: 100, kWh scale -1 -> '10.0 kWh'.
    Integer arithmetic: nothing is rounded."""
    if unit is None:
        return "%d units" % units
    scale, name = unit["scale"], unit["name"]
    if scale >= 0:
        return ("%d %s" % (units * 10 ** scale, name)).strip()
    q, r = divmod(abs(units), 10 ** -scale)
    return ("%s%d.%0*d %s" % ("-" if units < 0 else "", q, -scale, r, name)).strip()
