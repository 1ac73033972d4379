#!/usr/bin/env python3
"""The STS token-gateway conformance runner: the command line of tools/pctools/cts/
(`--help` for the options and examples)."""
import sys

if __name__ != "__main__":  # tools/ on sys.path must not hide a firmware module
    raise ImportError("tools/cts.py is a command line; import pctools.cts instead")
from pctools import cts as tool  # noqa: E402

sys.exit(tool.main())
