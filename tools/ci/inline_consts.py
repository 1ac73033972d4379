"""The firmware's public const() names, inlined where other modules use them
(a build step of the .mpy routes: check_firmware.build_mpy, deploy.py build;
and of the frozen image, without companions: deploy.py freeze).

MicroPython folds `X = const(1)` into a literal only inside the module that
defines it; a public name stays a global of its module (a slot in its dict and
an interned name on the heap), and `vocab.ACCEPT` in another module is a
lookup of that global at run time. Here every firmware use of another module's
public const (`import vocab` ... `vocab.ACCEPT`, `from meter import cts` ...
`cts.EXIT_TIMER`) and the module's own uses become the literal, and the
definition becomes private (`_ACCEPT = const(1)`: no global after mpy-cross).
For readers outside the firmware (portable tests on micropython, tools) the
built module gets a module-level __getattr__ (compat.inlined) that finds such
a name in a companion module `<module>__k` (get(NAME)), which the firmware
never loads. The sources stay as they are: CPython runs them unchanged.

A const imported by name (`from meter.account import ACTIVE`) is inlined and
dropped from the import where the importing module has a companion of its
own, which then answers for it too (tests read dlms.association.IDLE). A name
stays public where it is imported by name elsewhere, or by a module another
firmware module reads it from, used through a name that is not only an import
of its module, or assigned to; a module keeps its names public when fewer
than MIN_NAMES would go. Only integer consts are inlined.

    .venv/bin/python tools/ci/inline_consts.py [TOP ...]   (a report)
"""
import ast
import hashlib
import os
import pickle
import re
import sys

MIN_NAMES = 3  # a module's hook (a closure and its companion) pays from about this many names
SUFFIX = "__k"  # the companion module: meter/cts.py -> meter/cts__k.py in the build
# plan's results, by the hash of what they depend on (this checkout's build/)
CACHE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                     "build", "inline_consts")
KEEP = 8

_OPS = {
    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
    ast.FloorDiv: lambda a, b: a // b, ast.Mod: lambda a, b: a % b,
    ast.LShift: lambda a, b: a << b, ast.RShift: lambda a, b: a >> b,
    ast.BitOr: lambda a, b: a | b, ast.BitAnd: lambda a, b: a & b,
    ast.BitXor: lambda a, b: a ^ b, ast.Pow: lambda a, b: a ** b,
}


def _value(node, env):
    """The int value of a const() argument (literals, earlier consts of the
    module, arithmetic), or None."""
    if isinstance(node, ast.Constant):
        v = node.value
        return v if isinstance(v, int) and not isinstance(v, bool) else None
    if isinstance(node, ast.Name):
        return env.get(node.id)
    if isinstance(node, ast.UnaryOp):
        v = _value(node.operand, env)
        if v is None:
            return None
        if isinstance(node.op, ast.USub):
            return -v
        if isinstance(node.op, ast.Invert):
            return ~v
        return v if isinstance(node.op, ast.UAdd) else None
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        a, b = _value(node.left, env), _value(node.right, env)
        return None if a is None or b is None else _OPS[type(node.op)](a, b)
    return None


def _consts(tree):
    """{NAME: (value, Assign node)} of the module's top-level public int consts."""
    env, out = {}, {}
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Name) and node.value.func.id == "const"
                and len(node.value.args) == 1):
            name = node.targets[0].id
            v = _value(node.value.args[0], env)
            if v is None:
                continue
            env[name] = v
            if not name.startswith("_"):
                out[name] = (v, node)
    return out


def module_name(rel):
    """'meter/cts.py' -> 'meter.cts'; 'dlms/__init__.py' -> 'dlms'."""
    parts = rel[:-3].replace(os.sep, "/").split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def sources(root, tops):
    """{module name: (path, rel)} of the .py files under root/TOP for each top."""
    out = {}
    for top in tops:
        top_dir = os.path.join(root, top)
        for dirpath, dirnames, files in os.walk(top_dir):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            for f in sorted(files):
                if f.endswith(".py"):
                    path = os.path.join(dirpath, f)
                    rel = os.path.relpath(path, top_dir)
                    out.setdefault(module_name(rel), (path, rel))
    return out


def _facts(tree, known):
    """One walk of a module: (aliases, other, binds, names). aliases: each
    name bound only by `import m [as x]` or `from pkg import m [as x]` (m a
    firmware module) -> m; other: the names bound otherwise too (or to two
    modules); binds: how many times each name is bound (imports,
    assignments, arguments, definitions; a global statement counts twice);
    names: every name the module mentions."""
    aliases, other, binds, names = {}, set(), {}, set()

    def bind(name, mod=None):
        binds[name] = binds.get(name, 0) + 1
        if mod is None:
            other.add(name)
        else:
            if aliases.get(name, mod) != mod:
                other.add(name)
            aliases[name] = mod

    for node in _walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.asname:
                    bind(a.asname, a.name)
                elif "." not in a.name:
                    bind(a.name, a.name)
                else:
                    bind(a.name.split(".")[0])  # a package: pkg.mod.NAME is not inlined
        elif isinstance(node, ast.ImportFrom):
            for a in node.names:
                full = "%s.%s" % (node.module, a.name) if node.module else a.name
                bind(a.asname or a.name, full if node.level == 0 and full in known else None)
        elif isinstance(node, ast.Name):
            names.add(node.id)
            if not isinstance(node.ctx, ast.Load):
                bind(node.id)
        elif isinstance(node, ast.arg):
            bind(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bind(node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            for n in node.names:
                bind(n)
                bind(n)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bind(node.name)
    return dict((k, v) for k, v in aliases.items() if k not in other), other, binds, names


def _walk(tree):
    """Every node of a module (ast.walk once, kept: plan reads them often)."""
    nodes = getattr(tree, "nodes", None)
    if nodes is None:
        nodes = tree.nodes = list(ast.walk(tree))
    return nodes


def plan(root, tops, hook=True):
    """The inlining: (table, texts) where table is {module: {NAME: value}} of
    the names its companion answers (its own made private, and those it
    imported by name and no longer binds), and texts {path: the source to
    compile} for the files that change. hook=False: no module gets the
    __getattr__ that finds such a name in its companion (a frozen image,
    which has no companions: the names are simply gone, as the firmware
    never reads them). Kept in build/inline_consts/ under a hash of all it
    depends on (the sources, this step, the arguments): a build that
    changed nothing costs reading the sources, not parsing them."""
    mods = sources(root, tops)
    raw = {}
    h = hashlib.sha256(repr((list(tops), hook)).encode())
    with open(os.path.abspath(__file__), "rb") as f:
        h.update(f.read())
    for m in sorted(mods):
        with open(mods[m][0], "rb") as f:
            raw[m] = f.read()
        rel = os.path.relpath(mods[m][0], root).replace(os.sep, "/").encode()
        h.update(b"%s %d\n%s" % (rel, len(raw[m]), raw[m]))
    path = os.path.join(CACHE, h.hexdigest()[:32])
    try:
        with open(path, "rb") as f:
            table, texts = pickle.load(f)
    except (OSError, EOFError, ValueError, pickle.UnpicklingError):
        table, texts = _plan(mods, raw, hook)
        try:
            _keep(path, (table, texts))
        except OSError:  # no build/ to write (a read-only checkout): planned each time
            pass
    return table, dict((mods[m][0], t) for m, t in texts.items())


def _keep(path, value):
    """value pickled at path, written whole (builds run in parallel); the
    oldest entries beyond KEEP removed."""
    os.makedirs(CACHE, exist_ok=True)
    part = "%s.%d" % (path, os.getpid())
    with open(part, "wb") as f:
        pickle.dump(value, f, pickle.HIGHEST_PROTOCOL)
    os.replace(part, path)
    try:
        old = sorted((os.path.getmtime(os.path.join(CACHE, n)), n) for n in os.listdir(CACHE)
                     if "." not in n)  # not another build's file being written
        for _, n in old[:-KEEP]:
            os.remove(os.path.join(CACHE, n))
    except OSError:  # another build removed it first
        pass


def _plan(mods, raw, hook):
    parsed = dict((m, (raw[m], ast.parse(raw[m], p))) for m, (p, _) in mods.items())
    defs = {}
    for m, (_, tree) in parsed.items():
        c = _consts(tree)
        if c and not mods[m][1].endswith("__init__.py"):
            defs[m] = c
    # a module that lost a name imported by `from m import NAME` answers
    # for it too (tests read dlms.association.IDLE): only those whose own
    # names went private (and so have the hook) lose such imports
    facts = dict((m, _facts(tree, mods)) for m, (_, tree) in parsed.items())
    reexported = _reexported(parsed, facts, mods, defs)
    table = _decide(parsed, facts, reexported, defs, ())[0]
    table, uses, froms = _decide(parsed, facts, reexported, defs, set(table))
    answers = dict((m, dict(c)) for m, c in table.items())
    gone = {}  # ImportFrom node -> the aliases it loses
    for m, node, a in froms:
        if a.name in table.get(node.module, ()):
            gone.setdefault(node, []).append(a)
            bound, v = a.asname or a.name, table[node.module][a.name]
            answers[m][bound] = v
            uses[m] += [(n, v, (node.module, a.name)) for n in _walk(parsed[m][1])
                        if isinstance(n, ast.Name) and n.id == bound]
    texts = {}
    for m, (text, tree) in parsed.items():
        edits = [(node, v) for node, v, key in uses[m] if key[1] in table.get(key[0], ())]
        for node in _walk(tree):
            if node in gone:
                rest = [a for a in node.names if a not in gone[node]]
                edits.append((node, "from %s import %s" % (node.module, ", ".join(
                    a.name + (" as " + a.asname if a.asname else "") for a in rest))
                    if rest else "pass"))
        own = table.get(m, {})
        if own:
            edits += [(defs[m][n][1].targets[0], "_" + n) for n in own]
        if edits:
            texts[m] = _edit(text, edits, m if own and hook else None)
    return answers, texts


def _decide(parsed, facts, reexported, defs, hooked):
    """(table, uses, froms): the names made private per module, the uses
    to inline per module, and the `from m import NAME` whose NAME goes
    (only in modules of `hooked`, which answer for it, see plan)."""
    keep, uses = set(), {}  # (module, NAME) kept public; module -> [(node, value, key)]
    froms = []  # (module, ImportFrom node, alias) of consts imported by name
    defined = {}  # NAME -> the modules that define it
    for d in defs:
        for n in defs[d]:
            defined.setdefault(n, []).append(d)
    for m, (_, tree) in parsed.items():
        aliases, _, binds, _ = facts[m]
        found = uses[m] = []
        own = dict((n, v) for n, v in defs.get(m, {}).items() if binds.get(n) == 1)
        keep.update((m, n) for n in defs.get(m, {}) if n not in own)
        for node in _walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module in defs:
                for a in node.names:  # `from m import NAME`: its uses inlined, the name dropped
                    if a.name not in defs[node.module]:
                        continue
                    if m not in hooked or binds.get(a.asname or a.name) != 1 \
                            or (m, a.asname or a.name) in reexported:
                        keep.add((node.module, a.name))
                        continue
                    froms.append((m, node, a))
            elif isinstance(node, ast.Attribute):
                target = aliases.get(node.value.id) if isinstance(node.value, ast.Name) else None
                if target in defs and node.attr in defs[target] \
                        and isinstance(node.ctx, ast.Load):
                    found.append((node, defs[target][node.attr][0], (target, node.attr)))
                else:  # `x.NAME` some other way (or assigned): every such NAME stays public
                    keep.update((d, node.attr) for d in defined.get(node.attr, ()))
            elif isinstance(node, ast.Name) and node.id in own and isinstance(node.ctx, ast.Load):
                found.append((node, own[node.id][0], (m, node.id)))
    table = {}
    for m, c in defs.items():
        names = dict((n, v[0]) for n, v in c.items()
                     if (m, n) not in keep and "_" + n not in facts[m][3])
        if len(names) >= MIN_NAMES:
            table[m] = names
    return table, uses, froms


def _reexported(parsed, facts, mods, defs):
    """(module, name) of the names that a module imported and another reads
    from it (`from m import NAME`, `m.NAME`): such an import stays."""
    out = set()
    for m, (_, tree) in parsed.items():
        aliases = facts[m][0]
        for node in _walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module in mods:
                out.update((node.module, a.name) for a in node.names
                           if a.name not in defs.get(node.module, ()))
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                    and node.value.id in aliases:
                out.add((aliases[node.value.id], node.attr))
    return out


def _edit(text, edits, own_module):
    """The source with each node's span replaced (a value: its literal; a
    string: that name), plus the hook when the module's names went private."""
    lines = text.split(b"\n")
    starts, pos = [], 0
    for line in lines:
        starts.append(pos)
        pos += len(line) + 1
    spans = []
    for node, v in edits:
        a = starts[node.lineno - 1] + node.col_offset  # ast offsets are UTF-8 bytes
        b = starts[node.end_lineno - 1] + node.end_col_offset
        lit = v if isinstance(v, str) else ("(%d)" % v if v < 0 else "%d" % v)
        spans.append((a, b, lit.encode()))
    out, last = [], 0
    for a, b, lit in sorted(spans):
        if a < last:
            raise ValueError("overlapping edits")
        out += [text[last:a], lit]
        last = b
    out.append(text[last:])
    src = b"".join(out)
    if own_module:
        # a module with a __getattr__ of its own (code loaded on use) keeps it
        # for every name that is not one of its inlined consts
        other = b", __getattr__" if re.search(rb"^def __getattr__\(", src, re.M) else b""
        src = src.rstrip(b"\n") + (
            b"\n\n__getattr__ = __import__('compat').inlined(__name__%s)"
            b"  # the public const names: tools/ci/inline_consts.py\n" % other)
    return src


def source(src, texts, path):
    """The file mpy-cross compiles for `src` (a firmware source path, or a
    companion's text as bytes): `src` itself when the build leaves it as it
    is, else its text from `texts` (plan's) written to `path`."""
    text = src if isinstance(src, bytes) else texts.get(src)
    if text is None:
        return src
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(text)
    return path


def companion(names):
    """The source of a module's companion: get(NAME), the value of an inlined
    name, from one string (a module of globals would take a large dict)."""
    table = " ".join("%s=%d" % (n, v) for n, v in sorted(names.items()))
    return ("def get(name):\n"
            "    t = ' %s '\n"
            "    i = t.find(' %%s=' %% name)\n"
            "    if i < 0:\n"
            "        raise AttributeError(name)\n"
            "    i += len(name) + 2\n"
            "    return int(t[i:t.index(' ', i)])\n" % table).encode()


def digest(table):
    """A short fingerprint of the table and of this step (a build made with
    another is stale)."""
    with open(os.path.abspath(__file__), "rb") as f:
        h = hashlib.sha256(f.read())
    h.update(repr(sorted((m, sorted(c.items())) for m, c in table.items())).encode())
    return h.hexdigest()[:16]


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    tops = (argv if argv is not None else sys.argv[1:]) or ["firmware"]
    table, texts = plan(root, tops)
    for m in sorted(table):
        print("%-28s %3d names" % (m, len(table[m])))
    print("%d names of %d modules inlined; %d files change" % (
        sum(len(c) for c in table.values()), len(table), len(texts)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
