# The reader of store.codec's CBOR subset (the rules are there): codec.decode
# loads it on use. A meter reads its records at power-up only, so app.App
# unloads it with the rest of the build's code.
from compat import const
from store.codec import CodecError, MAX_DEPTH, MAX_SIZE

_FALSE = const(0xF4)  # simple values (RFC 8949 3.3), as store.codec writes them
_TRUE = const(0xF5)
_NULL = const(0xF6)
_KEY_T = (int, str)


def decode(data):
    n = len(data)
    if n > MAX_SIZE:
        raise CodecError("record is %d bytes, limit %d" % (n, MAX_SIZE))
    r = _Reader(data)
    v = r.item(0)
    if r.pos != n:
        raise CodecError("%d trailing bytes after the value" % (n - r.pos))
    return v


class _Reader:
    def __init__(self, data):
        self.mv = memoryview(data)
        self.n = len(data)
        self.pos = 0

    def arg(self, ai):
        if ai < 24:
            return ai
        pos = self.pos
        if ai > 27:
            raise CodecError("additional info %d (indefinite or reserved) at %d" % (ai, pos - 1))
        size = 1 << (ai - 24)
        if pos + size > self.n:
            raise CodecError("truncated argument at %d" % pos)
        mv = self.mv
        v = 0
        for i in range(pos, pos + size):
            v = (v << 8) | mv[i]
        if v < (24 if size == 1 else 1 << (4 * size)):
            raise CodecError("non-minimal argument at %d" % (pos - 1))
        self.pos = pos + size
        return v

    def item(self, depth):
        if depth > MAX_DEPTH:
            raise CodecError("nesting deeper than %d" % MAX_DEPTH)
        pos = self.pos
        if pos >= self.n:
            raise CodecError("truncated: value expected at %d" % pos)
        ib = self.mv[pos]
        self.pos = pos + 1
        major = ib >> 5
        if major == 7:
            if ib == _FALSE:
                return False
            if ib == _TRUE:
                return True
            if ib == _NULL:
                return None
            raise CodecError("unsupported simple value or float 0x%02x at %d" % (ib, pos))
        if major == 6:
            raise CodecError("tags are not supported (at %d)" % pos)
        v = self.arg(ib & 31)
        if major == 0:
            return v
        if major == 1:
            return -1 - v
        pos = self.pos
        left = self.n - pos
        if major == 2 or major == 3:
            if v > left:
                raise CodecError("truncated string at %d" % pos)
            self.pos = pos + v
            b = bytes(self.mv[pos:pos + v])
            if major == 2:
                return b
            try:
                return b.decode()
            except (UnicodeError, ValueError):
                raise CodecError("invalid UTF-8 text at %d" % pos)
        if major == 4:
            if v > left:
                raise CodecError("array of %d items cannot fit at %d" % (v, pos))
            items = [None] * v
            for i in range(v):
                items[i] = self.item(depth + 1)
            return items
        # major 5: map
        if 2 * v > left:
            raise CodecError("map of %d pairs cannot fit at %d" % (v, pos))
        d = {}
        for _ in range(v):
            at = self.pos
            k = self.item(depth + 1)
            if k is True or k is False or not isinstance(k, _KEY_T):
                raise CodecError("map key at %d is not an int or str" % at)
            if k in d:
                raise CodecError("duplicate map key at %d" % at)
            d[k] = self.item(depth + 1)
        return d
