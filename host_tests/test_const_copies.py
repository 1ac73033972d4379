"""A module that needs another module's constant without loading that module,
or without a module global for it (heap: docs/architecture.md), keeps a private
copy that names its source:

    _AARQ = const(0x60)  # acse.AARQ

Every such copy in firmware/ must equal its source's value."""
import importlib
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIRMWARE = os.path.join(ROOT, "firmware")
COPY = re.compile(r"^(_\w+) = const\(([^)]+)\)\s+# \(?((?:[a-z_0-9]+\.)+)(_?[A-Z][A-Z_0-9]*)\b")
PACKAGES = ("", "dlms.", "meter.", "sts.", "store.", "binding.")


def copies():
    for top, _, files in os.walk(FIRMWARE):
        for f in sorted(files):
            if f.endswith(".py"):
                path = os.path.join(top, f)
                with open(path) as src:
                    for n, line in enumerate(src, 1):
                        m = COPY.match(line)
                        if m:
                            yield os.path.relpath(path, ROOT), n, m.groups()


def source(module):
    for p in PACKAGES:
        try:
            return importlib.import_module(p + module)
        except ImportError:
            continue
    raise AssertionError("no module %s" % module)


def test_private_copies_equal_their_source():
    found = list(copies())
    assert len(found) >= 20  # the pattern still finds them
    for where, line, (name, value, module, attr) in found:
        mod = source(module.rstrip("."))
        assert getattr(mod, attr) == int(value, 0), "%s:%d %s" % (where, line, name)
