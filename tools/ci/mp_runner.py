# Runs inside the `micropython` executable: imports one portable test module
# and calls each of its test_* functions. One line per test, then a RESULT
# line that tools/ci/run_portable.py reads. Exit status 1 if any test failed.
#
# Usage (from the repository root):
#   MICROPYPATH=firmware:host_tests/portable micropython -X heapsize=128k \
#       tools/ci/mp_runner.py test_sts_crc
import gc
import sys


def run(module_name):
    mod = __import__(module_name)
    names = sorted(n for n in dir(mod) if n.startswith("test_"))
    passed = failed = 0
    for name in names:
        fn = getattr(mod, name)
        if not callable(fn):
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
    sys.exit(1 if run(sys.argv[1]) else 0)
