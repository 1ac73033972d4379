# The virtual meter's control line (vmeter.py --control), all but `keys` and
# `mem`: loaded for a command and unloaded after it (with --json kept, as
# every change prints status()), so its code is not in the heap while the
# meter runs (docs/sim.md).


def status(sim):
    """The meter's state as one JSON object (the control line's `status`,
    and --json's line per change)."""
    from meter.short_codes import cts_text  # on first use, as the keypad's short codes
    m = sim.app.meter
    a = m.account
    dt = sim.rtc.datetime()
    leds = sim.leds
    return ('{"display": "%s", "relay": %s, "credit": %d, "available": %d, "energy_wh": %d, '
            '"export_wh": %d, "uptime_s": %d, "leds": [%d, %d, %d], "load_w": %d, '
            '"source": "%s", "cts": "%s", "clock": "%04d-%02d-%02dT%02d:%02d:%02d", '
            '"speed": %s}' % (
                sim.screen.text, "true" if m.relay_closed else "false", a.credit[a.metered],
                a.available(), a.consumed_wh, a.exported_wh, sim.rt.uptime.s, leds[0].lit,
                leds[1].lit, leds[2].lit, sim.load.watts + sim.load.extra,
                sim.source, cts_text(m), dt[0], dt[1], dt[2], dt[4], dt[5], dt[6],
                sim.clock.speed))


def command(sim, words):
    """One command (its words) of the control line; the answer line. A bad
    value raises ValueError, and nothing is changed."""
    cmd = words[0]
    if cmd == "status":
        return "OK " + status(sim)
    if cmd == "load" and len(words) == 2:
        sim.load.watts = int(words[1])
        return "OK"
    if cmd == "speed" and len(words) == 2:  # 0: the meter's clock stops
        from vmeter_args import speed
        sim.clock.speed = speed(words[1])
        return "OK"
    if cmd == "until" and len(words) == 2 and sim.step:
        from vmeter_opt import iso_seconds
        sim.clock.until = iso_seconds(words[1])
        return "OK"
    if cmd == "quit":
        sim.rt.stop()
        return "OK bye"
    return "ERR commands: keys DIGITS#, status, load W, speed N, until ISO (--step), mem, quit"
