#!/usr/bin/env python3
"""A fleet of virtual meters in one process: the command line of tools/pctools/fleet.py
(`--help` for the options and examples)."""
import sys

if __name__ != "__main__":  # tools/ on sys.path must not hide a firmware module
    raise ImportError("tools/fleet.py is a command line; import pctools.fleet instead")
from pctools import fleet as tool  # noqa: E402

sys.exit(tool.main())
