"""Deployment to boards: `make flash BOARD=... PORT=...` and `make freeze BOARD=...`.

Planned: compile firmware/ with mpy-cross (-march=armv6m for RP2040,
xtensawin for ESP32) and copy it and the board configuration with mpremote;
`freeze` writes a manifest.py for a custom MicroPython image. Not built yet.
"""
import sys


def main():
    print(__doc__.strip())
    print("\nNot built yet; exiting with status 2.", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
