# The class 2 management tokens' effects on the meter (sts.md 3, 9): set the
# maximum power limit, clear credit or tamper, set the phase unbalance
# limit, tariff rate, water factor or a flag, key change. Rare beside credit
# tokens, so meter.token_entry loads this module only for them (and the meter
# unloads it with the token engine; docs/benchmarks.md, heap).
import vocab
from meter import account as ac


def apply(a, e, new_state, events, E):
    """Applies management effect `e` to the account copy `a`
    (token_entry._apply). Returns ACCEPT, or RANGE for a flag out of range."""
    k = e.kind
    if k == E.SET_MPL:
        a.mpl_w, a.trip_until = e.value, -1  # a new limit ends a trip under the old one
        events.append((vocab.EV_MPL_SET, e.value, 0))
    elif k == E.CLEAR_CREDIT:
        clear_credit(a, e.register)
        events.append((vocab.EV_CREDIT_CLEARED, e.register, 0))
    elif k == E.CLEAR_TAMPER:
        a.tamper = False
        events.append((vocab.EV_TAMPER_CLEARED, 1, 0))
    elif k == E.SET_MPPUL:
        a.mppul_w = e.value
    elif k == E.SET_TARIFF:
        a.tariff_rate = e.value
    elif k == E.SET_WATER_FACTOR:
        a.water_factor = e.value
    elif k == E.SET_FLAG:
        if not set_flag(a, e.register, e.value):
            return vocab.RANGE
    elif k == E.KEY_CHANGED:
        krn = getattr(new_state, "krn", 0) if new_state is not None else 0
        events.append((vocab.EV_KEY_CHANGED, krn, e.value))
    return vocab.ACCEPT


def clear_credit(a, register):
    """ClearCredit on account a: one register or ac.ALL (its EC and the
    fraction end with the metered one). False for an unknown register."""
    if register == ac.ALL:
        for i in range(len(a.credit)):
            a.credit[i] = 0
    elif 0 <= register < len(a.credit):
        a.credit[register] = 0
    else:
        return False
    if register == ac.ALL or register == a.metered:
        a.ec_active = False
        a.remainder = 0
    return True


def set_flag(a, index, value):
    """Flag `index` (0..31) of account a's flags; False out of range."""
    if index < 0 or index > 31:
        return False
    if value:
        a.flags |= 1 << index
    else:
        a.flags &= ~(1 << index)
    return True
