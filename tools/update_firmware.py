#!/usr/bin/env python3
"""Update a meter's firmware over DLMS: the command line of
tools/pctools/update_firmware.py (`--help` for the options and examples)."""
import sys

if __name__ != "__main__":  # tools/ on sys.path must not hide a firmware module
    raise ImportError("tools/update_firmware.py is a command line; import "
                      "pctools.update_firmware instead")
from pctools import update_firmware as tool  # noqa: E402

sys.exit(tool.main())
