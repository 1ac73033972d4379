#!/usr/bin/env python3
"""Read a meter's registers, relay, CTS state and event log: the command line of tools/pctools/read_meter.py
(`--help` for the options and examples)."""
import sys

if __name__ != "__main__":  # tools/ on sys.path must not hide a firmware module
    raise ImportError("tools/read_meter.py is a command line; import pctools.read_meter instead")
from pctools import read_meter as tool  # noqa: E402

sys.exit(tool.main())
