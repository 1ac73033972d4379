# CPython: the build step that inlines the firmware's public const() names
# (tools/ci/inline_consts.py) on a scratch tree: which names go private, what
# the built modules compute on micropython, and that a reader outside the
# firmware still finds every name (through the module's companion).
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools", "ci"))
import check_firmware  # noqa: E402
import inline_consts  # noqa: E402

CODES = """from compat import const
A = const(1)
B = const(A + 1)
C = const(-3)
D = const(4)
E = const(1 << 4)
_P = const(9)


def f():
    return A + _P + E
"""
USER = """import codes
from codes import D


def g():
    return codes.A, codes.B, codes.C, D, codes.E
"""
OTHER = """import codes


def h(m=codes):
    return m.B  # read through another name: B stays public
"""
LOCAL = """from compat import const
from codes import C
X = const(7)
Y = const(8)
Z = const(9)


def k():
    return X + Y + Z + C


def __getattr__(name):  # code loaded on use, as dlms.xdlms has
    if name == "LAZY":
        return 42
    raise AttributeError(name)
"""
RUN = """import sys
import user, codes, other, local
print(user.g(), codes.f(), other.h(), local.k(), 'codes__k' in sys.modules)
print(codes.A, codes.C, codes.E, local.C, local.X, 'codes__k' in sys.modules)
print(local.LAZY, local.Y)  # its own __getattr__ still answers the other names
for m in (codes, local):
    try:
        m.NOPE
    except AttributeError:
        print('AttributeError')
"""

RUN_FROZEN = """import user, codes, other, local
print(user.g(), codes.f(), other.h(), local.k())
print(hasattr(codes, 'A'), codes.B, hasattr(local, 'X'), local.LAZY)
"""


@pytest.fixture
def tree(tmp_path):
    fw = tmp_path / "firmware"
    fw.mkdir()
    shutil.copy(os.path.join(ROOT, "firmware", "compat.py"), str(fw / "compat.py"))
    for name, text in (("codes", CODES), ("user", USER), ("other", OTHER), ("local", LOCAL)):
        (fw / (name + ".py")).write_text(text)
    return tmp_path


def test_which_names_go_private_and_what_the_sources_become(tree):
    table, texts = inline_consts.plan(str(tree), ("firmware",))
    # B is read through another name, D imported by name into a module without a
    # companion: both stay public; local's C is answered by local's companion
    assert table == {"codes": {"A": 1, "C": -3, "E": 16},
                     "local": {"X": 7, "Y": 8, "Z": 9, "C": -3}}
    fw = str(tree / "firmware")
    user = texts[os.path.join(fw, "user.py")].decode()
    assert "return 1, codes.B, (-3), D, 16" in user and "from codes import D" in user
    codes = texts[os.path.join(fw, "codes.py")].decode()
    assert "_A = const(1)" in codes and "B = const(1 + 1)" in codes
    assert "return 1 + _P + 16" in codes
    assert "__getattr__ = __import__('compat').inlined(__name__)" in codes
    local = texts[os.path.join(fw, "local.py")].decode()
    assert "from codes import C" not in local and "return 7 + 8 + 9 + (-3)" in local
    assert "__getattr__ = __import__('compat').inlined(__name__, __getattr__)" in local
    assert os.path.join(fw, "other.py") not in texts


def test_the_build_runs_on_micropython_and_answers_other_readers(tree):
    out, ok = check_firmware.build_mpy(str(tree), out="build/mpy")
    assert ok
    assert sorted(f for f in os.listdir(out) if f.endswith("__k.mpy")) == [
        "codes__k.mpy", "local__k.mpy"]
    env = dict(os.environ, MICROPYPATH=os.pathsep.join([out, ".frozen"]))
    p = subprocess.run([check_firmware.venv_tool("micropython"), "-c", RUN], env=env,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout.splitlines() == [
        "(1, 2, -3, 4, 16) 26 2 21 False",  # the firmware's own uses load no companion
        "1 -3 16 -3 7 True",
        "42 8",
        "AttributeError", "AttributeError"]


def test_without_the_hook_the_names_are_gone_as_in_a_frozen_image(tree):
    # make freeze (tools/deploy.py write_frozen): the same inlining, no companion
    # to look in, so no module __getattr__ for it; a module's own one stays
    table, texts = inline_consts.plan(str(tree), ("firmware",), hook=False)
    assert table == inline_consts.plan(str(tree), ("firmware",))[0]
    fw = str(tree / "firmware")
    assert b"__getattr__" not in texts[os.path.join(fw, "codes.py")]
    local = texts[os.path.join(fw, "local.py")].decode()
    assert "inlined(" not in local and "def __getattr__(name):" in local
    out, ok = check_firmware.build_mpy(str(tree), out="build/frozen", hook=False)
    assert ok and not [f for f in os.listdir(out) if f.endswith("__k.mpy")]
    env = dict(os.environ, MICROPYPATH=os.pathsep.join([out, ".frozen"]))
    p = subprocess.run([check_firmware.venv_tool("micropython"), "-c", RUN_FROZEN], env=env,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout.splitlines() == ["(1, 2, -3, 4, 16) 26 2 21", "False 2 False 42"]


def test_the_plan_is_kept_by_the_hash_of_the_sources(tree, tmp_path, monkeypatch):
    monkeypatch.setattr(inline_consts, "CACHE", str(tmp_path / "cache"))
    first = inline_consts.plan(str(tree), ("firmware",))
    plan = inline_consts._plan

    def unused(*args):
        raise AssertionError("planned again")
    monkeypatch.setattr(inline_consts, "_plan", unused)
    assert inline_consts.plan(str(tree), ("firmware",)) == first  # read back, not made
    assert len(os.listdir(str(tmp_path / "cache"))) == 1
    (tree / "firmware" / "codes.py").write_text(CODES.replace("A = const(1)", "A = const(5)"))
    with pytest.raises(AssertionError, match="planned again"):
        inline_consts.plan(str(tree), ("firmware",))
    monkeypatch.setattr(inline_consts, "_plan", plan)
    assert inline_consts.plan(str(tree), ("firmware",))[0]["codes"]["A"] == 5
    inline_consts.plan(str(tree), ("firmware",), hook=False)  # an entry of its own
    assert len(os.listdir(str(tmp_path / "cache"))) == 3
