package mar

import (
	"context"
	"fmt"
)

// Idempotency is a client's Idempotency-Key for one write, with the hash of
// the request it came with. The transport puts it in the context; every
// bedside write runs through runWrite, which stores the answer in the same
// transaction as the change, so a retry gets the first answer and never a
// second change.
type Idempotency struct {
	Key  string
	Hash string // SHA-256 of method, path and body, hex
	// Render turns the write's result into the status and body that are
	// stored and sent. It runs inside the transaction.
	Render func(result any) (status int, body []byte, err error)

	// Status and Body are the rendered answer after a successful write.
	Status int
	Body   []byte
}

type idempotencyKey struct{}

// WithIdempotency returns a context carrying the request's key.
func WithIdempotency(ctx context.Context, idem *Idempotency) context.Context {
	return context.WithValue(ctx, idempotencyKey{}, idem)
}

func idempotencyFrom(ctx context.Context) *Idempotency {
	idem, _ := ctx.Value(idempotencyKey{}).(*Idempotency)
	return idem
}

// Replayed is returned instead of a result when the key was used before
// with the same request: the stored answer is to be sent again as it is.
type Replayed struct {
	Status int
	Body   []byte
}

func (r *Replayed) Error() string { return fmt.Sprintf("idempotent replay of a %d answer", r.Status) }

// MaxIdempotencyKeyLen bounds the key a client may send.
const MaxIdempotencyKeyLen = 255

// runWrite runs fn in one transaction. With an idempotency key in ctx it
// first claims the key (user, key): when the key exists, the stored answer
// is returned as *Replayed, or a refusal when the request differs; when it
// is new, fn runs and its rendered answer is stored in the same
// transaction. Failed writes store nothing: the key row rolls back with
// them, so a corrected request may reuse the key.
func runWrite[T any](ctx context.Context, s *Service, by Identity, fn func(tx Tx) (T, error)) (T, error) {
	var out T
	idem := idempotencyFrom(ctx)
	err := s.Store.InTx(ctx, func(tx Tx) error {
		var zero T
		out = zero
		if idem != nil {
			prev, claimed, err := tx.ClaimIdempotencyKey(IdempotencyRecord{UserID: by.User.ID, Key: idem.Key, RequestHash: idem.Hash, CreatedAt: s.now()})
			if err != nil {
				return fmt.Errorf("claim idempotency key: %w", err)
			}
			if !claimed {
				if prev.RequestHash != idem.Hash {
					return &Error{Code: ERefused, Field: "Idempotency-Key", Reason: ReasonIdempotencyKeyReused,
						Message: "this Idempotency-Key was already used for a different request; use a new key for a new request"}
				}
				if prev.Status == 0 {
					return Conflict("idempotency_in_progress", "the first request with this Idempotency-Key is still being processed; retry shortly")
				}
				return &Replayed{Status: prev.Status, Body: prev.Body}
			}
		}
		res, err := fn(tx)
		if err != nil {
			return err
		}
		if idem != nil {
			status, body, err := idem.Render(res)
			if err != nil {
				return fmt.Errorf("render idempotent answer: %w", err)
			}
			if err := tx.CompleteIdempotencyKey(by.User.ID, idem.Key, status, body); err != nil {
				return fmt.Errorf("store idempotent answer: %w", err)
			}
			idem.Status, idem.Body = status, body
		}
		out = res
		return nil
	})
	return out, err
}
