package store_test

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store"
	"github.com/emar-project/emar/mar/store/storetest"
)

func hasPG(t *testing.T) bool { return slices.Contains(storetest.Engines(t), "postgres") }

var auditT0 = time.Date(2026, 3, 8, 14, 0, 0, 0, time.UTC)

func auditEvent(facility string, i int) *mar.AuditEvent {
	return &mar.AuditEvent{ID: mar.NewID(), FacilityID: facility, At: auditT0.Add(time.Duration(i) * time.Second), UserID: "u-" + facility,
		Role: "nurse", Action: "administration.record", ObjectType: "administration", ObjectID: mar.NewID(), Outcome: "success", Detail: `{"i":` + fmt.Sprint(i) + `}`}
}

func chainHead(t *testing.T, s *store.Store, chain string) int64 {
	t.Helper()
	var n int64
	q := "SELECT seq FROM audit_chain_heads WHERE chain = ?"
	if s.Dialect() == store.Postgres {
		q = "SELECT seq FROM audit_chain_heads WHERE chain = $1"
	}
	if err := s.DB().QueryRow(q, chain).Scan(&n); err != nil && !errors.Is(err, sql.ErrNoRows) {
		t.Fatal(err)
	}
	return n
}

func TestAuditEventsAreChainedPerFacility(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		facA, facB := mar.NewID(), mar.NewID()
		var kept []*mar.AuditEvent
		for i := 0; i < 5; i++ {
			err := s.InTx(ctx, func(tx mar.Tx) error {
				// One transaction may write to several chains.
				for _, f := range []string{facA, facB, "", facA} {
					e := auditEvent(f, i)
					kept = append(kept, e)
					if err := tx.AppendAudit(e); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		for _, e := range kept[len(kept)-4:] {
			if e.Seq == 0 || e.ChainSeq == 0 || len(e.Hash) != 64 || e.Chain != mar.ChainOf(e.FacilityID) {
				t.Fatalf("event not chained after commit: %+v", e)
			}
		}
		for chain, want := range map[string]int64{facA: 10, facB: 5, mar.SystemChain: 5} {
			if got := chainHead(t, s, chain); got != want {
				t.Errorf("chain %s has %d events, want %d", chain, got, want)
			}
		}
		rep, err := s.VerifyAuditReport(ctx, store.AuditVerifyOptions{Full: true})
		if err != nil || rep.Break != nil || rep.Events != 20 || len(rep.Chains) != 3 {
			t.Fatalf("verify: %+v %v", rep, err)
		}
		// A read of the trail inside the transaction sees its own event.
		err = s.InTx(ctx, func(tx mar.Tx) error {
			e := auditEvent(facB, 99)
			if err := tx.AppendAudit(e); err != nil {
				return err
			}
			got, err := tx.GetAuditEvent(e.ID)
			if err != nil || got.ChainSeq != 6 || got.Hash != e.Hash || e.Seq == 0 {
				return fmt.Errorf("own event read back as %+v (%v); appended %+v", got, err, e)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// A rolled back transaction leaves no event and no gap.
		_ = s.InTx(ctx, func(tx mar.Tx) error {
			_ = tx.AppendAudit(auditEvent(facB, 100))
			return errors.New("refused")
		})
		if got := chainHead(t, s, facB); got != 6 {
			t.Errorf("after a rollback chain B has %d events, want 6", got)
		}
		if n, brk, err := s.VerifyAudit(ctx); err != nil || brk != nil || n != 21 {
			t.Fatalf("verify: %d %v %v", n, brk, err)
		}
	})
}

// A database whose events were written before chains existed: its history
// is the legacy chain, still verified with the first hash version against
// the old head row, and every new chain's first event links to that
// chain's last hash.
func TestLegacyTrailStillVerifiesAfterTheMigration(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			s, err := store.Open(ctx, storetest.NewDSN(t, engine), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := s.MigrateTo(ctx, 29); err != nil {
				t.Fatal(err)
			}
			ph := func(q string) string {
				if s.Dialect() != store.Postgres {
					return q
				}
				for i := 1; strings.Contains(q, "?"); i++ {
					q = strings.Replace(q, "?", fmt.Sprintf("$%d", i), 1)
				}
				return q
			}
			prev := mar.GenesisHash
			fac := mar.NewID()
			for seq := int64(1); seq <= 6; seq++ {
				e := *auditEvent(fac, int(seq))
				e.Seq, e.PrevHash = seq, prev
				e.Hash = e.ComputeHash()
				prev = e.Hash
				if _, err := s.DB().ExecContext(ctx, ph(`INSERT INTO audit_events (seq, id, facility_id, at, user_id, role, action, object_type, object_id, resident_id, outcome, source_ip, device, request_id, break_glass, detail, prev_hash, hash)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), e.Seq, e.ID, e.FacilityID, e.At, e.UserID, e.Role, e.Action, e.ObjectType, e.ObjectID,
					e.ResidentID, e.Outcome, e.SourceIP, e.Device, e.RequestID, e.BreakGlass, e.Detail, e.PrevHash, e.Hash); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := s.DB().ExecContext(ctx, ph("UPDATE audit_head SET seq = 6, hash = ? WHERE id = 1"), prev); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			var first *mar.AuditEvent
			for i := 0; i < 3; i++ {
				err := s.InTx(ctx, func(tx mar.Tx) error {
					e := auditEvent(fac, 10+i)
					if first == nil {
						first = e
					}
					return tx.AppendAudit(e)
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			if first.Seq != 7 || first.ChainSeq != 1 || first.PrevHash != prev {
				t.Fatalf("first chained event: seq %d, position %d, prev %s; want 7, 1, the legacy chain's last hash %s", first.Seq, first.ChainSeq, first.PrevHash, prev)
			}
			rep, err := s.VerifyAuditReport(ctx, store.AuditVerifyOptions{Full: true})
			if err != nil || rep.Break != nil || rep.Events != 9 || len(rep.Chains) != 2 {
				t.Fatalf("verify after the migration: %+v %v", rep, err)
			}
			// An edit of a legacy event is still named.
			if s.Dialect() == store.Postgres {
				_, err = s.DB().ExecContext(ctx, "ALTER TABLE audit_events DISABLE TRIGGER USER")
			} else {
				_, err = s.DB().ExecContext(ctx, "DROP TRIGGER audit_events_no_update")
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.DB().ExecContext(ctx, "UPDATE audit_events SET detail = '{}' WHERE seq = 4"); err != nil {
				t.Fatal(err)
			}
			n, brk, err := s.VerifyAudit(ctx)
			if err != nil || brk == nil || brk.Chain != mar.LegacyChain || brk.Seq != 4 || !strings.Contains(brk.Error(), "event 4") {
				t.Fatalf("legacy edit: %d %v %v; want event 4 of the legacy chain named", n, brk, err)
			}
		})
	}
}

// Proven on PostgreSQL: a facility-A transaction that has written its
// events and holds A's chain head, not yet committed, does not hold up
// facility B; a second A writer does wait for it (the lock is real); and a
// transaction that is still working holds no chain head at all.
func TestAuditChainHeadsDoNotSerialiseFacilities(t *testing.T) {
	if !hasPG(t) {
		t.Skip("needs PostgreSQL (EMAR_TEST_PG_DSN)")
	}
	s := storetest.Open(t, "postgres")
	ctx := context.Background()
	facA, facB := mar.NewID(), mar.NewID()
	for _, f := range []string{facA, facB} { // start both chains
		if err := s.InTx(ctx, func(tx mar.Tx) error { return tx.AppendAudit(auditEvent(f, 0)) }); err != nil {
			t.Fatal(err)
		}
	}

	// While a transaction works (500 events appended, like a sweep), its
	// chain's head is free: another connection locks it at once.
	err := s.InTx(ctx, func(tx mar.Tx) error {
		for i := 0; i < 500; i++ {
			if err := tx.AppendAudit(auditEvent(facA, i)); err != nil {
				return err
			}
		}
		other, err := s.DB().BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer other.Rollback()
		var seq int64
		if err := other.QueryRowContext(ctx, "SELECT seq FROM audit_chain_heads WHERE chain = $1 FOR UPDATE NOWAIT", facA).Scan(&seq); err != nil {
			return fmt.Errorf("the chain head is locked while the transaction still works: %w", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	holding, release := make(chan struct{}), make(chan struct{})
	doneA := make(chan error, 1)
	go func() {
		doneA <- s.InTx(ctx, func(tx mar.Tx) error {
			if err := tx.AppendAudit(auditEvent(facA, 1000)); err != nil {
				return err
			}
			// Reading the trail writes the events now: A's head stays
			// locked until this transaction ends.
			if _, err := tx.ListAudit(mar.AuditFilter{FacilityID: facA, Limit: 1}); err != nil {
				return err
			}
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	start := time.Now()
	if err := s.InTx(tctx, func(tx mar.Tx) error { return tx.AppendAudit(auditEvent(facB, 1)) }); err != nil {
		t.Fatalf("facility B waited on facility A's chain head: %v after %s", err, time.Since(start))
	}
	secondA := make(chan error, 1)
	go func() {
		secondA <- s.InTx(ctx, func(tx mar.Tx) error { return tx.AppendAudit(auditEvent(facA, 1001)) })
	}()
	select {
	case err := <-secondA:
		t.Fatalf("a second facility-A writer did not wait for the first (%v): the chain is not locked", err)
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	if err := <-doneA; err != nil {
		t.Fatal(err)
	}
	if err := <-secondA; err != nil {
		t.Fatal(err)
	}
	if got := chainHead(t, s, facA); got != 503 {
		t.Errorf("chain A has %d events, want 503", got)
	}
	if n, brk, err := s.VerifyAudit(ctx); err != nil || brk != nil || n != 505 {
		t.Fatalf("verify: %d %v %v", n, brk, err)
	}
}

// Many writers of two facilities at once (and events with no facility):
// every chain stays dense and verifies.
func TestConcurrentAuditWritersKeepChainsDense(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			s := storetest.Open(t, engine)
			ctx := context.Background()
			facs := []string{mar.NewID(), mar.NewID(), ""}
			const writers, txs = 8, 25
			var wg sync.WaitGroup
			errs := make(chan error, writers)
			for w := 0; w < writers; w++ {
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					for i := 0; i < txs; i++ {
						err := s.InTx(ctx, func(tx mar.Tx) error {
							if err := tx.AppendAudit(auditEvent(facs[w%2], i)); err != nil {
								return err
							}
							if i%5 == 0 { // now and then a transaction spanning chains
								return tx.AppendAudit(auditEvent(facs[2], i))
							}
							return nil
						})
						if err != nil {
							errs <- err
							return
						}
					}
				}(w)
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			want := map[string]int64{facs[0]: writers / 2 * txs, facs[1]: writers / 2 * txs, mar.SystemChain: writers * txs / 5}
			for chain, n := range want {
				if got := chainHead(t, s, chain); got != n {
					t.Errorf("chain %s: %d events, want %d", chain, got, n)
				}
			}
			rep, err := s.VerifyAuditReport(ctx, store.AuditVerifyOptions{Full: true})
			if err != nil || rep.Break != nil || rep.Events != want[facs[0]]+want[facs[1]]+want[mar.SystemChain] {
				t.Fatalf("verify: %+v %v", rep, err)
			}
		})
	}
}

// Verification from the last checkpoint reads only what came after it:
// an edit after the checkpoint is named; an edit before it is the full
// verification's to find (the checkpoint writer verified those events
// when it sealed them).
func TestIncrementalVerificationStartsAtTheLastCheckpoint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		fac := mar.NewID()
		appendN := func(from, n int) {
			for i := from; i < from+n; i++ {
				if err := s.InTx(ctx, func(tx mar.Tx) error { return tx.AppendAudit(auditEvent(fac, i)) }); err != nil {
					t.Fatal(err)
				}
			}
		}
		appendN(0, 8)
		_, key, _ := ed25519.GenerateKey(nil)
		dir := t.TempDir()
		if cps, err := s.WriteCheckpoint(ctx, dir, key, auditT0); err != nil || len(cps) != 1 || cps[0].Chain != fac || cps[0].Size != 8 {
			t.Fatalf("checkpoint: %+v %v", cps, err)
		}
		appendN(8, 4)
		cps, err := store.ReadCheckpoints(dir, key.Public().(ed25519.PublicKey))
		if err != nil {
			t.Fatal(err)
		}
		rep, err := s.VerifyAuditReport(ctx, store.AuditVerifyOptions{Checkpoints: cps})
		if err != nil || rep.Break != nil || rep.Events != 4 || rep.Unsealed() != 4 || rep.Chains[0].From != 9 || !rep.Chains[0].OldestUnsealed.Equal(auditT0.Add(8*time.Second)) {
			t.Fatalf("incremental: %+v %v; want the 4 events after the checkpoint, unsealed", rep, err)
		}
		if s.Dialect() == store.Postgres {
			_, err = s.DB().ExecContext(ctx, "ALTER TABLE audit_events DISABLE TRIGGER USER")
		} else {
			_, err = s.DB().ExecContext(ctx, "DROP TRIGGER audit_events_no_update")
		}
		if err != nil {
			t.Fatal(err)
		}
		edit := func(pos int) {
			q := fmt.Sprintf("UPDATE audit_events SET user_id = 'mallory' WHERE chain = '%s' AND chain_seq = %d", fac, pos)
			if _, err := s.DB().ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		edit(10)
		rep, err = s.VerifyAuditReport(ctx, store.AuditVerifyOptions{Checkpoints: cps})
		if err != nil || rep.Break == nil || rep.Break.Seq != 10 || !strings.Contains(rep.Break.Reason, "edited") {
			t.Fatalf("edit after the checkpoint: %+v %v; want event 10 named", rep.Break, err)
		}
		edit(3)
		rep, err = s.VerifyAuditReport(ctx, store.AuditVerifyOptions{Checkpoints: cps, Full: true})
		if err != nil || rep.Break == nil || rep.Break.Seq != 3 {
			t.Fatalf("full verification after an edit before the checkpoint: %+v %v; want event 3 named", rep.Break, err)
		}
		// The checkpoint writer refuses to seal a broken chain.
		if _, err := s.WriteCheckpoint(ctx, dir, key, auditT0); err == nil || !strings.Contains(err.Error(), "event 10") {
			t.Fatalf("checkpoint over a broken chain: %v", err)
		}
	})
}
