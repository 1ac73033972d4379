# The COSEM object model: objects, access rights per association level, and
# dispatch of GET/SET/ACTION (dlms.md 7). Objects are thin views over the meter
# (design.md): they keep no state beyond what the standard defines for them.
#
# Values cross this layer as A-XDR typed pairs (tag, value), see dlms.axdr.
from compat import const, retry_on_memory, unload
from dlms import axdr

# Data-access-result / action-result codes: xdlms's (dlms.md 5.2).
from dlms.xdlms import (SUCCESS, HARDWARE_FAULT, TEMPORARY_FAILURE,  # noqa: F401
                        READ_WRITE_DENIED, OBJECT_UNDEFINED, OBJECT_CLASS_INCONSISTENT,
                        OBJECT_UNAVAILABLE, TYPE_UNMATCHED, SCOPE_OF_ACCESS_VIOLATED,
                        OTHER_REASON)

# Association levels (docs/dlms.md): each client SAP maps to one.
PUBLIC = const(0)  # SAP 16, no authentication
READER = const(1)  # SAP 17, LLS
MANAGEMENT = const(2)  # SAP 1, HLS-GMAC with ciphering
NOBODY = const(3)

# Shorthands for access tables: (read level, write level) per attribute.
R0 = (PUBLIC, NOBODY)
R1 = (READER, NOBODY)
R2 = (MANAGEMENT, NOBODY)
R0W2 = (PUBLIC, MANAGEMENT)
R1W2 = (READER, MANAGEMENT)
RW2 = (MANAGEMENT, MANAGEMENT)
HIDDEN = (NOBODY, NOBODY)


class AccessError(Exception):
    # super().__init__: MicroPython's Exception has no __init__ attribute
    def __init__(self, code):
        super().__init__(code)
        self.code = code


class CosemObject:
    """Base class. Subclasses set class_id, version, ATTRS (access per
    attribute, index 0 = attribute 1) and METHODS (level per method)."""
    class_id = 0
    version = 0
    ATTRS = (R0,)
    METHODS = ()

    def __init__(self, ln, attrs=None, methods=None):
        self.ln = ln
        if attrs is not None:
            self.ATTRS = attrs
        if methods is not None:
            self.METHODS = methods

    def get(self, attr, ctx):
        if attr == 1:
            return (axdr.OCTET_STRING, self.ln)
        return self.read(attr, ctx)

    def read(self, attr, ctx):  # attributes 2..n
        raise AccessError(OBJECT_UNDEFINED)

    def write(self, attr, value, ctx):
        raise AccessError(READ_WRITE_DENIED)

    def invoke(self, method, param, ctx):
        raise AccessError(OBJECT_UNDEFINED)


def expect(value, tag):
    """The value of a typed pair that must have `tag`, else TYPE_UNMATCHED."""
    if value is None or value[0] != tag:
        raise AccessError(TYPE_UNMATCHED)
    return value[1]


def expect_int(value):
    if value is None or not isinstance(value[1], int) or isinstance(value[1], bool):
        raise AccessError(TYPE_UNMATCHED)
    return value[1]


class ObjectModel:
    """The logical device's objects, looked up by logical name. `objects`
    lists them in object-list order: CosemObject instances, or entries
    (class_id, ln, module, class name, args) of objects made on first access
    as module.name(ln, *args), so a meter loads the code of objects nobody
    reads only when someone does (docs/dlms.md "Objects"). An entry's ln may
    be several logical names back to back (6 octets each): objects of one
    class made alike, one entry for all (heap). Objects made from entries
    hold no state of their own (the meter does): release() drops them, and
    unloads the code making them loaded, when a session ends. An unexpected
    exception inside an object (a bug, a store error) becomes hardware-fault
    for that request and is counted in `errors`; it never reaches the link.
    Running out of memory is a resource fault: a GET is retried once after a
    collection (compat.retry_on_memory), then, like a SET or ACTION that ran
    out, answered temporary-failure and counted in `memory_faults`."""

    def __init__(self, objects):
        self.errors = 0
        self.memory_faults = 0
        # A row of 10 octets per object in object-list order: class_id (2),
        # logical name (6), entry (2); entry e is _of[3e:3e + 3], the object
        # (and two None) or the entry's module, class and args, shared by a
        # group's rows. Bytes and one flat list: a dict, a bytes object per
        # name and a tuple per entry would cost about as much again (heap).
        rows = bytearray()
        of = []
        for o in objects:
            if type(o) is tuple:
                cid, ln = o[0], o[1]
                of += o[2:5]
            else:
                cid, ln = o.class_id, o.ln
                of += (o, None, None)
            e = len(of) // 3 - 1
            for k in range(0, len(ln), 6):
                rows += bytes((cid >> 8, cid & 255)) + ln[k:k + 6] + bytes((e >> 8, e & 255))
        self._rows = bytes(rows)
        self._of = tuple(of)  # exactly its size (a list keeps room to grow)
        self._made = {}  # row -> the object made from its entry, this session
        self._loaded = []  # modules that making objects loaded (release() unloads them)

    @property
    def objects(self):
        """Every object in object-list order (made now where not yet)."""
        return [self._obj(i) for i in range(len(self._rows) // 10)]

    def _obj(self, i):
        """The object of row i, made once per session from its entry."""
        r = i * 10
        e = (self._rows[r + 8] << 8 | self._rows[r + 9]) * 3
        of = self._of
        if of[e + 1] is None:
            return of[e]
        o = self._made.get(i)
        if o is None:
            import sys
            m = of[e]
            if m not in sys.modules:  # loaded now: note what came with it
                before = list(sys.modules)
                __import__(m)
                self._loaded += [n for n in sys.modules if n not in before]
            o = self._made[i] = getattr(sys.modules[m], of[e + 1])(self._rows[r + 2:r + 8],
                                                                   *of[e + 2])
        return o

    def release(self):
        """The session ended (the HDLC link is down): the objects made from
        entries are dropped and the code making them loaded is unloaded
        (compat.unload), so a head-end's reads do not stay in the meter's
        heap; the next session makes them again (docs/benchmarks.md, heap)."""
        self._made = {}
        loaded, self._loaded = self._loaded, []
        unload(*loaded)

    def find(self, class_id, ln):
        rows = self._rows
        k = rows.find(ln, 2) if len(ln) == 6 else -1
        while k >= 0 and k % 10 != 2:  # a name starts 2 octets into its row
            k = rows.find(ln, k + 1)
        if k < 0:
            raise AccessError(OBJECT_UNDEFINED)
        if rows[k - 2] << 8 | rows[k - 1] != class_id:
            raise AccessError(OBJECT_CLASS_INCONSISTENT)
        return self._obj(k // 10)

    def get(self, ctx, class_id, ln, attr, selector=None, params=None):
        """-> (result, typed value or None). Never raises for bad input.
        With a selector (selective access) the object's select() answers."""
        try:
            o = self.find(class_id, ln)
            if attr < 1 or attr > len(o.ATTRS):
                return OBJECT_UNDEFINED, None
            if ctx.level < o.ATTRS[attr - 1][0]:
                return READ_WRITE_DENIED, None
            if selector is not None:  # selective access: objects with SELECTIVE and select()
                if attr not in getattr(o, "SELECTIVE", ()):
                    return SCOPE_OF_ACCESS_VIOLATED, None
                return SUCCESS, retry_on_memory(o.select, attr, ctx, selector, params)
            return SUCCESS, retry_on_memory(o.get, attr, ctx)
        except Exception as e:
            return self._failed(e), None

    def _failed(self, e):
        """The data-access-result of a request that raised e: an AccessError's
        code; MemoryError temporary-failure (counted); anything else a fault of
        the object's code, hardware-fault (counted)."""
        if isinstance(e, AccessError):
            return e.code
        if isinstance(e, MemoryError):
            self.memory_faults += 1
            return TEMPORARY_FAILURE
        self.errors += 1
        return HARDWARE_FAULT

    def set(self, ctx, class_id, ln, attr, value):
        try:
            o = self.find(class_id, ln)
            if attr < 1 or attr > len(o.ATTRS):
                return OBJECT_UNDEFINED
            if ctx.level < o.ATTRS[attr - 1][1]:
                return READ_WRITE_DENIED
            o.write(attr, value, ctx)
            return SUCCESS
        except Exception as e:
            return self._failed(e)

    def action(self, ctx, class_id, ln, method, param):
        """-> (result, typed return value or None)."""
        try:
            o = self.find(class_id, ln)
            if method < 1 or method > len(o.METHODS):
                return OBJECT_UNDEFINED, None
            if ctx.level < o.METHODS[method - 1]:
                return READ_WRITE_DENIED, None
            return SUCCESS, o.invoke(method, param, ctx)
        except Exception as e:
            return self._failed(e), None
