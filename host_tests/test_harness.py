# CPython: the harness itself fails when it should. Each test builds a scratch
# repository tree with one deliberate defect and runs the real check scripts.
import os
import subprocess
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHECK = os.path.join(ROOT, "tools", "ci", "check_firmware.py")
RUN = os.path.join(ROOT, "tools", "ci", "run_portable.py")


def _tree(tmp_path, files):
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text))
    (tmp_path / "firmware").mkdir(exist_ok=True)
    (tmp_path / "firmware" / "compat.py").write_text(
        open(os.path.join(ROOT, "firmware", "compat.py")).read())
    return str(tmp_path)


def _run(*args):
    p = subprocess.run([sys.executable] + list(args), capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def test_dataclass_in_firmware_fails_compile_check_naming_the_file(tmp_path):
    root = _tree(tmp_path, {"firmware/meter/bad.py": """
        from dataclasses import dataclass

        @dataclass
        class Credit:
            units: int
        """})
    rc, out = _run(CHECK, "compile", "--root", root)
    assert rc == 1
    assert "firmware/meter/bad.py:2: imports dataclasses" in out


def test_dataclass_in_firmware_fails_import_check_naming_the_file(tmp_path):
    root = _tree(tmp_path, {"firmware/meter/bad.py": """
        from dataclasses import dataclass
        """})
    rc, out = _run(CHECK, "import", "--root", root)
    assert rc == 1
    assert "firmware/meter/bad.py (module meter.bad) does not import under MicroPython" in out


def test_pure_layer_may_not_import_machine(tmp_path):
    root = _tree(tmp_path, {"firmware/sts/io.py": "import machine\n"})
    rc, out = _run(CHECK, "compile", "--root", root)
    assert rc == 1
    assert "firmware/sts/io.py:1: pure layer imports machine" in out


def test_exception_init_call_fails_compile_check(tmp_path):
    root = _tree(tmp_path, {"firmware/dlms/err.py": """
        class AccessError(Exception):
            def __init__(self, code):
                Exception.__init__(self, code)
        """})
    rc, out = _run(CHECK, "compile", "--root", root)
    assert rc == 1
    assert "firmware/dlms/err.py:4: Exception.__init__(self, ...) fails on MicroPython" in out


def test_viper_code_that_no_target_takes_fails_compile(tmp_path):
    root = _tree(tmp_path, {"firmware/x.py": """
        import micropython

        @micropython.viper
        def f(x: int) -> int:
            return undefined_thing(x) + ptr8(x)[0.5]
        """})
    rc, out = _run(CHECK, "compile", "--root", root)
    assert rc == 1
    assert "firmware/x.py: mpy-cross" in out


def test_clean_tree_passes(tmp_path):
    root = _tree(tmp_path, {"firmware/sts/ok.py": "from compat import const\nX = const(3)\n"})
    rc, out = _run(CHECK, "compile", "--root", root)
    assert rc == 0, out
    rc, out = _run(CHECK, "import", "--root", root)
    assert rc == 0, out


def test_test_failing_only_under_micropython_fails_the_run(tmp_path):
    root = _tree(tmp_path, {"host_tests/portable/test_only_mp.py": """
        import sys

        def test_passes_everywhere():
            assert 1 + 1 == 2

        def test_fails_on_micropython():
            assert sys.implementation.name != "micropython"
        """})
    rc, out = _run(RUN, "--root", root)
    assert rc == 1
    assert "PASS test_only_mp::test_passes_everywhere" in out
    assert "FAIL test_only_mp::test_fails_on_micropython" in out
    assert out.rstrip().splitlines()[-1] == "1 passed, 1 failed"


def test_interpreter_crash_fails_the_run(tmp_path):
    root = _tree(tmp_path, {"host_tests/portable/test_crash.py": """
        import sys

        def test_dies():
            sys.exit(3)
        """})
    rc, out = _run(RUN, "--root", root)
    assert rc == 1
    assert "CRASH test_crash" in out
    assert out.rstrip().splitlines()[-1] == "0 passed, 1 failed"


def test_heap_cap_is_real(tmp_path):
    root = _tree(tmp_path, {"host_tests/portable/test_big.py": """
        def test_allocates_200k():
            x = bytearray(200 * 1024)
            assert len(x) == 200 * 1024
        """})
    rc, out = _run(RUN, "--root", root, "--heap", "64k")
    assert rc == 1 and "MemoryError" in out
    rc, out = _run(RUN, "--root", root, "--heap", "512k")
    assert rc == 0, out


def test_layer_violation_fails_naming_file_line_and_import(tmp_path):
    root = _tree(tmp_path, {"firmware/dlms/bad.py": """
        from compat import const
        from meter.meter import Meter
        """})
    rc, out = _run(CHECK, "compile", "--root", root)
    assert rc == 1
    assert "firmware/dlms/bad.py:3: dlms may not import meter (imports meter.meter;" in out


def test_lazy_import_across_layers_fails_too(tmp_path):
    root = _tree(tmp_path, {"firmware/meter/bad.py": """
        def f():
            from binding import prepayment
            return prepayment
        """})
    rc, out = _run(CHECK, "compile", "--root", root)
    assert rc == 1
    assert "firmware/meter/bad.py:3: meter may not import binding (imports binding;" in out


def test_part_missing_from_the_layer_table_fails(tmp_path):
    root = _tree(tmp_path, {"firmware/gadget.py": "X = 1\n"})
    rc, out = _run(CHECK, "compile", "--root", root)
    assert rc == 1
    assert "firmware/gadget.py:1: gadget is not in the layer table" in out


def test_only_hal_and_main_import_machine(tmp_path):
    root = _tree(tmp_path, {"firmware/binding/hw.py": "import machine\n",
                            "firmware/hal/pin.py": "import machine\n"})
    rc, out = _run(CHECK, "compile", "--root", root)
    assert rc == 1
    assert "firmware/binding/hw.py:1: binding imports machine" in out
    assert "firmware/hal/pin.py" not in out


def test_touching_another_objects_private_member_fails(tmp_path):
    root = _tree(tmp_path, {"firmware/meter/bad.py": """
        def undo(m):
            m._evq = []


        class Log:
            def __init__(self):
                self._seq = 0

            def copy(self):
                c = Log()
                c._seq = self._seq  # its own class's member: allowed
                return c
        """})
    rc, out = _run(CHECK, "compile", "--root", root)
    assert rc == 1
    assert "firmware/meter/bad.py:3: touches another object's private member m._evq" in out
    assert "bad.py:12" not in out
