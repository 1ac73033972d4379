# STS token engine (IEC 62055-41/51): carrier, CRC, ciphers, fields, processor.
# Import the submodule you need; nothing is imported here so that the meter
# pulls in only what it uses.

# The token engine a meter loads for a token (sts.processor and what it
# imports, the cipher of its EA included) and unloads after it (meter.meter).
# KEPT holds what the engine keeps over that, as plain values: the STA
# tables' data and the 96 bytes prepared from it (sts.sta).
KEPT = {}
ENGINE = ("sts.processor", "sts.management", "sts.key_change", "sts.token", "sts.digits",
          "sts.crc", "sts.amount", "sts.errors", "sts.sta", "sts.sta_prepare", "sts.sta_tables",
          "sts.misty1")
