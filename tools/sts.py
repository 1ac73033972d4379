#!/usr/bin/env python3
"""Make and inspect STS tokens: the command line of tools/pctools/tokens.py
(`--help` for the options and examples)."""
import sys

if __name__ != "__main__":  # tools/ on sys.path must not hide a firmware module
    raise ImportError("tools/sts.py is a command line; import pctools.tokens instead")
from pctools import tokens as tool  # noqa: E402

sys.exit(tool.main())
