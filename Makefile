# stsmeter: `make sim` runs the meter, `make test` runs every test.
# The first run creates .venv and installs requirements.txt from PyPI.

PYTHON_BOOT ?= python3
VENV        := .venv
PY          := $(VENV)/bin/python
STAMP       := $(VENV)/.installed-$(shell cksum < requirements.txt | cut -d' ' -f1)
MP_HEAP     ?= 128k
# The 32-bit leg: MicroPython for WebAssembly from npm (pinned in
# tools/ci/mp32/package-lock.json), installed into tools/ci/mp32/node_modules
MP32        := tools/ci/mp32
MP32_STAMP  := $(MP32)/node_modules/.installed-$(shell cksum < $(MP32)/package-lock.json | cut -d' ' -f1)
PYTEST_ARGS ?=
BOARD       ?= rpi_pico
PORT        ?=
export MP_HEAP

.PHONY: all venv mp32 chromium test check-compile check-import test-mp test-py bench sim flash wipe freeze firmware selfcheck clean

all: test

$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON_BOOT) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@rm -f $(VENV)/.installed-* && touch $@

venv: $(STAMP)

$(MP32_STAMP): $(MP32)/package-lock.json $(MP32)/package.json
	cd $(MP32) && npm ci --no-audit --no-fund --loglevel=error
	@rm -f $(MP32)/node_modules/.installed-* && touch $@

mp32: $(MP32_STAMP)

## make chromium: Debian's chromium for the report screenshot test alone
## (host_tests/test_cts_report_view.py), installed when missing and possible (root
## with apt-get); otherwise that test is skipped and says so. Nothing else uses it.
chromium:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  echo "installing Debian's chromium for the report screenshot test" && \
	  { DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium \
	      >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive \
	      apt-get install -y -q --no-install-recommends chromium >/dev/null 2>&1; }; }; } || \
	  echo "chromium not installed: the report screenshot test will be skipped"

## make test: compile check, MicroPython import check, portable tests under
## micropython with a heap cap and again on the 32-bit WebAssembly port, then
## pytest over all of host_tests/ on CPython (the heap budget test included).
test: $(STAMP) $(MP32_STAMP) chromium
	$(PY) tools/ci/check_firmware.py compile
	$(PY) tools/ci/check_firmware.py import --heap $(MP_HEAP)
	$(PY) tools/ci/run_portable.py --heap $(MP_HEAP)
	$(PY) tools/ci/run_portable.py --port wasm32
	$(PY) -m pytest -q -n 2 --dist loadgroup host_tests $(PYTEST_ARGS)

check-compile: $(STAMP)
	$(PY) tools/ci/check_firmware.py compile

check-import: $(STAMP)
	$(PY) tools/ci/check_firmware.py import --heap $(MP_HEAP)

test-mp: $(STAMP) $(MP32_STAMP)
	$(PY) tools/ci/run_portable.py --heap $(MP_HEAP)
	$(PY) tools/ci/run_portable.py --port wasm32

test-py: $(STAMP) $(MP32_STAMP) chromium
	$(PY) -m pytest -q -n 2 --dist loadgroup host_tests $(PYTEST_ARGS)

## make bench: speed and memory figures for docs/benchmarks.md
bench: $(STAMP) $(MP32_STAMP)
	$(PY) tools/bench.py

## make sim [MP=1] [SIM_ARGS="--speed 60 --load 2000 ..."]: the virtual meter (the same
## firmware on the `host` board); MP=1 runs it on the micropython executable with
## heap SIM_HEAP (the whole firmware needs more than the 128k test heap, docs/sim.md)
SIM_HEAP    ?= 384k
sim: $(STAMP)
	@while :; do SIM_HEAP=$(SIM_HEAP) $(PY) tools/sim.py $(if $(MP),--mp) $(SIM_ARGS); rc=$$?; \
	  [ $$rc -eq 3 ] || exit $$rc; echo "(restarting into the activated firmware, docs/update.md)"; done

## make flash BOARD=rpi_pico PORT=/dev/ttyACM0 [DRY_RUN=1] [FROZEN=1]
flash: $(STAMP)
	$(PY) tools/deploy.py flash --board $(BOARD) --port "$(PORT)" $(if $(DRY_RUN),--dry-run) $(if $(FROZEN),--frozen)

## make selfcheck PORT=/dev/ttyACM0: heap per stage, vector tokens and a ciphered GET
## timed on a flashed board (in RAM, its meter data untouched); exit 1 over the heap budget
selfcheck: $(STAMP)
	$(PY) tools/selfcheck.py --port "$(PORT)"

## make wipe BOARD=... PORT=...: factory reset of a development board (deletes its meter data)
wipe: $(STAMP)
	$(PY) tools/deploy.py wipe --board $(BOARD) --port "$(PORT)" $(if $(DRY_RUN),--dry-run)

## make freeze BOARD=...: build/BOARD/frozen/ (the firmware as a custom MicroPython image
## freezes it: the const names inlined) and build/BOARD/manifest.py freezing it
freeze: $(STAMP)
	$(PY) tools/deploy.py freeze --board $(BOARD)

## make firmware BOARD=rpi_pico MICROPY_DIR=~/micropython [DRY_RUN=1]: an image with
## the firmware frozen in (needs the port's toolchain; the image lands in build/BOARD/)
MICROPY_DIR ?=
firmware: $(STAMP)
	$(PY) tools/deploy.py firmware --board $(BOARD) --micropy-dir "$(MICROPY_DIR)" $(if $(DRY_RUN),--dry-run)

clean:
	rm -rf build .pytest_cache .hypothesis
	find . -name __pycache__ -prune -exec rm -rf {} +
