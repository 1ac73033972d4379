# Exceptions raised by the STS decoding layer. FormatError is defined in
# sts.digits, the meter's parser (a token then loads one module less).
from sts.digits import FormatError  # noqa: F401
