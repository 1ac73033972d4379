# pytest (CPython) sees the same import paths the MicroPython runner sets up:
# firmware/ (the code under test) and host_tests/portable/ (shared helpers).
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
for p in (os.path.join(ROOT, "firmware"), os.path.join(HERE, "portable"), ROOT):
    if p not in sys.path:
        sys.path.insert(0, p)
