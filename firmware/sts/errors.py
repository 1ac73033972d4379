# Exceptions raised by the STS decoding layer.


class FormatError(ValueError):
    """Input is not a valid 20-digit STS token (sts.md 2, 9.1)."""
