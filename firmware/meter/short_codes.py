# Keypad short codes (docs/meter.md "Keypad"): what 1..4 digits + Enter do and
# show. Loaded by meter.keypad on the first short code, so a meter that only
# takes tokens never holds it.
import vocab

SC_CREDIT = "01"
SC_LAST_RESULT = "02"
SC_METER_NUMBER = "03"
SC_EMERGENCY = "04"
SC_RECONNECT = "05"
SC_CTS_STATE = "06"
SC_TARIFF = "07"  # tariff rate and consumption block (docs/payment.md)
SC_DEBT = "08"  # debt: negative balance and what payment charges still recover
SC_FREE = "09"  # free allocation left this billing period
SC_CTS_EXIT = "8800"
SC_CTS_PREFIX = "88"  # 8801..8899: enter CTS test mode with UUT nn


def cts_text(m):
    """The CTS test mode state as short code 06 shows it (docs/cts.md)."""
    from meter import cts
    c = m.cts
    if c.state == cts.ACTIVE:
        r = c.remaining_s()
        return "CTS %02d %02d:%02d" % (c.uut, r // 3600, (r % 3600) // 60)
    return "CTS end" if c.ended() else "CTS off"


def run(m, code):
    """Short code `code` on meter `m` (meter.meter.Meter): (display text,
    result: vocab.ACCEPT, FUNCTION when refused, FORMAT when unknown)."""
    from meter.keypad import format_units
    ok = True
    if code == SC_CREDIT:
        text = m.credit_text()
    elif code == SC_LAST_RESULT:
        r = m.last_result
        text = vocab.result_display(r) if r else "No token"
    elif code == SC_METER_NUMBER:
        text = m.sts.drn
    elif code == SC_EMERGENCY:
        ok = m.invoke_emergency_credit()
        text = "EC on" if ok else "EC n/a"
    elif code == SC_RECONNECT:
        ok = m.manual_reconnect()
        text = "Reconnect" if ok else "Refused"
    elif code == SC_CTS_STATE:
        text = cts_text(m)
    elif code == SC_TARIFF:
        p = m.payment
        text = "Tariff %d Blk %d" % (p.rate(), p.block()) if p else "Tariff flat"
    elif code == SC_DEBT:
        a, p = m.account, m.payment
        c = a.credit[a.metered]
        text = "Debt " + format_units((-c if c < 0 else 0) + (p.debt() if p else 0), a.metered)
    elif code == SC_FREE:
        text = "Free %s kWh" % format_units(m.payment.free_left // 100 if m.payment else 0, 0)
    elif code == SC_CTS_EXIT:
        ok = m.cts_exit(True)
        text = "CTS exit" if ok else "Refused"
    elif len(code) == 4 and code[:2] == SC_CTS_PREFIX:
        from meter import cts
        ok = m.cts_enter(int(code[2:]), True) in (cts.ENTERED, cts.CHANGED)
        text = ("CTS %s" % code[2:]) if ok else "Refused"
    else:
        return vocab.result_display(vocab.FORMAT), vocab.FORMAT
    return text, vocab.ACCEPT if ok else vocab.FUNCTION
