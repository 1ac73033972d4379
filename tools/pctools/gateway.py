"""The client's side of the class 115 token gateway (docs/dlms.md "Token
gateway"): how a token travels in `enter`, and what token_status means."""

ENCODINGS = ("ascii", "bcd", "binary")

# token_status status_code (dlms.md 7.4)
STATUS = {0: "format OK", 1: "authentication OK", 2: "validation OK", 3: "executed",
          4: "format failure", 5: "authentication failure", 6: "validation failure",
          7: "execution failure", 8: "received, not yet processed"}


def token_digits(words):
    """A token as typed (20 digits, groups with spaces or dashes) -> 20 ASCII
    digits; ValueError otherwise (other scripts' digits included)."""
    digits = "".join(words).replace("-", "").replace(" ", "")
    if len(digits) != 20 or not all("0" <= c <= "9" for c in digits):
        raise ValueError("a token is 20 decimal digits 0-9")
    return digits


def pack(digits, encoding="ascii"):
    """20 digits -> the octet-string given to `enter`: 20 ASCII digits, 10
    bytes BCD, or the 66-bit number in 9 bytes."""
    if encoding == "bcd":
        return bytes.fromhex(digits)
    if encoding == "binary":
        return int(digits).to_bytes(9, "big")
    return digits.encode()
