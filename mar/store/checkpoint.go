package store

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/emar-project/emar/mar"
)

// ReadCheckpoints loads and checks every checkpoint file in dir, sorted by
// chain and size. A file whose signature fails is an error: a forged checkpoint must
// not pass silently.
func ReadCheckpoints(dir string, pub ed25519.PublicKey) ([]mar.Checkpoint, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read checkpoints: %w", err)
	}
	var cps []mar.Checkpoint
	for _, e := range entries {
		if e.IsDir() || !strings.HasPrefix(e.Name(), "checkpoint-") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		c, err := mar.ParseCheckpoint(data, pub)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.Name(), err)
		}
		cps = append(cps, c)
	}
	sort.Slice(cps, func(i, j int) bool {
		if cps[i].Chain != cps[j].Chain {
			return cps[i].Chain < cps[j].Chain
		}
		return cps[i].Size < cps[j].Size
	})
	return cps, nil
}

// WriteCheckpoint signs, chain by chain, the events added since that
// chain's last checkpoint in dir and writes a checkpoint file for each
// chain that has new events. The events it seals are verified first
// (links and hashes from the last checkpoint on): a chain that does not
// verify is not signed. It returns the checkpoints written (none when
// nothing was new).
func (s *Store) WriteCheckpoint(ctx context.Context, dir string, key ed25519.PrivateKey, now time.Time) ([]mar.Checkpoint, error) {
	cps, err := ReadCheckpoints(dir, key.Public().(ed25519.PublicKey))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	chains, err := s.auditChains(ctx)
	if err != nil {
		return nil, err
	}
	var written []mar.Checkpoint
	for _, ch := range chains {
		if strings.ContainsAny(ch.chain, `/\.`) {
			return written, fmt.Errorf("audit chain %q cannot name a checkpoint file", ch.chain)
		}
		c := mar.Checkpoint{Chain: ch.chain}
		var after int64
		prev := ch.genesis
		for _, old := range cps {
			if old.Chain == ch.chain && old.Size > after {
				c.Tree, after, prev = old.Tree, old.Size, old.LastHash()
			}
		}
		c.FromSeq = after + 1
		var brk *mar.ChainBreak
		if s.dialect == Postgres {
			_, _, _, brk, err = s.verifyChainPG(ctx, ch.chain, ch.seq, after, prev, nil, func(h string) {
				c.Tree.Add(h)
				c.Hashes = append(c.Hashes, h)
			})
		} else {
			v := mar.NewChainVerifierAt(ch.chain, after, prev)
			err = s.EachChainEvent(ctx, ch.chain, after, func(e mar.AuditEvent) error {
				if brk = v.Check(e); brk != nil {
					return errStop
				}
				c.Tree.Add(e.Hash)
				c.Hashes = append(c.Hashes, e.Hash)
				return nil
			})
			if err == errStop {
				err = nil
			}
		}
		if err != nil {
			return written, err
		}
		if brk != nil {
			return written, fmt.Errorf("not signing a checkpoint over a broken chain: %w", brk)
		}
		if len(c.Hashes) == 0 {
			continue
		}
		c.Size, c.Root, c.Time = c.Tree.Size(), c.Tree.Root(), now.UTC()
		c.Sign(key)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return written, err
		}
		name := filepath.Join(dir, fmt.Sprintf("checkpoint-%012d.txt", c.Size))
		if c.Chain != mar.LegacyChain {
			name = filepath.Join(dir, fmt.Sprintf("checkpoint-%s-%012d.txt", c.Chain, c.Size))
		}
		tmp := name + ".tmp"
		if err := os.WriteFile(tmp, c.Encode(), 0o600); err != nil {
			return written, err
		}
		if err := os.Rename(tmp, name); err != nil {
			return written, err
		}
		written = append(written, c)
	}
	return written, nil
}
