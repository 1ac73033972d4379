# The Association LN's object_list (class 15 attribute 2, dlms.md 7.1):
# every object with the access rights an association sees, attributes with
# selective access listing selectors 1 and 2. A client reads it once per
# association at most: loaded on first use (dlms.server.object_list).
from dlms import axdr


def value(model, level):
    """Association LN attribute 2 for an association of `level`: every
    object of `model` (cosem.ObjectModel) with its access rights as that
    association sees them."""
    out = []
    for o in model.objects:  # makes them all: a client reads this list once
        attrs = []
        for i, (r, w) in enumerate(o.ATTRS):
            mode = (1 if level >= r else 0) | (2 if level >= w else 0)
            sel = (axdr.ARRAY, [(axdr.INTEGER, 1), (axdr.INTEGER, 2)]) \
                if i + 1 in getattr(o, "SELECTIVE", ()) else (axdr.NULL, None)
            attrs.append((axdr.STRUCTURE, [(axdr.INTEGER, i + 1), (axdr.ENUM, mode), sel]))
        methods = [(axdr.STRUCTURE, [(axdr.INTEGER, i + 1),
                                     (axdr.ENUM, 1 if level >= m else 0)])
                   for i, m in enumerate(o.METHODS)]
        out.append((axdr.STRUCTURE, [
            (axdr.LONG_UNSIGNED, o.class_id), (axdr.UNSIGNED, o.version),
            (axdr.OCTET_STRING, o.ln),
            (axdr.STRUCTURE, [(axdr.ARRAY, attrs), (axdr.ARRAY, methods)])]))
    return (axdr.ARRAY, out)
