# Results kept by their whole input, for the PC (CPython) only: the virtual
# meter's head-end repeats its SNRM, AARQ and DISC with the same bytes, so
# the pure parses of them (dlms.hdlc_frame.parse, dlms.acse.parse_aarq and
# parse_initiate_request) keep their last few results there. Imported only
# from those modules' CPython blocks: a board never loads it (heap).


def kept(fn, size=8):
    """fn(data), which must be a pure function of the bytes `data` whose
    result nobody changes, remembering the results of the last `size`
    distinct inputs: CPython only (the PC's virtual meter and tools, with
    heap to spare), where a head-end repeats its SNRM, AARQ and DISC. The
    key is the whole input, so a kept result is what the same checks on
    the same bytes give; an input that raises is not kept. fn itself is
    .fresh (the tests compare the two)."""
    results = {}

    def call(data):
        key = bytes(data)
        r = results.get(key)
        if r is None:
            r = fn(key)
            if r is not None:
                if len(results) >= size:
                    del results[next(iter(results))]  # the oldest
                results[key] = r
        return r
    call.fresh = fn
    return call
