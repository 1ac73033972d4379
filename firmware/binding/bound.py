# The base of the binding's COSEM objects that show and call the meter
# (binding.account_objects, binding.meter_objects): a module of its own, so
# that neither of those loads the other with it.
from dlms.cosem import CosemObject


class Bound(CosemObject):
    """A COSEM object that shows and calls `meter` (meter.meter.Meter)."""

    def __init__(self, ln, meter, methods=None):
        CosemObject.__init__(self, ln, None, methods)
        self.meter = meter
