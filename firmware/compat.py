# The one place for shims that let firmware modules run under CPython too.
#
# MicroPython's compiler folds `X = const(1)` into a literal wherever the name
# `const` is called, so importing it from here costs nothing on the board.
# Under CPython `micropython` does not exist and const() is the identity.
import sys  # (once here: an import statement searches the interned strings for the name)

try:
    from micropython import const
except ImportError:

    def const(value):
        return value


# time.ticks_ms() and the boards' tick and pulse counters wrap at 2**30, so
# they stay small ints on every port; a difference of two readings is taken
# modulo that, as time.ticks_diff does.
TICKS_MASK = const(0x3FFFFFFF)


def retry_on_memory(fn, *args):
    """fn(*args); when the heap runs out, collect the garbage and call it once
    more. A second MemoryError reaches the caller, which reports a resource
    fault (vocab.RESOURCE / FAULT_MEMORY, docs/security.md "Failures"): never
    silent, never mistaken for bad input or a damaged store. fn must leave
    nothing half done when it raises."""
    try:
        return fn(*args)
    except MemoryError:
        pass
    __import__("gc").collect()  # no local: the frame fits in 11 words (not on the heap)
    return fn(*args)


def not_loaded(names):
    """Those of the modules `names` that are not loaded yet: the ones a job
    about to load them unloads when it ends (unload). A module someone loaded
    before stays, as they may hold it (a second copy would cost twice)."""
    loaded = sys.modules
    return [n for n in names if n not in loaded]


def module(name):
    """Module `name` (a dotted name), imported if it is not loaded. A loaded
    one is found in sys.modules, without an import statement: that costs a
    search of the interned strings for each part of the name (a frozen
    image keeps the modules a job loads: compat.unload)."""
    m = sys.modules.get(name)
    if m is None:
        __import__(name)
        m = sys.modules[name]
    return m


def frozen(name, path):
    """Whether module `name`, whose __file__ is `path`, is frozen into the
    firmware image (make firmware): MicroPython names a frozen module's file
    by its path in the image ("dlms/acse.py", "dlms/__init__.py"), with no
    folder of sys.path before it ("/lib/dlms/acse.mpy", "firmware/dlms/acse.py").
    Source found through sys.path's "" (the current folder) looks the same:
    such modules are kept too (more heap, never wrong). No string is made:
    each new one costs a search of the interned strings on MicroPython."""
    return (path.endswith(".py") and not path.startswith("/")
            and path.count("/") - name.count(".") == path.endswith("/__init__.py"))


def unload(*names):
    """Forget the modules `names`, which served one job (provisioning at
    boot, a token, an association's set-up): their code is freed once nothing
    refers to it any more, and the next import loads them again
    (docs/benchmarks.md, heap). The caller makes sure none of their objects
    outlives the job. Under CPython (PC tools, tests, the virtual meter there)
    nothing is unloaded: no heap to save, and importing again would cost time.
    Nor is a frozen module (frozen()): its bytecode stays in flash whatever
    happens, so unloading it would save little heap and cost the CPU of
    importing it again (docs/benchmarks.md, token session CPU)."""
    if names and sys.implementation.name == "micropython":
        _unload(names)  # (mostly nothing to do: this frame fits in 11 words, not on the heap)


def _unload(names):
    for name in names:
        mod = sys.modules.get(name)
        if mod is None or frozen(name, getattr(mod, "__file__", "/")):
            continue
        del sys.modules[name]
        pkg, _, leaf = name.rpartition(".")
        parent = sys.modules.get(pkg)
        if parent is not None and getattr(parent, leaf, None) is not None:
            delattr(parent, leaf)  # `import pkg.mod` keeps it on the package too


def inlined(module, other=None):
    """The module-level __getattr__ of built module `module` whose public
    const() names the build inlined (tools/ci/inline_consts.py): a reader
    outside the firmware (a test, a tool) still finds such a name, in the
    companion module `module + "__k"`, which the firmware never loads. Any
    other name goes to `other`, the module's own __getattr__ if it has one.
    One closure per module, not a function of its own in each."""

    def get(name):
        k = module + "__k"
        __import__(k)
        try:
            v = sys.modules[k].get(name)
        except AttributeError:
            if other is None:
                raise
            return other(name)
        setattr(sys.modules[module], name, v)  # found directly next time
        return v
    return get
