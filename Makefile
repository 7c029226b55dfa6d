# One Halton KPI dashboard. `make run` and `make test` are the two commands that matter; each
# installs what it needs into .venv first, so both work on a fresh machine with Python 3.11.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DATA := data/demo
PORT ?= 8501
WORKERS ?= 2
REMOTE_WORKERS ?=
ADDRESS ?= 0.0.0.0
# Root installs system packages itself (as CI does); anyone else through sudo.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install run serve worker haproxy chromium poppler lint format test test-fast bench bench-pack docs data screenshots pack clean import

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# Demo data is generated, not committed: deterministic, so the same command gives the same bytes.
$(DATA)/manifest.json: $(VENV)/.installed onehalton/demo_data.py onehalton/contract.py data/reference/*.csv
	$(BIN)/python -m onehalton.demo_data --out $(DATA)

data: $(DATA)/manifest.json

# Real extracts: `make import KIND=appointments FILES="downloads/*.csv"` (INTO defaults to data/real; ARGS passes
# options such as --org 01F). Writes the reference tables first if the folder lacks them; a failed import changes
# nothing. Serve the result with `ONE_HALTON_DATA_DIR=data/real make run`.
INTO ?= data/real
import: install
	@test -n "$(KIND)" || { echo 'usage: make import KIND=appointments|cancer-fds|ld-health-checks|fingertips|budget FILES="..." [INTO=data/real] [ARGS=...]'; exit 2; }
	$(BIN)/python -m onehalton.importers reference --into $(INTO)
	$(BIN)/python -m onehalton.importers $(KIND) $(FILES) --into $(INTO) $(ARGS)

run: install data
	$(BIN)/streamlit run dashboard.py --server.port $(PORT) --server.headless true --browser.gatherUsageStats false

# N dashboard processes behind HAProxy on one port (deploy/haproxy.cfg): sticky sessions, WebSocket upgrade, a
# dead worker's browsers reconnect to another. REMOTE_WORKERS=host:port,... adds workers on other machines.
serve: install data haproxy
	$(BIN)/python -m scripts.serve --workers $(WORKERS) --port $(PORT) $(if $(REMOTE_WORKERS),--remote $(REMOTE_WORKERS))

# One worker for a balancer on another machine: `make worker PORT=8601` there, REMOTE_WORKERS=this-host:8601 on it.
worker: install data
	$(BIN)/python -m scripts.serve worker --port $(PORT) --address $(ADDRESS)

# $(call apt_if_missing,CHECK,PACKAGE,WHAT NEEDS IT): install a Debian package where the shell test CHECK fails, and
# say so; a failed install is named, not fatal (the tests that need the package then fail saying how to install it).
apt_if_missing = @$(1) || { \
	  echo "make: installing $(2) (apt-get install $(2)) for $(3)"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(2) >/dev/null \
	  || echo "make: could not install $(2): $(3) need it (apt-get install $(2))"; }

# HAProxy from Debian's package, for `make serve` and its test; installed only where it is missing.
haproxy:
	$(call apt_if_missing,command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ],haproxy,make serve and tests/test_serve.py)

# The browser tests' Chromium: Debian's chromium-headless-shell (scripts/browser.py says why that build), installed
# only where it is missing; the tests fall back to the chromium package, and fail saying how to install either.
chromium:
	$(call apt_if_missing,command -v chromium-headless-shell >/dev/null 2>&1 || [ "$$ONE_HALTON_SKIP_BROWSER" = 1 ],chromium-headless-shell,the browser tests)

# Poppler (pdftotext, pdfinfo, pdftoppm) for the board pack's tests, which read the PDF back; installed only where
# it is missing, as the browser's and the balancer's packages are, so `make test` needs nothing installed by hand.
poppler:
	$(call apt_if_missing,command -v pdftotext >/dev/null 2>&1,poppler-utils,the board pack's tests)

# Ruff (ruff.toml): lint and format check, the first step of `make test`; `make format` rewrites in place.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Browser tests need Chromium (`make chromium`); set ONE_HALTON_SKIP_BROWSER=1 to opt out explicitly.
# Three workers on two cores: the browser tests wait on Chromium about half the time, and a third worker fills it
# (4:07 against 4:25 for -n 2 on one machine, 7:29 against 7:57 on a slower one). Whole modules go to the workers
# longest first, the browser modules (tests/conftest.py orders them): 4:30-4:37 against 4:44-5:00 in xdist's order.
test: install haproxy chromium poppler lint
	$(BIN)/python -m pytest -n 3 --dist loadfile --no-loadscope-reorder -q

test-fast: install
	ONE_HALTON_SKIP_BROWSER=1 $(BIN)/python -m pytest -n 3 --dist loadfile --no-loadscope-reorder -q -m "not browser"

bench: install haproxy
	$(BIN)/python -m scripts.bench $(BENCH_ARGS)

# A PNG of every page at 1440x900 and 1280x720 (and a ward view), and every presentation-mode screen at 1280x720,
# in screenshots/: look at them.
screenshots: install data
	$(BIN)/python -m scripts.screenshots --out screenshots
# One part of the benchmark alone: the board pack for a ward view at 1x (merged into the last full run's report).
bench-pack: install
	$(BIN)/python -m scripts.bench pack

# The board pack as PDF, for a scheduled run. The view's filters as the dashboard link's: e.g.
# `make pack PACK_ARGS="--ward E05013186 --from 2024-04 --fy 2024/25 --month 6" PACK=out/pack.pdf`.
PACK ?= pack.pdf
PACK_ARGS ?=
pack: install data
	$(BIN)/python -m onehalton.board_pack --out $(PACK) $(PACK_ARGS)

docs: install
	$(BIN)/python -m scripts.render_contract

clean:
