# The two commands a newcomer needs:
#   make run    the service with demo data on the embedded SQLite database
#   make test   every test, on SQLite and on a throwaway PostgreSQL

GO      ?= go
DB      ?= sqlite:emar.db
ADDR    ?= localhost:8080
FUZZTIME ?= 10s

.PHONY: run build wasm test test-short lint fuzz bench faults faults-long faults-ha restore-drill clean tools

run: wasm
	$(GO) run ./cmd/emar serve --demo --db '$(DB)' --addr '$(ADDR)' --wasm-dir bin/wasm

build: wasm
	$(GO) build -o bin/emar ./cmd/emar

# The offline bedside's checks (the server's rules as WebAssembly) and Go's
# wasm_exec.js, in bin/wasm: built, never committed. Prints the size.
wasm:
	GO=$(GO) scripts/build-wasm.sh bin/wasm

test:
	scripts/test.sh

# Unit tests on SQLite only: quick feedback while editing.
test-short:
	$(GO) test -short ./...

# gofmt, go vet and staticcheck (its version pinned in go.mod's tool block).
lint:
	scripts/lint.sh

fuzz:
	FUZZTIME=$(FUZZTIME) scripts/fuzz.sh

# Every performance figure against a durable PostgreSQL, under 10 minutes;
# BENCH_ARGS passes flags to emar-bench (e.g. BENCH_ARGS="--steps sweep").
bench:
	scripts/bench.sh $(BENCH_ARGS)

# The fault suite: each test starts its own PostgreSQL cluster and the real
# emar binary, breaks something and checks nothing acknowledged was lost.
# make test runs the same tests in this short form.
faults:
	$(GO) test -count=1 -v -timeout 20m -run 'TestFault' ./faults/

faults-long:
	EMAR_FAULTS_LONG=1 $(GO) test -count=1 -v -timeout 60m -run 'TestFault' ./faults/

# Two emar serve replicas on a three-node Patroni cluster (installed with
# apt when missing): the primary and a replica are killed mid-burst; nothing
# acknowledged may be lost. A few minutes; not part of make test.
faults-ha:
	scripts/with-patroni.sh $(GO) test -count=1 -v -timeout 20m -run 'TestHA' ./faults/

# Backup, WAL archive and point-in-time recovery with the standard tools
# (docs/deployment.md): restores to a moment and checks what came back.
restore-drill:
	scripts/restore-drill.sh

clean:
	rm -rf bin emar.db emar.db-wal emar.db-shm bench/results
