# STS token engine (IEC 62055-41/51): carrier, CRC, ciphers, fields, processor.
# Import the submodule you need; nothing is imported here so that the meter
# pulls in only what it uses.
