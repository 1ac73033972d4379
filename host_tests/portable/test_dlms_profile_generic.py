# mp-heap: 256k
# Portable: the profile generic (class 7, dlms.profile_generic) over a small
# stand-in source: attributes, the whole buffer, selective access by range
# (on the clock with and without deviation, on a value column, with selected
# columns) and by entry (rows and columns), malformed selections, the buffer
# streamed as GET data blocks through the real association and server (the
# public client), and rows replaced by captures during a long GET. Heap: the
# composed server from source, as test_dlms_server.py.
import binding  # noqa: F401  (the server's import order, as in a meter)
from dlms import axdr, cosem, cosem_time, object_list_value
from dlms.association_ln import AssociationLN
from dlms.profile_generic import ProfileGeneric
from dlms.server import DlmsServer
from dlmsdata import apdu, decode_all
from dlmshelp import config
from meter.realtime import RealTime

T0 = 848001600  # 2026-11-14 20:00 UTC
LN = b"\x01\x00\x63\x01\x00\xff"  # 1.0.99.1.0.255
CLOCK = b"\x00\x00\x01\x00\x00\xff"
STATUS = b"\x00\x00\x60\x0a\x01\xff"
ENERGY = b"\x01\x00\x01\x08\x00\xff"
COLUMNS = ((8, CLOCK, 2, axdr.OCTET_STRING), (1, STATUS, 2, axdr.UNSIGNED),
           (3, ENERGY, 2, axdr.DOUBLE_LONG_UNSIGNED))


class Source:
    columns = COLUMNS
    period = 900
    capacity = 100

    def __init__(self, n, clock=None):
        self.table = [(i + 1, (T0 + 900 * i, 2 if i == 0 else 0, i % 3, 1000 + 10 * i))
                      for i in range(n)]
        self.clock = clock or RealTime(lambda: T0)
        self.resets = 0
        self.captures = 0

    def in_use(self):
        return len(self.table)

    def rows(self):
        for r in list(self.table):  # a snapshot per row, as a ring reads segment by segment
            if r in self.table:
                yield r

    def reset(self):
        self.resets += 1

    def capture(self):
        self.captures += 1


class Ctx:
    level = cosem.READER


def _model(src):
    return cosem.ObjectModel([ProfileGeneric(LN, src)])


def _buffer(m, selector=None, params=None):
    code, v = m.get(Ctx, 7, LN, 2, selector, params)
    if code:
        return code
    assert v[0] == axdr.RAW
    return decode_all(v[1].chunk(0, len(v[1])))[1]


def _stamp(i, st=0, src=None):
    return (axdr.OCTET_STRING, cosem_time.stamp((src or Source(0)).clock, T0 + 900 * i, st))


def _row(i, cols=(0, 1, 2)):
    full = [_stamp(i, 2 if i == 0 else 0), (axdr.UNSIGNED, i % 3),
            (axdr.DOUBLE_LONG_UNSIGNED, 1000 + 10 * i)]
    return (axdr.STRUCTURE, [full[c] for c in cols])


def _def(c):
    return (axdr.STRUCTURE, [(axdr.LONG_UNSIGNED, c[0]), (axdr.OCTET_STRING, c[1]),
                             (axdr.INTEGER, c[2]), (axdr.LONG_UNSIGNED, 0)])


def _range(frm, to, col=COLUMNS[0], cols=()):
    return (axdr.STRUCTURE, [_def(col), frm, to, (axdr.ARRAY, [_def(c) for c in cols])])


def _entries(a, b, c=1, d=0):
    return (axdr.STRUCTURE, [(axdr.DOUBLE_LONG_UNSIGNED, a), (axdr.DOUBLE_LONG_UNSIGNED, b),
                             (axdr.LONG_UNSIGNED, c), (axdr.LONG_UNSIGNED, d)])


def test_attributes():
    src = Source(5)
    m = _model(src)
    get = lambda a: m.get(Ctx, 7, LN, a)  # noqa: E731
    assert get(3) == (0, (axdr.ARRAY, [_def(c) for c in COLUMNS]))
    assert get(4) == (0, (axdr.DOUBLE_LONG_UNSIGNED, 900))
    assert get(5) == (0, (axdr.ENUM, 1))  # FIFO
    assert get(6) == (0, _def(COLUMNS[0]))  # sorted by the capture time
    assert get(7) == (0, (axdr.DOUBLE_LONG_UNSIGNED, 5))
    assert get(8) == (0, (axdr.DOUBLE_LONG_UNSIGNED, 100))
    assert m.get(Ctx, 7, LN, 3, 1, _entries(1, 2))[0] == cosem.SCOPE_OF_ACCESS_VIOLATED
    # the object list offers selective access on the buffer only
    attrs = object_list_value.value(m, cosem.READER)[1][0][1][3][1][0][1]
    assert attrs[1][1][2] == (axdr.ARRAY, [(axdr.INTEGER, 1), (axdr.INTEGER, 2)])
    assert all(a[1][2] == (axdr.NULL, None) for i, a in enumerate(attrs) if i != 1)


def test_methods_reset_and_capture_for_management_only():
    src = Source(3)
    m = _model(src)
    assert m.action(Ctx, 7, LN, 1, (axdr.INTEGER, 0))[0] == cosem.READ_WRITE_DENIED

    class Mgmt:
        level = cosem.MANAGEMENT
    assert m.action(Mgmt, 7, LN, 1, (axdr.INTEGER, 0)) == (0, None) and src.resets == 1
    assert m.action(Mgmt, 7, LN, 2, (axdr.INTEGER, 0)) == (0, None) and src.captures == 1
    assert m.action(Mgmt, 7, LN, 2, (axdr.OCTET_STRING, b""))[0] == cosem.TYPE_UNMATCHED


def test_whole_buffer_and_an_empty_one():
    assert _buffer(_model(Source(4))) == [_row(i) for i in range(4)]
    assert _buffer(_model(Source(0))) == []


def test_range_on_the_clock_inclusive_with_and_without_deviation():
    m = _model(Source(10))
    at = lambda t, dev=0: (axdr.OCTET_STRING, cosem_time.to_octets(t, dev))  # noqa: E731
    assert _buffer(m, 1, _range(at(T0 + 900), at(T0 + 2700))) == [_row(i) for i in (1, 2, 3)]
    # the same instants written as local time at UTC+1 (deviation -60)
    assert _buffer(m, 1, _range(at(T0 + 900, -60), at(T0 + 2700, -60))) == \
        [_row(i) for i in (1, 2, 3)]
    # deviation not specified: the meter's own (UTC here); nothing in range
    local = axdr.date_time(2026, 11, 14, 20, 15, 0)
    assert _buffer(m, 1, _range((axdr.OCTET_STRING, local), at(T0 + 900))) == [_row(1)]
    assert _buffer(m, 1, _range(at(T0 - 10), at(T0 - 1))) == []
    # selected columns come back in capture order
    assert _buffer(m, 1, _range(at(T0), at(T0 + 900), cols=(COLUMNS[2], COLUMNS[0]))) == \
        [_row(i, (0, 2)) for i in (0, 1)]


def test_range_on_a_value_column():
    m = _model(Source(10))
    rows = _buffer(m, 1, _range((axdr.DOUBLE_LONG_UNSIGNED, 1030), (axdr.DOUBLE_LONG_UNSIGNED, 1050),
                                COLUMNS[2], (COLUMNS[1],)))
    assert rows == [_row(i, (1,)) for i in (3, 4, 5)]


def test_entries_and_columns():
    m = _model(Source(10))
    assert _buffer(m, 2, _entries(1, 3)) == [_row(i) for i in range(3)]
    assert _buffer(m, 2, _entries(8, 0)) == [_row(i) for i in (7, 8, 9)]  # 0: to the newest
    assert _buffer(m, 2, _entries(0, 2)) == [_row(i) for i in (0, 1)]  # 0 as from: the oldest
    assert _buffer(m, 2, _entries(9, 20, 2, 3)) == [_row(i, (1, 2)) for i in (8, 9)]
    assert _buffer(m, 2, _entries(2, 2, 3, 0)) == [_row(1, (2,))]
    assert _buffer(m, 2, _entries(11, 20)) == []
    assert _buffer(m, 2, _entries(1, 1, 1, 9)) == [_row(0)]  # columns past the last: the last


def test_malformed_selections_are_refused():
    m = _model(Source(3))
    ts = (axdr.OCTET_STRING, cosem_time.to_octets(T0))
    other = (1, b"\x00\x00\x60\x0a\x02\xff", 2, axdr.UNSIGNED)
    for sel, params, code in (
            (3, _entries(1, 2), cosem.SCOPE_OF_ACCESS_VIOLATED),
            (1, _range(ts, ts, other), cosem.SCOPE_OF_ACCESS_VIOLATED),
            (1, _range(ts, ts, cols=(other,)), cosem.SCOPE_OF_ACCESS_VIOLATED),
            (1, _range((axdr.OCTET_STRING, cosem_time.UNSPECIFIED), ts), cosem.TYPE_UNMATCHED),
            (1, _range((axdr.UNSIGNED, 1), ts), cosem.TYPE_UNMATCHED),
            (1, (axdr.ARRAY, []), cosem.TYPE_UNMATCHED),
            (1, (axdr.STRUCTURE, [ts, ts, ts, (axdr.ARRAY, [])]), cosem.TYPE_UNMATCHED),
            (2, _entries(1, 2, 3, 2), cosem.SCOPE_OF_ACCESS_VIOLATED),
            (2, (axdr.STRUCTURE, [(axdr.BOOLEAN, True)] * 4), cosem.TYPE_UNMATCHED),
            (2, None, cosem.TYPE_UNMATCHED)):
        assert _buffer(m, sel, params) == code, (sel, params)


def test_streamed_in_pieces_equals_whole():
    src = Source(40)
    code, v = _model(src).get(Ctx, 7, LN, 2)
    whole = axdr.encode((axdr.ARRAY, [_row(i) for i in range(40)]))
    s = v[1]
    assert len(s) == len(whole)
    out = b""
    for start in range(0, len(s), 97):
        out += s.chunk(start, 97)
    assert out == whole


def test_rows_replaced_during_a_long_get_keep_the_length():
    src = Source(20)
    _, v = _model(src).get(Ctx, 7, LN, 2, 2, _entries(1, 10))
    s = v[1]
    first = s.chunk(0, 2 + 2 * 23)  # the array header and rows 1 and 2 (23 bytes each)
    del src.table[:6]  # a capture replaced the segment of the oldest rows
    data = first + s.chunk(48, len(s) - 48)
    assert len(data) == len(s)
    rows = decode_all(data)[1]
    # rows 1-2 were sent before, 3-6 are gone: 7-10 follow, then four rows with
    # nothing specified, so the array keeps the count it announced
    blank = (axdr.STRUCTURE, [(axdr.OCTET_STRING, cosem_time.UNSPECIFIED), (axdr.UNSIGNED, 0),
                              (axdr.DOUBLE_LONG_UNSIGNED, 0)])
    assert rows == [_row(0), _row(1)] + [_row(i) for i in range(6, 10)] + [blank] * 4


class PublicPG(ProfileGeneric):
    ATTRS = (cosem.R0,) * 8  # readable by the public client of the captures


def _get_blocks(s, req):
    """A GET through the server as the public client, its data blocks acknowledged."""
    r = s.handle_apdu(16, req)
    raw, blocks = b"", 0
    while r[:2] == b"\xc4\x02":
        assert r[8] == 0  # data, not a data-access-result
        n, p = axdr.get_length(r, 9)
        raw += r[p:p + n]
        blocks += 1
        if r[3]:  # last block
            return raw, blocks
        r = s.handle_apdu(16, b"\xc0\x02" + r[2:3] + r[4:8])
    assert r[:4] == b"\xc4\x01\xc1\x00", r
    return r[4:], blocks


def test_a_long_buffer_goes_in_get_data_blocks_through_the_server():
    src = Source(100)
    s = DlmsServer(config(), [AssociationLN(b"\x00\x00\x28\x00\x00\xff"),
                              PublicPG(LN, src)], b"STS")
    assert s.handle_apdu(16, apdu("aarq_public"))[0] == 0x61
    get = b"\xc0\x01\xc1\x00\x07" + LN + b"\x02"
    raw, blocks = _get_blocks(s, get + b"\x00")
    assert blocks >= 4 and decode_all(raw)[1] == [_row(i) for i in range(100)]
    sel = axdr.encode(_entries(98, 0, 3, 3))
    raw, blocks = _get_blocks(s, get + b"\x01\x02" + sel)
    assert blocks == 0 and decode_all(raw)[1] == [_row(i, (2,)) for i in (97, 98, 99)]
    assert s.model.errors == 0
