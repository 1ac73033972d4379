# Runs inside the `micropython` executable: imports one portable test module
# and calls each of its test_* functions. One line per test, then a RESULT
# line that tools/ci/run_portable.py reads. Exit status 1 if any test failed.
#
# Usage (from the repository root):
#   MICROPYPATH=firmware:host_tests/portable micropython -X heapsize=128k \
#       tools/ci/mp_runner.py test_sts_crc [TEST_NAME_TO_SKIP ...]
# Tests named after the module are not run; they print SKIP (a port that
# lacks what they need, declared in the module's header: run_portable.py).
import gc
import sys


def run(module_name, skip=()):
    mod = __import__(module_name)
    names = sorted(n for n in dir(mod) if n.startswith("test_"))
    passed = failed = 0
    for name in names:
        fn = getattr(mod, name)
        if not callable(fn):
            continue
        if name in skip:
            print("SKIP %s::%s" % (module_name, name))
            continue
        gc.collect()
        try:
            fn()
        except Exception as exc:
            failed += 1
            print("FAIL %s::%s" % (module_name, name))
            sys.print_exception(exc)
        else:
            passed += 1
            print("PASS %s::%s" % (module_name, name))
    print("RESULT %s %d %d" % (module_name, passed, failed))
    return failed


if __name__ == "__main__":
    sys.exit(1 if run(sys.argv[1], sys.argv[2:]) else 0)
