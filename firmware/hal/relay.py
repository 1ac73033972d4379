# The load switch on one GPIO. The meter's relay policy decides; this only
# drives the pin, remembers what it was told, and (optionally) reads an
# auxiliary contact so a welded or unpowered relay can be noticed.
#
# `closed` True means the load is connected (DLMS disconnect control,
# class 70: output_state TRUE = connected).


class Relay:
    def __init__(self, pin, active_high=True, feedback=None,
                 feedback_active_low=True, closed=False):
        self.pin = pin  # a machine.Pin already set up as an output
        self.active_high = active_high
        self.feedback = feedback  # optional machine.Pin input (aux contact)
        self.feedback_active_low = feedback_active_low
        self.closed = None
        self.set(closed)

    def set(self, closed):
        closed = bool(closed)
        self.pin.value(1 if closed == self.active_high else 0)
        self.closed = closed

    def close(self):
        self.set(True)

    def open(self):
        self.set(False)

    def sensed(self):
        """What the aux contact reports: True closed, False open, None if
        there is no feedback input."""
        if self.feedback is None:
            return None
        v = self.feedback.value()
        return (v == 0) if self.feedback_active_low else (v == 1)

    def agrees(self):
        """False only when feedback exists and contradicts the command."""
        s = self.sensed()
        return s is None or s == self.closed
