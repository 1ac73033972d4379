# Portable: store.codec, the CBOR subset (RFC 8949) of the state record.
from store import codec
from store.codec import CodecError


def _h(s):
    return bytes(int(s[i:i + 2], 16) for i in range(0, len(s), 2))


# RFC 8949 Appendix A examples inside the subset
RFC_EXAMPLES = [
    (0, "00"), (1, "01"), (10, "0a"), (23, "17"), (24, "1818"), (25, "1819"),
    (100, "1864"), (1000, "1903e8"), (1000000, "1a000f4240"),
    (1000000000000, "1b000000e8d4a51000"), (18446744073709551615, "1bffffffffffffffff"),
    (-18446744073709551616, "3bffffffffffffffff"),
    (-1, "20"), (-10, "29"), (-100, "3863"), (-1000, "3903e7"),
    (False, "f4"), (True, "f5"), (None, "f6"),
    (b"", "40"), (b"\x01\x02\x03\x04", "4401020304"),
    ("", "60"), ("a", "6161"), ("IETF", "6449455446"), ("\"\\", "62225c"),
    ("\u00fc", "62c3bc"), ("\u6c34", "63e6b0b4"),
    ([], "80"), ([1, 2, 3], "83010203"), ([1, [2, 3], [4, 5]], "8301820203820405"),
    (list(range(1, 26)), "98190102030405060708090a0b0c0d0e0f101112131415161718181819"),
    ({}, "a0"), ({1: 2, 3: 4}, "a201020304"), ({"a": 1, "b": [2, 3]}, "a26161016162820203"),
    (["a", {"b": "c"}], "826161a161626163"),
    ({"a": "A", "b": "B", "c": "C", "d": "D", "e": "E"},
     "a56161614161626142616361436164614461656145"),
]


def test_rfc8949_examples_encode_and_decode():
    for value, hexstr in RFC_EXAMPLES:
        assert codec.encode(value) == _h(hexstr), hexstr
        assert codec.decode(_h(hexstr)) == value, hexstr


def test_map_order_is_deterministic():
    a = {"tids": [1, 2], "ea": 11, 7: None, "key": b"\x00" * 16}
    b = {}
    for k in ("key", 7, "ea", "tids"):
        b[k] = a[k]
    assert codec.encode(a) == codec.encode(b)
    assert codec.decode(codec.encode(a)) == a


def test_map_keys_are_in_the_bytewise_order_of_their_encodings():
    # RFC 8949 4.2.1, worked by hand: "b" 6162 < "z" 617a < "aa" 626161 <
    # "\u00fc" 62c3bc (one character, two UTF-8 bytes); 10 0a < 100 1864 <
    # -1 20 < "a" 6161
    m = {"\u00fc": 4, "aa": 3, "z": 2, "b": 1}
    assert codec.encode(m) == _h("a4" "616201" "617a02" "62616103" "62c3bc04")
    m = {"a": 3, -1: 2, 100: 4, 10: 1}
    assert codec.encode(m) == _h("a4" "0a01" "186404" "2002" "616103")
    big = dict(("k%02d" % i, i) for i in range(30))
    big["\u00e9t\u00e9"] = None
    big["kk"] = [{"zz": 1, "a": 2}]
    assert codec.encode(big, size_hint=8)[:10] == _h("b820" "626b6b81a2616102")


def test_a_kept_key_order_serves_only_the_same_keys():
    # store.codec keeps each dict's canonical key order by the hash of its
    # keys; a dict whose hash finds another dict's keys is sorted again
    d = {"zz": 1, "a": 2, "mm": 3}
    enc = _h("a3" "616102" "626d6d03" "627a7a01")
    assert codec.encode(d) == enc
    assert codec.encode({"mm": 3, "zz": 1, "a": 2}) == enc  # the kept order
    codec._ORDER[hash(tuple(d))] = ("x", "zz", "mm")  # as if another dict's keys collided
    assert codec.encode(d) == enc
    assert codec.encode({"k": [d, d]}) == _h("a1" "616b" "82") + enc + enc
    assert codec.encode({1: 1}) == _h("a10101")
    try:
        codec.encode({True: 1})  # equal to 1 and hashed alike: never served its order
        raise AssertionError("a bool key encoded")
    except CodecError:
        pass


def test_tuples_and_bytearrays_decode_as_list_and_bytes():
    d = codec.decode(codec.encode({"t": (1, 2), "b": bytearray(b"ab")}))
    assert d == {"t": [1, 2], "b": b"ab"}
    assert isinstance(d["b"], bytes)


def test_realistic_state_round_trip():
    state = {
        "sts": {"ea": 11, "key": bytes(range(16)), "kt": 1, "krn": 1, "ti": 1, "sgc": 123456,
                "ken": 255, "base_date": 1993, "drn": "01234567890", "mfr_code": 1,
                "tids": [7000000 + 37 * i for i in range(50)], "kct": None},
        "credit": [123456789, 0, 0, 0], "emergency": {"given": False, "owed": 0},
        "energy_wh": 98765432, "relay": True, "cts": {"state": 0, "elapsed_s": 0},
        "counters": {"tokens": 4711, "rejects": 12, "power_ups": 99},
    }
    enc = codec.encode(state)
    assert codec.decode(enc) == state
    assert len(enc) < 600


REJECT = [
    "", "18", "1817", "190017", "1a0000ffff", "1b00000000ffffffff",  # truncated / non-minimal
    "1c", "1f", "3c", "5f", "7f", "9f", "bf",                         # reserved / indefinite
    "f97e00", "fa47c35000", "fb3ff199999999999a", "f7", "f0", "f8ff",  # floats, undefined, simple
    "c11a514b67b0", "d818456449455446",                               # tags
    "0000", "8001",                                                   # trailing bytes
    "62c3", "61ff", "6280ff",                                          # truncated / bad UTF-8 text
    "43aabb", "8301",                                                 # truncated string / array
    "a1", "a101", "a2010201 03".replace(" ", ""),                      # truncated maps
    "a201010102",                                                     # duplicate key
    "a14001", "a1f501", "a18001",                                     # bytes / bool / array keys
    "9bffffffffffffffff", "bbffffffffffffffff",                       # absurd lengths
]


def test_malformed_input_is_rejected_with_codec_error():
    for hexstr in REJECT:
        try:
            codec.decode(_h(hexstr))
        except CodecError:
            continue
        raise AssertionError("accepted " + hexstr)


def test_codec_error_is_a_value_error():
    assert issubclass(CodecError, ValueError)


def test_nesting_is_bounded_both_ways():
    deep = []
    for _ in range(codec.MAX_DEPTH + 2):
        deep = [deep]
    try:
        codec.encode(deep)
        raise AssertionError("deep value encoded")
    except CodecError:
        pass
    raw = b"\x81" * (codec.MAX_DEPTH + 2) + b"\x80"
    try:
        codec.decode(raw)
        raise AssertionError("deep input decoded")
    except CodecError:
        pass
    ok = b"\x81" * codec.MAX_DEPTH + b"\x80"
    assert codec.decode(ok) is not None


def test_depth_bound_is_the_decoders_with_and_without_a_size_hint():
    def nest(inner, levels):
        for _ in range(levels):
            inner = [inner]
        return inner
    ok = nest([], codec.MAX_DEPTH)  # the innermost list at depth MAX_DEPTH
    assert codec.decode(codec.encode(ok)) == ok
    assert codec.encode(ok, 0, 0, 64) == codec.encode(ok)
    for deep in (nest([5], codec.MAX_DEPTH), nest({"k": 1}, codec.MAX_DEPTH), nest([[]], codec.MAX_DEPTH)):
        for hint in (0, 64):
            try:
                codec.encode(deep, 0, 0, hint)
                raise AssertionError("item below MAX_DEPTH encoded (hint %d)" % hint)
            except CodecError:
                pass


def test_a_size_hint_too_small_or_too_large_gives_the_same_bytes():
    v = {"text": "x" * 40, "n": [1, -1, 24, -25, 1 << 40], "b": b"\x01" * 30, "t": True, "z": None}
    want = codec.encode(v)
    for hint in (1, len(want) - 17, len(want) - 1, len(want), len(want) + 30, codec.MAX_SIZE):
        got = codec.encode(v, 12, 4, hint)
        assert got == bytes(12) + want + bytes(4), hint
    for bad in ({"k": 1.5}, [object()], {True: 1}, 1 << 64):
        for hint in (0, 1, 100):
            try:
                codec.encode(bad, 0, 0, hint)
                raise AssertionError("encoded %r" % (bad,))
            except CodecError:
                pass


def test_size_is_bounded():
    try:
        codec.decode(b"\x59\xff\xff" + b"\x00" * codec.MAX_SIZE)
        raise AssertionError("oversized input decoded")
    except CodecError:
        pass
    try:
        codec.encode(b"\x00" * codec.MAX_SIZE)
        raise AssertionError("oversized value encoded")
    except CodecError:
        pass


def test_unencodable_values_are_rejected():
    for bad in (1.5, {1, 2}, object(), {b"k": 1}, {True: 1}, {(1,): 2}, 1 << 64, -(1 << 64) - 1, [1.0]):
        try:
            codec.encode(bad)
        except CodecError:
            continue
        raise AssertionError("encoded %r" % (bad,))


def test_every_truncation_and_byte_flip_fails_cleanly():
    enc = codec.encode({"tids": [123456, 654321], "key": b"\x11" * 8, "drn": "0123", "n": -5,
                        "x": [None, True, False, {"y": 300}]})
    for n in range(len(enc)):
        try:
            codec.decode(enc[:n])
            raise AssertionError("truncation to %d accepted" % n)
        except CodecError:
            pass
    buf = bytearray(enc)
    for i in range(len(buf)):
        for mask in (0x01, 0x20, 0x80, 0xFF):
            buf[i] ^= mask
            try:
                codec.decode(buf)
            except CodecError:
                pass
            buf[i] ^= mask
