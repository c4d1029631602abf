# cdrdash. Every target works on a machine with only Go installed; the
# browser and PostgreSQL tests skip loudly without Chromium / PostgreSQL
# (and fail instead when CDRDASH_TEST_STRICT=1, as on CI).

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/cdrdash/cdrdash/cli.Version=$(VERSION)
ADDR    ?= 127.0.0.1:8080

# The PostgreSQL suite uses this server when it answers and skips (loudly)
# when it does not; CI's CDRDASH_TEST_STRICT=1 turns that skip into a failure.
CDRDASH_TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable
export CDRDASH_TEST_DATABASE_URL

.PHONY: run build test test-race check generate vet fmt vulncheck bench fuzz screenshots docker clean

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

## test: every test (browser and PostgreSQL suites skip loudly when those are missing)
test:
	go test -count=1 -timeout 15m ./...

## test-race: the same under the race detector (needs a C compiler)
test-race:
	go test -race -count=1 -timeout 20m ./...

## generate: regenerate templ code
generate:
	go tool templ generate

## check: fail on stale generated code, vet findings, unformatted files or vulnerable dependencies
check: generate vet vulncheck
	@stale=$$(git status --porcelain -- '*_templ.go'); \
	if [ -n "$$stale" ]; then echo "generated templ code is stale; run 'make generate' and commit:"; echo "$$stale"; exit 1; fi
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' | grep -v '_templ.go$$')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi

vet:
	go vet ./...

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

## bench: the benchmarks
bench:
	go test -run '^$$' -bench . -benchmem -count 1 ./...

## screenshots: full-page screenshots of the sign-in, home, list, detail and reports pages at 1366x768 and
## 390x844 (and 1366x768 dark) into docs/screenshots/, taken by the browser tests (needs Chromium)
screenshots:
	CDRDASH_SCREENSHOTS=docs/screenshots CDRDASH_TEST_STRICT=1 go test -count=1 -run '^TestScreenshots$$' ./e2e/

docker:
	docker build -t cdrdash:$(VERSION) .

clean:
	rm -rf cdrdash data
