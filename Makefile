# cdrdash. Every target works on a machine with only Go installed; the
# browser and PostgreSQL tests skip loudly without Chromium / PostgreSQL
# (and fail instead when CDRDASH_TEST_STRICT=1, as on CI).

# The Go release to build, test and check with is go.mod's toolchain line
# (at least go1.26.10: older releases have standard-library vulnerabilities
# that cdrdash's code reaches, which `make vulncheck` reports). With
# GOTOOLCHAIN=auto an older installed Go fetches that release once through
# the module proxy and hands over to it; a newer one is used as is.
export GOTOOLCHAIN := auto

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/cdrdash/cdrdash/cli.Version=$(VERSION)
ADDR    ?= 127.0.0.1:8080

# The PostgreSQL suite uses this server when it answers and skips (loudly)
# when it does not; CI's CDRDASH_TEST_STRICT=1 turns that skip into a failure.
CDRDASH_TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable
export CDRDASH_TEST_DATABASE_URL

.PHONY: run build test test-race check generate vet staticcheck deadcode tidy fmt vulncheck bench bench-index fuzz fuzz-short screenshots docker clean toolchain

# govulncheck runs against a local copy of the Go vulnerability database,
# built from the golang.org/x/vulndb module (fetched through the Go module
# proxy like any module), because CI machines cannot reach vuln.go.dev.
# Bump VULNDB_VERSION to pick up newer advisories.
VULNDB_VERSION := v0.0.0-20261105234957-e22db6528018
VULNDB_DIR     := $(or $(TMPDIR),/tmp)/cdrdash-vulndb-$(VULNDB_VERSION)

## run: the dashboard on the built-in demo sandbox
run:
	go run -ldflags "$(LDFLAGS)" . serve -addr $(ADDR)

## build: a static binary at ./cdrdash
build:
	CGO_ENABLED=0 go build -trimpath -ldflags "$(LDFLAGS)" -o cdrdash .

# The test runs go through gotestsum (a tool dependency in go.mod): its
# output is go test's own, and it closes with a summary that names every
# skipped test with its reason, then "DONE n tests, m skipped". Without
# -v, plain go test prints only "ok" for a package whose PostgreSQL or
# browser tests skipped.
GOTESTSUM := go tool gotestsum --format standard-quiet --format-hide-empty-pkg --

## toolchain: the Go release make actually uses (after GOTOOLCHAIN picked it)
toolchain:
	@echo "go: $$(go env GOVERSION) (go.mod asks for $$(go mod edit -json | sed -n 's/^[[:space:]]*"Toolchain": "\(.*\)",*$$/\1/p'))"

## test: a short run of each fuzz target, then every test (browser and PostgreSQL suites skip loudly when those are
## missing), closing with the list of skipped tests and why
test: toolchain fuzz-short
	$(GOTESTSUM) -count=1 -timeout 15m ./...

# Fuzz targets as package:Target. Their seed corpora (f.Add calls and any
# testdata/fuzz/<Target>/ files, which include every crash ever found) also
# run as ordinary tests in `go test`.
FUZZ_TARGETS := \
	./vobiz:FuzzParseFilter ./vobiz:FuzzDecodeCDR ./vobiz:FuzzExportReader \
	./vobiz/sandbox:FuzzQuery \
	./csvreport:FuzzTransform ./diagnosis:FuzzParseInput ./diagnosis:FuzzExplain \
	./waveform:FuzzAnalyze
FUZZTIME       ?= 10m
# An iteration count, not a duration: a duration fuzz time can end in
# "context deadline exceeded" on a busy machine (a race in Go's fuzzer).
FUZZTIME_SHORT ?= 2000x

## fuzz: each fuzz target for FUZZTIME (default 10m) in turn; a crash is saved under testdata/fuzz/ and fails the run
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "fuzz: $${t#*:} in $${t%%:*} for $(FUZZTIME)"; \
		go test -run '^$$' -fuzz "^$${t#*:}\$$" -fuzztime $(FUZZTIME) "$${t%%:*}"; \
	done

## fuzz-short: each fuzz target for FUZZTIME_SHORT inputs (part of make test)
fuzz-short:
	@$(MAKE) --no-print-directory fuzz FUZZTIME=$(FUZZTIME_SHORT)

## test-race: every test under the race detector (needs a C compiler), with the same skip summary
test-race: toolchain
	$(GOTESTSUM) -race -count=1 -timeout 20m ./...

## generate: regenerate templ code
generate:
	go tool templ generate

# The screenshots test is built only with this tag (make screenshots); the
# static checks include it so it does not rot.
CHECK_TAGS := screenshots

## check: fail on stale generated code, vet or staticcheck findings, unreachable code, an untidy go.mod,
## unformatted files or vulnerable dependencies
check: toolchain generate vet staticcheck deadcode tidy vulncheck
	@stale=$$(git status --porcelain -- '*_templ.go'); \
	if [ -n "$$stale" ]; then echo "generated templ code is stale; run 'make generate' and commit:"; echo "$$stale"; exit 1; fi
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' | grep -v '_templ.go$$')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi

vet:
	go vet -tags $(CHECK_TAGS) ./...

## staticcheck: staticcheck's default checks (its version is pinned in go.mod)
staticcheck:
	go tool staticcheck -tags $(CHECK_TAGS) ./...

## deadcode: fail on functions that neither a command nor a test reaches. Exported
## functions only tests reach (test helpers, options tests inject) are allowed.
deadcode:
	@out=$$(go tool deadcode -test -tags $(CHECK_TAGS) ./...) || exit 1; \
	if [ -n "$$out" ]; then echo "unreachable code; delete it:"; echo "$$out"; exit 1; fi

## tidy: fail when go.mod or go.sum is not what go mod tidy would write
tidy:
	go mod tidy -diff

## vulncheck: known vulnerabilities reachable from cdrdash's code
vulncheck:
	@if [ ! -f "$(VULNDB_DIR)/index/db.json" ]; then \
		src=$$(go mod download -json golang.org/x/vulndb@$(VULNDB_VERSION) | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$$/\1/p'); \
		echo "building the vulnerability database from golang.org/x/vulndb@$(VULNDB_VERSION)"; \
		GOFLAGS=-mod=mod go run golang.org/x/vulndb/cmd/indexdb@$(VULNDB_VERSION) -vulns "$$src/data/osv" -out "$(VULNDB_DIR)"; \
	fi
	go tool govulncheck -db file://$(VULNDB_DIR) ./...

fmt:
	gofmt -w $$(git ls-files '*.go' | grep -v '_templ.go$$')

## bench: Go benchmarks plus load, export and sign-in storm scenarios: one Markdown table, then the raw output (docs/performance.md)
# Under 5 minutes on 2 cores: under 2 on a quiet machine, 4.5 on a busy one.
# Figures are medians of -count runs; packages run one at a time (-p 1) so
# they do not share the CPUs; BenchmarkExportRaw runs 4 downloads of each
# kind per run, their order alternating.
# BENCH_STRICT=1 makes a missed target fail the command.
BENCH_OUT   ?= bench/out
BENCH_FAST  := ^Benchmark(CallsPage100|CallsPage100WithDecode|CallDetail|DecodeSearch100|SearchFiltered)$$
BENCH_SLOW  := ^Benchmark(ReportsPage90DaysCold|ReportsPage90DaysWarm|ExportReport)$$
bench:
	@mkdir -p $(BENCH_OUT)
	@echo "bench: building the cdrdash binary for the scenarios" >&2
	@CGO_ENABLED=0 go build -trimpath -o $(BENCH_OUT)/cdrdash .
	@echo "bench: go test benchmarks (about 2 minutes) -> $(BENCH_OUT)/go-bench.txt" >&2
	@{ go test -p 1 -run '^$$' -bench '$(BENCH_FAST)' -benchmem -count 5 -benchtime 400ms \
		./handlers ./vobiz ./vobiz/sandbox; \
	  go test -p 1 -run '^$$' -bench '$(BENCH_SLOW)' -benchmem -count 3 -benchtime 1x ./handlers; \
	  go test -p 1 -run '^$$' -bench '^BenchmarkExportRaw$$' -benchmem -count 3 -benchtime 4x ./handlers; \
	  go test -p 1 -run '^$$' -bench '^BenchmarkAnalyze' -benchmem -count 3 -benchtime 1x ./waveform; \
	} > $(BENCH_OUT)/go-bench.txt 2>&1 || echo "bench: some benchmarks failed; see $(BENCH_OUT)/go-bench.txt" >&2
	@echo "bench: load, export and sign-in storm scenarios (about 2 minutes)" >&2
	@rm -f $(BENCH_OUT)/scenarios.json
	@go run ./bench/loadgen -bin $(BENCH_OUT)/cdrdash -out $(BENCH_OUT)/scenarios.json -logs $(BENCH_OUT) -report-days 10 \
		|| echo "bench: a scenario failed; see $(BENCH_OUT)/*.log" >&2
	@go run ./bench/report -go $(BENCH_OUT)/go-bench.txt -scenarios $(BENCH_OUT)/scenarios.json $(if $(BENCH_STRICT),-strict)
	@$(MAKE) --no-print-directory bench-index

## bench-index: the call index's benchmarks on SQLite and PostgreSQL: backfill of 100,000 calls from the sandbox's
## export, the list page, the reports' aggregates and the Costs page's month at 1,000,000 calls (built once into BENCH_INDEX_DIR /
## a kept schema; docs/performance.md), and a 12-month Reports window over 1,000,000 calls, cold and warm (its index is built on
## every run: several minutes)
# The first run builds the two million-call indexes (3-5 minutes each on a
# busy 2-CPU machine); later runs reuse them, about 3 minutes in all. Delete
# BENCH_INDEX_DIR and drop the schema cdrdash_bench_1000000 to rebuild, e.g.
# after a change to the index's schema. PostgreSQL is CDRDASH_TEST_DATABASE_URL's
# server; without one its benchmarks are skipped with a loud message.
BENCH_INDEX_DIR   ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/cdrdash/bench-index
BENCH_INDEX_COUNT ?= 2
bench-index:
	@mkdir -p $(BENCH_OUT) $(BENCH_INDEX_DIR)
	@echo "bench-index: call index benchmarks, $(BENCH_INDEX_COUNT) runs each -> $(BENCH_OUT)/index-bench.txt" >&2
	@{ go test -run '^$$' -bench '^BenchmarkBackfill(SQLite|Postgres)$$' -count $(BENCH_INDEX_COUNT) -benchtime 1x \
		./callindex; \
	  CDRDASH_BENCH_DIR=$(BENCH_INDEX_DIR) go test -timeout 60m -run '^$$' -bench '^BenchmarkQuery(SQLite|Postgres)$$' \
		-count $(BENCH_INDEX_COUNT) -benchtime 20x ./callindex; \
	  CDRDASH_BENCH_DIR=$(BENCH_INDEX_DIR) go test -timeout 60m -run '^$$' -bench '^BenchmarkAggregates(SQLite|Postgres)$$' \
		-count $(BENCH_INDEX_COUNT) -benchtime 10x ./callindex; \
	  go test -timeout 60m -run '^$$' -bench '^BenchmarkWindowReport12Months$$' -count 1 ./report; \
	  CDRDASH_BENCH_DIR=$(BENCH_INDEX_DIR) go test -timeout 60m -run '^$$' -bench '^BenchmarkCostsMonth(SQLite|Postgres)$$' \
		-count $(BENCH_INDEX_COUNT) -benchtime 3x ./report; \
	  CDRDASH_BENCH_DIR=$(BENCH_INDEX_DIR) go test -timeout 60m -run '^$$' -bench '^BenchmarkHasRecording(SQLite|Postgres)$$' \
		-count $(BENCH_INDEX_COUNT) -benchtime 10x ./callindex; \
	} 2>&1 | tee $(BENCH_OUT)/index-bench.txt | grep --line-buffered -E '^(Benchmark|!!!|---|FAIL|ok|sqlite|postgres|SQLite|PostgreSQL)'

## screenshots: full-page screenshots of the sign-in, home, list, detail and reports pages at 1366x768 and
## 390x844 (and 1366x768 dark) into docs/screenshots/, and one of every chart at 390x844 and 1280x800 into
## docs/screenshots/charts/ (checked for overlapping labels), taken by the browser tests (needs Chromium)
screenshots:
	CDRDASH_SCREENSHOTS=docs/screenshots CDRDASH_TEST_STRICT=1 go test -tags screenshots -count=1 -run '^(TestScreenshots|TestChartLabels)$$' ./e2e/

## docker: the container image, tagged cdrdash:latest (what the README runs) and cdrdash:VERSION, with VERSION
## stamped into the binary (cdrdash version)
docker:
	docker build --build-arg VERSION=$(VERSION) -t cdrdash:$(VERSION) -t cdrdash:latest .

clean:
	rm -rf cdrdash data
