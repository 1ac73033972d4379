"""Deliberately broken meters for the conformance-runner tests (test-only).

Each fault wraps the STS processor through the Meter's injectable `process`
configuration (meter.meter.Meter config "process"); nothing here is a code
path of the firmware. A fault takes the real decision and changes it the way
a faulty meter would. FAULTS maps a name to (process wrapper, the runner
steps that must fail because of it).
"""
from sts import processor
import vocab
from sts.processor import Decision


def accepts_used(state, text, now=None, settings=None):
    """A Used token is accepted again (replay protection broken)."""
    d = processor.process(state, text, now, settings)
    if d.result == vocab.USED:
        tids = [t for t in state.tids if t != d.token.tid]
        return processor.process(state.derive(tids, state.kct), text, now, settings)
    return d


def ignores_ken(state, text, now=None, settings=None):
    """The key expiry number is not checked."""
    d = processor.process(state, text, now, settings)
    if d.result == vocab.KEY_EXPIRED:
        s = state.copy()
        s.ken = 255
        d2 = processor.process(s, text, now, settings)
        if d2.state is not None:
            d2.state.ken = state.ken
        return d2
    return d


def crc_as_format(state, text, now=None, settings=None):
    """A token made with another key is reported as a format error."""
    d = processor.process(state, text, now, settings)
    if d.result == vocab.CRC:
        return Decision(vocab.FORMAT)
    return d


def forgets_old(state, text, now=None, settings=None):
    """Old TIDs are accepted (only exact repeats are refused)."""
    d = processor.process(state, text, now, settings)
    if d.result == vocab.OLD:
        d2 = processor.process(state.derive([], state.kct), text, now, settings)
        if d2.state is not None:
            d2.state.tids = sorted(list(state.tids[1:]) + [d.token.tid])
        return d2
    return d


def keeps_tids_on_rollover(state, text, now=None, settings=None):
    """RO = 1 in a key change does not clear the TID memory."""
    d = processor.process(state, text, now, settings)
    if d.result == vocab.ACCEPT and d.state is not None and not d.state.tids and state.tids:
        d.state.tids = list(state.tids)
    return d


# name -> (process wrapper, steps of tools/cts.py that must fail)
FAULTS = {
    "accepts_used": (accepts_used, [7]),
    "ignores_ken": (ignores_ken, [22]),
    "crc_as_format": (crc_as_format, [20, 21, 24, 31]),
    "keeps_tids_on_rollover": (keeps_tids_on_rollover, [24]),
}
SLOW_FAULTS = {
    "forgets_old": (forgets_old, [30]),
}
