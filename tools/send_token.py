#!/usr/bin/env python3
"""Send an STS token through a meter's DLMS token gateway: the command line of tools/pctools/send_token.py
(`--help` for the options and examples)."""
import sys

if __name__ != "__main__":  # tools/ on sys.path must not hide a firmware module
    raise ImportError("tools/send_token.py is a command line; import pctools.send_token instead")
from pctools import send_token as tool  # noqa: E402

sys.exit(tool.main())
