# The virtual meter's command line (vmeter.py), read once at start: this
# module is unloaded after it (on the micropython executable its code would
# otherwise stay in the heap for the whole run), and loaded again only for
# the control line's `speed`.
import sys

USAGE = """usage: vmeter.py [--port N] [--host H] [--data DIR] [--speed N] [--load W]
       [--headless] [--json] [--control PORT] [--pty] [--mode-e] [--hold-at PATH:N]
       [--clock ISO] [--step S] [--until ISO] [--load-schedule FILE]"""


def parse(argv, out):
    """The options in argv as a dict (board.py's defaults for those not
    given); SystemExit with the usage for a bad one; -h prints it by out()."""
    import board
    o = {"port": board.TCP_PORT, "host": board.TCP_HOST, "data": board.SIM_ROOT,
         "speed": board.SIM_SPEED, "load": board.SIM_LOAD_W, "headless": False, "json": False,
         "control": None, "pty": False, "mode_e": False, "hold": None, "clock": None,
         "step": 0, "until": None, "load_schedule": None}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("-h", "--help"):
            out(USAGE)
            sys.exit(0)
        if a in ("--headless", "--pty", "--mode-e", "--json"):
            o[a[2:].replace("-", "_")] = True
            o["headless"] = o["headless"] or a == "--json"  # a JSON line per change
            i += 1
            continue
        if i + 1 >= len(argv):
            raise SystemExit("missing value for " + a + "\n" + USAGE)
        v = argv[i + 1]
        try:
            if a in ("--port", "--control", "--load", "--step"):
                o[a[2:]] = int(v)
                if a == "--step" and o["step"] < 1:
                    raise ValueError("a step is at least 1 s")
            elif a == "--speed":
                o["speed"] = speed(v)
            elif a in ("--host", "--data", "--clock", "--until", "--load-schedule"):
                o[a[2:].replace("-", "_")] = v
            elif a == "--hold-at":
                path, n = v.rsplit(":", 1)
                o["hold"] = (path, int(n))
            else:
                raise SystemExit("unknown option " + a + "\n" + USAGE)
        except ValueError as e:
            raise SystemExit("%s %s: %s" % (a, v, e))
        i += 2
    if (o["until"] or o["load_schedule"]) and not o["step"]:
        raise SystemExit("--until and --load-schedule need --step")
    if o["clock"] or o["until"] or o["load_schedule"]:
        import vmeter_opt
        for k, make in (("clock", vmeter_opt.iso_seconds), ("until", vmeter_opt.iso_seconds),
                        ("load_schedule", vmeter_opt.LoadSchedule)):
            try:
                o[k] = make(o[k]) if o[k] else None
            except ValueError as e:
                raise SystemExit("--%s: %s" % (k.replace("_", "-"), e))
    return o


def speed(text):
    """--speed and the control line's `speed`: a factor >= 0 (0: stopped)."""
    v = int(text) if text.isdigit() else float(text)
    if v < 0:
        raise ValueError("speed must not be negative")
    return v
