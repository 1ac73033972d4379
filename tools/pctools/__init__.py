"""The PC tools' code (CPython): the commands in tools/*.py are thin entry
points to these modules, and the tests import them from here.

Importing the package puts firmware/ first on sys.path (the tools use the
firmware's sts, dlms, vocab and provision modules as they are) and the
checkout after it (boards.host: the host board's meter builder and TCP port).
Module names here are namespaced by the package, so none shadows a firmware
module; tools/ itself only holds the entry points.
"""
import os
import sys

TOOLS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(TOOLS)
FIRMWARE = os.path.join(ROOT, "firmware")

# firmware/ before tools/ (the entry point tools/sts.py must never be taken
# for the firmware package sts)
if FIRMWARE in sys.path:
    sys.path.remove(FIRMWARE)
sys.path.insert(0, FIRMWARE)
if ROOT not in sys.path:
    sys.path.append(ROOT)
