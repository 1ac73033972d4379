# Helpers shared by the bench scripts; runs on CPython and MicroPython.
import gc
import sys
import time

MICROPYTHON = sys.implementation.name == "micropython"


def usage(module, options=()):
    """Every bench script calls this first, usage(__name__): run as the main
    script with -h or --help it prints what the script measures, its options
    and where its figures go, and exits 0 before anything else is imported or
    measured; an option not in `options` exits 2 (benchhelp, loaded only
    then: its text stays out of micropython's heap)."""
    if module == "__main__" and len(sys.argv) > 1:
        import benchhelp
        benchhelp.check(sys.argv, options)


def now_us():
    if MICROPYTHON:
        return time.ticks_us()
    return time.perf_counter_ns() // 1000


def elapsed_us(t0):
    if MICROPYTHON:
        return time.ticks_diff(time.ticks_us(), t0)
    return now_us() - t0


def per_call_us(fn, n):
    fn()
    t0 = now_us()
    for _ in range(n):
        fn()
    return elapsed_us(t0) / n


def alloc_bytes(fn):
    """Bytes allocated by one call, with the GC off (MicroPython only)."""
    if not MICROPYTHON:
        return None
    gc.collect()
    gc.disable()
    before = gc.mem_alloc()
    fn()
    after = gc.mem_alloc()
    gc.enable()
    return after - before


def proc_cpu_s(pid):
    """CPU seconds (user + system) of another process, from /proc (Linux,
    CPython), or None."""
    import os
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago (CPython benches)."""
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def row(section, metric, value, unit, on=None):
    """on: what was measured, when not the interpreter running the script."""
    if isinstance(value, float):
        value = "%.1f" % value
    print("ROW %s|%s|%s|%s%s" % (section, metric, value, unit, "|" + on if on else ""))
