# pytest (CPython) sees the same import paths the MicroPython runner sets up:
# firmware/ (the code under test) and host_tests/portable/ (shared helpers);
# and after them the checkout (boards.host) and tools/ (the PC tools' package
# pctools, and deploy.py; tools/ last: its sts.py is a command line).
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
for p in (os.path.join(ROOT, "firmware"), os.path.join(HERE, "portable"), ROOT):
    if p not in sys.path:
        sys.path.insert(0, p)
if os.path.join(ROOT, "tools") not in sys.path:
    sys.path.append(os.path.join(ROOT, "tools"))


@pytest.fixture(autouse=True)
def _fresh_boot():
    """Each test starts as after a reset: no firmware slot chosen yet. bootslot
    keeps select()'s choice in module state (as a board does until it resets),
    so a test that selected slot B would otherwise make a later test's meter,
    in the same pytest worker, report slot B's firmware (test_ident_objects)."""
    import bootslot
    bootslot._selected[0] = None


def pytest_terminal_summary(terminalreporter):
    """Figures a test reports with record_property("summary", text), e.g. the
    measured heap of the budget test (test_heap_budget.py), also with -n 2."""
    lines = [v for key in ("passed", "failed", "xfailed", "xpassed")
             for r in terminalreporter.stats.get(key, [])
             for k, v in getattr(r, "user_properties", ()) if k == "summary" and r.when == "call"]
    if lines:
        terminalreporter.section("measured")
        for line in lines:
            terminalreporter.write_line(line)
