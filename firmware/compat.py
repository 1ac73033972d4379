# The one place for shims that let firmware modules run under CPython too.
#
# MicroPython's compiler folds `X = const(1)` into a literal wherever the name
# `const` is called, so importing it from here costs nothing on the board.
# Under CPython `micropython` does not exist and const() is the identity.
try:
    from micropython import const
except ImportError:

    def const(value):
        return value


# time.ticks_ms() and the boards' tick and pulse counters wrap at 2**30, so
# they stay small ints on every port; a difference of two readings is taken
# modulo that, as time.ticks_diff does.
TICKS_MASK = const(0x3FFFFFFF)
