"""STS token-gateway conformance runner (tools/cts.py): steps modelled on
the STS compliance tests, run against any meter with a DLMS class 115 token
gateway (docs/conformance.md).

  session  the meter through gurux-dlms: enter, token_status, registers
  state    the runner's view of the meter's keys and TID timeline
  steps    the numbered steps and what a step sees (Ctx)
  report   terminal lines, JSON and HTML
  runner   options, the resumable run state, the loop over the steps
"""
from pctools.cts.runner import build_parser, main, run  # noqa: F401
