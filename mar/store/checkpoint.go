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
// size. A file whose signature fails is an error: a forged checkpoint must
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
	sort.Slice(cps, func(i, j int) bool { return cps[i].Size < cps[j].Size })
	return cps, nil
}

// WriteCheckpoint signs the events added since the last checkpoint in dir
// and writes a new checkpoint file there. It returns false when there was
// nothing new.
func (s *Store) WriteCheckpoint(ctx context.Context, dir string, key ed25519.PrivateKey, now time.Time) (mar.Checkpoint, bool, error) {
	cps, err := ReadCheckpoints(dir, key.Public().(ed25519.PublicKey))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return mar.Checkpoint{}, false, err
	}
	var c mar.Checkpoint
	var after int64
	if len(cps) > 0 {
		last := cps[len(cps)-1]
		c.Tree, after = last.Tree, last.Size
	}
	c.FromSeq = after + 1
	err = s.EachAuditEvent(ctx, after, func(e mar.AuditEvent) error {
		c.Tree.Add(e.Hash)
		c.Hashes = append(c.Hashes, e.Hash)
		return nil
	})
	if err != nil {
		return mar.Checkpoint{}, false, err
	}
	if len(c.Hashes) == 0 {
		return mar.Checkpoint{}, false, nil
	}
	c.Size, c.Root, c.Time = c.Tree.Size(), c.Tree.Root(), now.UTC()
	c.Sign(key)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return mar.Checkpoint{}, false, err
	}
	name := filepath.Join(dir, fmt.Sprintf("checkpoint-%012d.txt", c.Size))
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, c.Encode(), 0o600); err != nil {
		return mar.Checkpoint{}, false, err
	}
	return c, true, os.Rename(tmp, name)
}
