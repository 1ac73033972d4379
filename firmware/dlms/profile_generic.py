# Profile generic, class 7 version 1 (Blue Book; dlms.md 7): attributes 2-8,
# the methods reset and capture, and the buffer read whole or with selective
# access. Loaded when a client first reaches a profile (binding.objects
# entries, made by cosem.ObjectModel).
#
#   selector 1, range_descriptor: structure {restricting_object, from_value,
#     to_value, selected_values}: the rows whose restricting column lies in
#     [from_value, to_value]; a date-time compares as UTC (its deviation
#     applied; unspecified: the meter's own); selected_values is an array of
#     capture object definitions, empty for all columns
#   selector 2, entry_descriptor: structure {from_entry, to_entry
#     (double-long-unsigned), from_selected_value, to_selected_value
#     (long-unsigned)}: entries and columns count from 1, entry 1 is the
#     oldest (sort method FIFO), 0 as a "to" means the last
#
# Columns come back in capture order. The buffer is encoded as it is sent
# (Stream): a first pass counts the rows, then each GET data block is
# encoded row by row, so a long profile never sits whole in RAM.
#
# The source (from binding) offers: columns, ((class_id, logical name,
# attribute, A-XDR tag), ...), the first being the clock (class 8 attribute
# 2); period (s); capacity; in_use(); rows() -> (seq, (UTC s, clock status,
# value of column 2, ...)) oldest first; clock (meter.realtime.RealTime, for
# date-times); reset() and capture(), which may raise AccessError.
from dlms import axdr, cosem_time
from dlms.cosem import (CosemObject, AccessError, expect, R0, R1, MANAGEMENT, TYPE_UNMATCHED,
                        SCOPE_OF_ACCESS_VIOLATED)

_SIZE = {axdr.UNSIGNED: 2, axdr.ENUM: 2, axdr.INTEGER: 2, axdr.LONG: 3, axdr.LONG_UNSIGNED: 3,
         axdr.DOUBLE_LONG: 5, axdr.DOUBLE_LONG_UNSIGNED: 5, axdr.OCTET_STRING: 14}


def _definition(c):
    """capture_object_definition {class_id, logical_name, attribute_index, data_index}."""
    return (axdr.STRUCTURE, [(axdr.LONG_UNSIGNED, c[0]), (axdr.OCTET_STRING, c[1]),
                             (axdr.INTEGER, c[2]), (axdr.LONG_UNSIGNED, 0)])


def read(src, attr, selector=None, params=None):
    if attr == 2:
        return (axdr.RAW, Stream(src, *_selection(src, selector, params)))
    if selector is not None:
        raise AccessError(SCOPE_OF_ACCESS_VIOLATED)
    if attr == 3:
        return (axdr.ARRAY, [_definition(c) for c in src.columns])
    if attr == 4:
        return (axdr.DOUBLE_LONG_UNSIGNED, src.period)
    if attr == 5:
        return (axdr.ENUM, 1)  # sort_method fifo
    if attr == 6:
        return _definition(src.columns[0])  # sort_object: the capture time
    if attr == 7:
        return (axdr.DOUBLE_LONG_UNSIGNED, src.in_use())
    return (axdr.DOUBLE_LONG_UNSIGNED, src.capacity)


def invoke(src, method, param):
    """1 reset, 2 capture (data: integer 0)."""
    if param is not None and param[0] not in (axdr.INTEGER, axdr.UNSIGNED, axdr.LONG,
                                              axdr.LONG_UNSIGNED, axdr.NULL):
        raise AccessError(TYPE_UNMATCHED)
    if method == 1:
        src.reset()
    else:
        src.capture()


def _column(src, d):
    """Index of the column a capture_object_definition names."""
    v = expect(d, axdr.STRUCTURE)
    if len(v) != 4 or v[1][0] != axdr.OCTET_STRING:
        raise AccessError(TYPE_UNMATCHED)
    for i, c in enumerate(src.columns):
        if v[0][1] == c[0] and v[1][1] == c[1] and v[2][1] == c[2]:
            if v[3][1]:
                break  # data_index: whole attributes only
            return i
    raise AccessError(SCOPE_OF_ACCESS_VIOLATED)


def _bound(src, col, value):
    """A from/to value -> what rows hold in that column (UTC s for the clock)."""
    if col == 0:
        b = expect(value, axdr.OCTET_STRING)
        try:
            return cosem_time.from_octets(bytes(b), src.clock.tz)
        except axdr.DecodeError:
            raise AccessError(TYPE_UNMATCHED)
    if value is None or not isinstance(value[1], int):
        raise AccessError(TYPE_UNMATCHED)
    return value[1]


def _selection(src, selector, params):
    """-> (restricting column or None, from, to, entries (first, last) or
    None, selected columns)."""
    n = len(src.columns)
    if selector is None:
        return None, 0, 0, None, tuple(range(n))
    p = expect(params, axdr.STRUCTURE)
    if len(p) != 4:
        raise AccessError(TYPE_UNMATCHED)
    if selector == 1:
        col = _column(src, p[0])
        cols = expect(p[3], axdr.ARRAY)
        sel = tuple(range(n)) if not cols else tuple(sorted(set(_column(src, c) for c in cols)))
        return col, _bound(src, col, p[1]), _bound(src, col, p[2]), None, sel
    if selector != 2:
        raise AccessError(SCOPE_OF_ACCESS_VIOLATED)
    for v in p:
        if not isinstance(v[1], int) or isinstance(v[1], bool):
            raise AccessError(TYPE_UNMATCHED)
    first, last, c0, c1 = p[0][1], p[1][1], p[2][1] or 1, p[3][1] or n
    if c1 > n:
        c1 = n
    if c0 > c1:
        raise AccessError(SCOPE_OF_ACCESS_VIOLATED)
    return None, 0, 0, (first or 1, last or 0xFFFFFFFF), tuple(range(c0 - 1, c1))


class Stream:
    """A buffer's A-XDR bytes, made as they are sent: len() and chunk(start,
    n), read front to back (xdlms.LongGet). The rows are fixed once counted
    (their seq span); a row that a capture replaced meanwhile is sent with
    its fields unspecified (date-time 0xFF.., numbers 0), so the length
    never changes."""

    def __init__(self, src, col, lo, hi, entries, cols):
        self.src, self.col, self.lo, self.hi, self.cols = src, col, lo, hi, cols
        self.first = self.last = None  # seq span of the selected rows
        n = 0
        k = 0
        for seq, row in src.rows():
            k += 1
            if self._match(row) and (entries is None or entries[0] <= k <= entries[1]):
                n += 1
                if self.first is None:
                    self.first = seq
                self.last = seq
        self.rows = n
        width = 1 + axdr.length_size(len(cols))
        for i in cols:
            width += _SIZE[src.columns[i][3]]
        self.size = 1 + axdr.length_size(n) + n * width
        self._buf = bytearray((axdr.ARRAY,))
        axdr.put_length(self._buf, n)
        self._pos = 0  # stream offset of _buf[0]
        self._sent = 0  # rows encoded
        self._it = None

    def __len__(self):
        return self.size

    def _match(self, row):
        if self.col is None:
            return True
        v = row[0] if self.col == 0 else row[self.col + 1]
        return self.lo <= v <= self.hi

    def _row(self, row):
        out = self._buf
        out.append(axdr.STRUCTURE)
        axdr.put_length(out, len(self.cols))
        src = self.src
        for i in self.cols:
            tag = src.columns[i][3]
            if i == 0:
                out.append(axdr.OCTET_STRING)
                out.append(12)
                out.extend(cosem_time.UNSPECIFIED if row is None
                           else cosem_time.stamp(src.clock, row[0], row[1]))
            else:
                axdr.encode((tag, 0 if row is None else row[i + 1]), out)
        self._sent += 1

    def _more(self):
        """Encode the next row; False when all are."""
        if self._sent >= self.rows:
            return False
        if self._it is None:
            self._it = self.src.rows()
        for seq, row in self._it:
            if seq > self.last:
                break
            if seq >= self.first and self._match(row):
                self._row(row)
                return True
        self._it = iter(())
        self._row(None)  # replaced by a capture since it was counted
        return True

    def chunk(self, start, n):
        """Bytes [start, start + n) of the buffer; start never goes back."""
        end = start + n if start + n < self.size else self.size
        while self._pos + len(self._buf) < end and self._more():
            pass
        a, b = start - self._pos, end - self._pos
        out = bytes(self._buf[a:b])
        self._buf = self._buf[b:]
        self._pos = end
        return out


class ProfileGeneric(CosemObject):
    """Class 7 version 1 over `source` (see the top of this module): the
    buffer read whole or with selective access by range (1) or entry (2),
    the methods reset and capture with the access levels `methods`."""
    class_id = 7
    version = 1
    ATTRS = (R0, R1, R1, R1, R1, R1, R1, R1)
    SELECTIVE = (2,)

    def __init__(self, ln, source, methods=(MANAGEMENT, MANAGEMENT)):
        CosemObject.__init__(self, ln, None, methods)
        self.source = source

    def read(self, attr, ctx):
        return read(self.source, attr)

    def select(self, attr, ctx, selector, params):
        return read(self.source, attr, selector, params)

    def invoke(self, method, param, ctx):
        invoke(self.source, method, param)
