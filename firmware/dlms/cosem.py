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
        self._list = list(objects)
        self._by_ln = {}  # logical name -> index in _list
        self._groups = []  # indexes of group entries (searched, no key per name)
        self._made = {}  # index -> the object made from its entry; of a group: {ln: object}
        self._loaded = []  # modules that making objects loaded (release() unloads them)
        for i, o in enumerate(self._list):
            ln = o[1] if type(o) is tuple else o.ln
            if len(ln) > 6:
                self._groups.append(i)
            else:
                self._by_ln[bytes(ln)] = i

    @property
    def objects(self):
        """Every object in object-list order (made now where not yet)."""
        out = []
        for i, o in enumerate(self._list):
            if type(o) is tuple and len(o[1]) > 6:
                out += [self._obj(i, o[1][k:k + 6]) for k in range(0, len(o[1]), 6)]
            else:
                out.append(self._obj(i))
        return out

    def _obj(self, i, ln=None):
        """The object of entry i (of `ln` in a group entry), made once per session."""
        e = self._list[i]
        if type(e) is not tuple:
            return e
        if ln is None:
            o = self._made.get(i)
            if o is None:
                o = self._made[i] = self._make(e, e[1])
            return o
        g = self._made.get(i)
        if g is None:
            g = self._made[i] = {}
        o = g.get(ln)
        if o is None:
            o = g[ln] = self._make(e, ln)
        return o

    def _make(self, e, ln):
        import sys
        if e[2] not in sys.modules:  # loaded now: note what came with it
            before = list(sys.modules)
            __import__(e[2])
            self._loaded += [m for m in sys.modules if m not in before]
        return getattr(sys.modules[e[2]], e[3])(ln, *e[4])

    def release(self):
        """The session ended (the HDLC link is down): the objects made from
        entries are dropped and the code making them loaded is unloaded
        (compat.unload), so a head-end's reads do not stay in the meter's
        heap; the next session makes them again (docs/benchmarks.md, heap)."""
        self._made = {}
        loaded, self._loaded = self._loaded, []
        unload(*loaded)

    def find(self, class_id, ln):
        ln = bytes(ln)
        i = self._by_ln.get(ln)
        if i is not None:
            o = self._list[i]
            if (o[0] if type(o) is tuple else o.class_id) != class_id:
                raise AccessError(OBJECT_CLASS_INCONSISTENT)
            return self._obj(i)
        for i in self._groups:
            e = self._list[i]
            k = e[1].find(ln)
            while k >= 0 and k % 6:
                k = e[1].find(ln, k + 1)
            if k >= 0:
                if e[0] != class_id:
                    raise AccessError(OBJECT_CLASS_INCONSISTENT)
                return self._obj(i, ln)
        raise AccessError(OBJECT_UNDEFINED)

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
