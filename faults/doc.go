// Package faults holds the fault-tolerance tests (TestFault*): the real
// emar binary as a child process, a private PostgreSQL cluster per test,
// nurses documenting doses over loopback with idempotency keys, and then
// something breaks — the service is killed with SIGKILL, PostgreSQL is
// stopped hard or frozen, the network drops and delays, many writers share
// the embedded SQLite file. Every test then checks that every acknowledged
// administration is in the database exactly once and that the audit chain
// verifies with `emar audit verify`.
//
//	make faults                       # the short suite (about two minutes)
//	EMAR_FAULTS_LONG=1 make faults    # longer outages, more kills, more load
//
// Each PostgreSQL test starts its own cluster (the binaries from
// EMAR_TEST_PG_BIN or /usr/lib/postgresql/*/bin) so that stopping or
// freezing it never disturbs tests of other packages running beside it on
// the shared server of make test.
//
// TestHA* run only under scripts/with-patroni.sh (make faults-ha): two
// emar serve replicas on a three-node Patroni cluster, whose primary and
// one replica are killed mid-burst (docs/deployment.md). Without the
// cluster they skip, so make test and make faults leave them out.
package faults
