# Adapters from MicroPython's machine module to the small interfaces the pure layers use.
