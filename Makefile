# raft-tla-harness: every target installs what it needs by itself.
#   make check   generate N traces from fast-check schedules and validate each with TLC (the main job)
#   make test    the unit, tlc and system tiers of the vitest suite, after make lint (installs Debian's chromium: see make browser)
#   make test-long  the long tier; make test-all both
#   make lint    the formatter's check (prettier), the linter (eslint) and the type checker; make format rewrites
#   make browser install Debian's chromium (apt-get install -y chromium) unless CHROMIUM is already there
#   make traces  write N traces (default 100) into traces/
#   make bench   print simulator and trace-writing throughput
#   make spec    model-check spec/Raft.tla exhaustively on the models of make spec, with coverage (about 7 min)
#   make spec-long  the exhaustive replication model (3 terms, 3-entry logs), with coverage (about 23 min)
#   make spec-deep  TLC's random simulation of deeper models (3 and 5 servers), with coverage
#   make spec-audit  put each known Raft bug into a copy of the spec; every one must be killed by a model
#   make setup-tlc  obtain TLC (tla2tools.jar) into .tlc/ and print its version
#   make audit   inject each known Raft bug and report whether the harness catches it (audit.json, .md, .html)
#   make itf TRACE=FILE  export a trace as an ITF trace (Apalache/Quint) into traces/itf/, or ITF=OUT
#                (MODE=cluster: a few of them in real server processes under the nemesis)
#   make fuzz-checkers  perturb N traces (default 1000) at single points; TLC and the in-process checker must agree on each
#   make soak    the simulator's oracles (invariants, unlogged steps, progress) over SCHEDULES schedules, no TLC
#   make cluster-up    start SERVERS (default 3) real server processes in the background, run folder CLUSTER_DIR
#   make cluster-status / make cluster-down   show or stop them
#   make cluster-check  the nemesis: SECONDS (30) of faults and client load on a real cluster of SERVERS,
#                judged by TLC on the merged traces, linearizability and the servers' own checks

N ?= 100
TRACES_DIR ?= traces/generated
NPX := npx --no-install
# The tools run in node itself with tsx's loader, one process: Ctrl-C reaches
# the tool directly. (The tsx command in between relays a signal and SIGKILLs
# a child that has not acknowledged it within 30 ms, which a tool busy with a
# campaign cannot do: it then died before removing its scratch folders.)
TSX := node --import tsx

.PHONY: all check test test-long test-all lint lint-format lint-code lint-types format browser itf traces validate bench typecheck clean spec spec-long spec-deep spec-audit setup-tlc audit soak cluster-up cluster-status cluster-down cluster-check fuzz-checkers

all: check

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# --replace removes the folder's old traces, only once the options are known good.
# The folder is locked while a run writes or reads it (TRACES_DIR.lock): a second
# run refuses, naming the first, instead of deleting its traces.
traces: node_modules/.installed
	$(TSX) tools/generate-traces.ts --count $(N) --out '$(TRACES_DIR)' --guards $(GUARDS) $(SNAPSHOT_FLAG) --replace

# Check TRACES='a.ndjson b/*.ndjson' if given, else N freshly generated traces.
# The JSON report goes to REPORT (default traces/reports/check-report.json), the
# HTML page beside it (check-report.html). KEEP=DIR keeps the TLA+ modules of each
# rejected trace's failing chunk, with the command that re-runs TLC on them.
# CHECK_FLAGS='--timeout 900 --parallel 1 --chunk 250 --batch 15000 --window 4000' passes options on.
REPORT ?= traces/reports/check-report.json
# The generated traces' servers: PreVote and CheckQuorum on in every other (even) seed's run.
GUARDS ?= alternate
KEEP_FLAG = $(if $(KEEP),--keep '$(KEEP)')
# SNAPSHOT_EVERY=N: the generated runs' servers take a snapshot every N applied entries (trace format 5).
SNAPSHOT_FLAG = $(if $(SNAPSHOT_EVERY),--snapshot-every $(SNAPSHOT_EVERY))
ifeq ($(origin TRACES),undefined)
# One shell line: its PID ($$$$) owns the folder's lock from the generation to the end of the check.
check: node_modules/.installed
	$(TSX) tools/generate-traces.ts --count $(N) --out '$(TRACES_DIR)' --guards $(GUARDS) $(SNAPSHOT_FLAG) --replace --lock-owner $$$$ && \
	  $(TSX) tools/check-traces.ts --lock '$(TRACES_DIR)' --lock-owner $$$$ --report '$(REPORT)' $(KEEP_FLAG) $(CHECK_FLAGS) '$(TRACES_DIR)'/*.ndjson
else
check: node_modules/.installed
	@if [ -z "$(strip $(TRACES))" ]; then echo "make check: TRACES is empty: name trace files, or leave TRACES unset to generate N traces" >&2; exit 2; fi
	$(TSX) tools/check-traces.ts --report '$(REPORT)' $(KEEP_FLAG) $(CHECK_FLAGS) $(TRACES)
endif

# The style first, in seconds: the formatter's verdict (make format rewrites),
# the linter's, and the type checker's.
FORMATTED := 'src/**/*.{ts,js}' 'tools/**/*.ts' 'test/**/*.ts' '*.{ts,js}'
# The three run side by side (each takes about 10 s on 2 cores).
lint: node_modules/.installed
	@$(MAKE) --no-print-directory -j3 lint-format lint-code lint-types

lint-format:
	$(NPX) prettier --check --log-level warn $(FORMATTED)

lint-code:
	$(NPX) eslint --max-warnings 0 .

lint-types:
	$(NPX) tsc --noEmit -p .

format: node_modules/.installed
	$(NPX) prettier --write --log-level warn $(FORMATTED)

# The tiers (vitest.config.ts, README "Tests in tiers"): make test runs unit,
# tlc and system, make test-long the long tier, make test-all both.
test: lint browser
	CHROMIUM=$(CHROMIUM) $(NPX) vitest run --project unit --project tlc --project system

test-long: node_modules/.installed browser
	CHROMIUM=$(CHROMIUM) $(NPX) vitest run --project long

test-all: test test-long

# The report tests drive Debian's chromium headless (playwright-core downloads
# no browser). Installed from Debian's packages when missing; without root or
# apt-get this fails with one line naming the package.
CHROMIUM ?= /usr/bin/chromium
browser:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  echo "installing Debian's chromium for the browser tests: apt-get install -y chromium"; \
	  { apt-get install -y -qq chromium >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq chromium >/dev/null 2>&1; }; } && [ -x "$(CHROMIUM)" ] \
	    || { echo "make browser: the browser tests need Debian's package chromium: run apt-get install -y chromium as root, or set CHROMIUM=/path/to/chromium" >&2; exit 1; }; \
	fi

# make itf TRACE=traces/fixtures/unsafe-figure-8.ndjson [ITF=out.itf.json]
itf: node_modules/.installed
	@if [ -z "$(TRACE)" ]; then echo "make itf: name the trace: make itf TRACE=FILE [ITF=OUT]" >&2; exit 2; fi
	$(TSX) tools/export-itf.ts $(TRACE) $(if $(ITF),--out $(ITF))

setup-tlc: node_modules/.installed
	$(TSX) tools/setup-tlc.ts

spec: node_modules/.installed
	$(TSX) tools/model-check.ts --use spec --timeout 1200

spec-long: node_modules/.installed
	$(TSX) tools/model-check.ts --use long --timeout 3600

spec-deep: node_modules/.installed
	$(TSX) tools/model-check.ts --use deep

# SPEC_AUDIT_FLAGS='--mutants 1,5 --seconds 120' to narrow it.
spec-audit: node_modules/.installed
	$(TSX) tools/spec-audit.ts $(SPEC_AUDIT_FLAGS)

# AUDIT_FLAGS='--mutants 1,5 --schedules 500 --seconds 60' to narrow or widen it.
# MODE=cluster runs mutated server processes under the nemesis instead
# (AUDIT_FLAGS='--mutants 2,7,14 --runs 3 --seconds 10').
audit: node_modules/.installed
	$(TSX) $(if $(filter cluster,$(MODE)),tools/cluster-audit.ts,tools/audit.ts) $(AUDIT_FLAGS)

# N perturbed traces (default 1000, about 4 min); FUZZ_FLAGS='--seed 7 --bases 40 --chunk 100'.
fuzz-checkers: node_modules/.installed
	$(TSX) tools/fuzz-checkers.ts --count $(if $(filter command line,$(origin N)),$(N),1000) $(FUZZ_FLAGS)

SCHEDULES ?= 10000
soak: node_modules/.installed
	$(TSX) tools/soak.ts --schedules $(SCHEDULES)

# A real cluster on 127.0.0.1: Raft ports BASE_PORT+1.., client ports BASE_PORT+101..
SERVERS ?= 3
CLUSTER_DIR ?= traces/cluster
BASE_PORT ?= 7100
LIFETIME ?= 3600
cluster-up: node_modules/.installed
	$(TSX) tools/cluster.ts up --servers $(SERVERS) --dir '$(CLUSTER_DIR)' --base-port $(BASE_PORT) --lifetime $(LIFETIME) $(CLUSTER_FLAGS)

cluster-status: node_modules/.installed
	$(TSX) tools/cluster.ts status --dir '$(CLUSTER_DIR)'

cluster-down: node_modules/.installed
	$(TSX) tools/cluster.ts down --dir '$(CLUSTER_DIR)'

bench: node_modules/.installed
	npm run --silent bench

typecheck: node_modules/.installed
	$(NPX) tsc --noEmit -p .

clean:
	rm -rf test-artifacts traces/itf traces/generated traces/test traces/failures traces/replay traces/audit traces/spec-audit traces/reports traces/soak traces/cluster-check traces/cluster-audit traces/fuzz-checkers

# The nemesis: a real cluster under seeded faults and client load for SECONDS,
# judged by every oracle; the run folder is CHECK_DIR. SEED picks the fault
# schedule (the same SEED attacks a rerun the same way).
SECONDS ?= 30
SEED ?= 1
CHECK_DIR ?= traces/cluster-check
cluster-check: node_modules/.installed
	$(TSX) tools/cluster-check.ts --seconds $(SECONDS) --servers $(SERVERS) --seed $(SEED) --out '$(CHECK_DIR)' $(CLUSTER_CHECK_FLAGS)
