# stsmeter: `make sim` runs the meter, `make test` runs every test.
# The first run creates .venv and installs requirements.txt from PyPI.

PYTHON_BOOT ?= python3
VENV        := .venv
PY          := $(VENV)/bin/python
STAMP       := $(VENV)/.installed-$(shell cksum < requirements.txt | cut -d' ' -f1)
MP_HEAP     ?= 128k
PYTEST_ARGS ?=
BOARD       ?= rpi_pico
PORT        ?=
export MP_HEAP

.PHONY: all venv test check-compile check-import test-mp test-py bench sim flash wipe freeze clean

all: test

$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON_BOOT) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@rm -f $(VENV)/.installed-* && touch $@

venv: $(STAMP)

## make test: compile check, MicroPython import check, portable tests under
## micropython with a heap cap, then pytest over all of host_tests/ on CPython.
test: $(STAMP)
	$(PY) tools/ci/check_firmware.py compile
	$(PY) tools/ci/check_firmware.py import --heap $(MP_HEAP)
	$(PY) tools/ci/run_portable.py --heap $(MP_HEAP)
	$(PY) -m pytest -q -n 2 host_tests $(PYTEST_ARGS)

check-compile: $(STAMP)
	$(PY) tools/ci/check_firmware.py compile

check-import: $(STAMP)
	$(PY) tools/ci/check_firmware.py import --heap $(MP_HEAP)

test-mp: $(STAMP)
	$(PY) tools/ci/run_portable.py --heap $(MP_HEAP)

test-py: $(STAMP)
	$(PY) -m pytest -q -n 2 host_tests $(PYTEST_ARGS)

## make bench: speed and memory figures for docs/benchmarks.md
bench: $(STAMP)
	$(PY) tools/bench.py

## make sim [MP=1] [SIM_ARGS="--speed 60 --load 2000 ..."]: the virtual meter (the same
## firmware on the `host` board); MP=1 runs it on the micropython executable with
## heap SIM_HEAP (the whole firmware needs more than the 128k test heap, docs/sim.md)
SIM_HEAP    ?= 384k
sim: $(STAMP)
	SIM_HEAP=$(SIM_HEAP) $(PY) tools/sim.py $(if $(MP),--mp) $(SIM_ARGS)

## make flash BOARD=rpi_pico PORT=/dev/ttyACM0 [DRY_RUN=1] [FROZEN=1]
flash: $(STAMP)
	$(PY) tools/deploy.py flash --board $(BOARD) --port "$(PORT)" $(if $(DRY_RUN),--dry-run) $(if $(FROZEN),--frozen)

## make wipe BOARD=... PORT=...: factory reset of a development board (deletes its meter data)
wipe: $(STAMP)
	$(PY) tools/deploy.py wipe --board $(BOARD) --port "$(PORT)" $(if $(DRY_RUN),--dry-run)

## make freeze BOARD=...: manifest.py for a custom MicroPython image
freeze: $(STAMP)
	$(PY) tools/deploy.py freeze --board $(BOARD)

clean:
	rm -rf build .pytest_cache .hypothesis
	find . -name __pycache__ -prune -exec rm -rf {} +
