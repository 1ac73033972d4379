"""The virtual meter launcher (`make sim`).

Planned (issue: boards, main loop and virtual meter): run firmware/main.py on
the `host` board under CPython (or the micropython executable with MP=1), with
the optical port as HDLC over TCP on 127.0.0.1:4059, the keypad from the
terminal and storage under sim-data/. Until then this prints what exists.
"""
import sys


def main():
    print(__doc__.strip())
    print("\nNot built yet: the virtual meter. Today `make test` exercises the firmware logic.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
