# asyncio helpers the hal tasks share, for MicroPython and CPython alike.
import asyncio

try:
    sleep_ms = asyncio.sleep_ms  # MicroPython: no float needed
except AttributeError:

    def sleep_ms(ms):
        return asyncio.sleep(ms / 1000)
