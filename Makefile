# kseg — see README.md. `make test` is what CI runs (.ci/run).
GO       ?= go
FUZZTIME ?= 60s
BENCH    ?= .

.PHONY: build test deps unit fuzz-smoke fuzz bench golden generate vet clean

build:
	$(GO) build -o bin/kseg .

# Unit, golden, corpus, interop and real-client tests, then every fuzz target
# briefly. Installs kcat/python3-kafka/python3-confluent-kafka/strace first when missing.
test: deps vet unit fuzz-smoke

deps:
	@scripts/deps.sh

vet:
	$(GO) vet ./...

unit:
	$(GO) test -count=1 -timeout 15m ./...

fuzz-smoke:
	@scripts/fuzz.sh 3000x

# Longer fuzzing: make fuzz FUZZTIME=5m
fuzz:
	scripts/fuzz.sh $(FUZZTIME)

# Benchmarks (generated segments are cached under $$TMPDIR/kseg-bench).
bench:
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -timeout 60m ./...

# Regenerate the sample log dir and the golden files; review the diff.
golden: generate
	$(GO) test ./... -run 'Golden|README' -update

generate:
	$(GO) generate .

clean:
	rm -rf bin
