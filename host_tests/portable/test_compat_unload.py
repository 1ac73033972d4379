# Portable: compat.unload and compat.not_loaded, the heap's "unload the code
# of a job when it ends" (docs/architecture.md). MicroPython forgets the
# module (and the package's attribute) and loads it again on the next import;
# CPython keeps it.
import sys

import compat

_NAME = "sts.names"  # a firmware module nothing else here loads


def test_not_loaded_names_only_what_is_not_loaded():
    assert compat.not_loaded(("compat", "no.such.module")) == ["no.such.module"]


def test_unload_forgets_the_module_and_the_next_import_loads_it_again():
    from sts import names
    first = names
    assert _NAME in sys.modules and compat.not_loaded((_NAME,)) == []
    compat.unload(_NAME, "no.such.module")  # a name that is not loaded is ignored
    import sts
    from sts import names as again
    assert again.name(2, 1) == "ClearCredit"
    if sys.implementation.name == "micropython":
        assert again is not first  # loaded anew
        compat.unload(_NAME)
        assert _NAME not in sys.modules and not hasattr(sts, "names")
    else:
        assert again is first  # CPython keeps its modules


def test_frozen_tells_a_module_frozen_into_the_image_by_its_file_name():
    # MicroPython names a frozen module's __file__ by its path in the image
    assert compat.frozen("dlms.acse", "dlms/acse.py")
    assert compat.frozen("dlms", "dlms/__init__.py")
    assert compat.frozen("app", "app.py")
    # loaded from a folder on sys.path, as .mpy or as source: in RAM
    assert not compat.frozen("dlms.acse", "/lib/dlms/acse.mpy")
    assert not compat.frozen("dlms.acse", "lib/dlms/acse.mpy")
    assert not compat.frozen("app", "app.mpy")
    assert not compat.frozen("dlms.acse", "firmware/dlms/acse.py")
    assert not compat.frozen("dlms.acse", "/flash/dlms/acse.py")
    assert not compat.frozen("dlms", "firmware/dlms/__init__.py")
    assert not compat.frozen("dlms.acse", "/")


def test_unload_keeps_a_frozen_module():
    if sys.implementation.name != "micropython":
        return  # CPython unloads nothing (test above)
    # the unix and WebAssembly ports have asyncio frozen into the executable
    import asyncio.core
    core = asyncio.core
    assert compat.frozen("asyncio.core", core.__file__)
    compat.unload("asyncio.core")
    assert sys.modules["asyncio.core"] is core


def test_start_drops_the_builder_code_once_the_meter_is_built():
    import start
    start.drop_builder()
    gone = not hasattr(start, "build") and not hasattr(start, "start_meter")
    assert gone == (sys.implementation.name == "micropython") and hasattr(start, "run")
    compat.unload("start")  # a later import loads it whole again
