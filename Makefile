# The two commands a newcomer needs:
#   make run    the service with demo data on the embedded SQLite database
#   make test   every test, on SQLite and on a throwaway PostgreSQL

GO      ?= go
DB      ?= sqlite:emar.db
ADDR    ?= localhost:8080
FUZZTIME ?= 10s

.PHONY: run build test test-short lint fuzz bench faults clean tools

run:
	$(GO) run ./cmd/emar serve --demo --db '$(DB)' --addr '$(ADDR)'

build:
	$(GO) build -o bin/emar ./cmd/emar

test:
	scripts/test.sh

# Unit tests on SQLite only: quick feedback while editing.
test-short:
	$(GO) test -short ./...

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GO) vet ./...

fuzz:
	FUZZTIME=$(FUZZTIME) scripts/fuzz.sh

bench:
	scripts/bench.sh

faults:
	scripts/with-postgres.sh $(GO) test -count=1 -run 'TestFault' ./faults/...

clean:
	rm -rf bin emar.db emar.db-wal emar.db-shm bench/results
