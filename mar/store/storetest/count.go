package storetest

import (
	"database/sql"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"gorm.io/gorm"

	"github.com/emar-project/emar/mar/store"
)

// Counter counts the SQL statements a store runs and the transactions
// they run in, between Start and Stop: a test of how many round trips a
// request costs. It sees every statement made through the store's GORM
// handle (the store makes all of its statements there); BEGIN and COMMIT
// are not statements of their own here, a transaction is counted once
// however many statements it holds, and a statement outside any
// transaction is a transaction of its own (autocommit).
type Counter struct {
	mu      sync.Mutex
	on      bool
	exclude []string
	tally   Tally
	txs     map[*sql.Tx]bool
}

// Tally is what a Counter saw.
type Tally struct {
	Statements   int
	Transactions int
	// SQL lists the statements in the order they ran, for a failure's
	// message.
	SQL []string
}

func (t Tally) String() string {
	return fmt.Sprintf("%d statements in %d transactions:\n  %s", t.Statements, t.Transactions, strings.Join(t.SQL, "\n  "))
}

var counterSeq atomic.Int64

// NewCounter counts the statements of s. A statement made while a function
// whose name starts with one of exclude is on the calling goroutine's
// stack (e.g. "github.com/emar-project/emar/mar.(*Service).Authenticate")
// is left out, so a test counts a request's own work apart from what
// every request shares.
func NewCounter(s *store.Store, exclude ...string) (*Counter, error) {
	c := &Counter{exclude: exclude, txs: map[*sql.Tx]bool{}}
	name := fmt.Sprintf("storetest:count%d", counterSeq.Add(1))
	cb := s.Gorm().Callback()
	for _, err := range []error{
		cb.Create().After("gorm:create").Register(name, c.seen),
		cb.Query().After("gorm:query").Register(name, c.seen),
		cb.Update().After("gorm:update").Register(name, c.seen),
		cb.Delete().After("gorm:delete").Register(name, c.seen),
		cb.Row().After("gorm:row").Register(name, c.seen),
		cb.Raw().After("gorm:raw").Register(name, c.seen),
	} {
		if err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Start clears the tally and counts from now on.
func (c *Counter) Start() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.on, c.tally, c.txs = true, Tally{}, map[*sql.Tx]bool{}
}

// Stop ends counting and returns the tally since Start.
func (c *Counter) Stop() Tally {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.on = false
	return c.tally
}

func (c *Counter) seen(db *gorm.DB) {
	c.mu.Lock()
	on := c.on
	c.mu.Unlock()
	if !on || db.Statement.SQL.Len() == 0 || c.excluded() {
		return
	}
	sqlText := db.Statement.SQL.String()
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.on {
		return
	}
	c.tally.Statements++
	c.tally.SQL = append(c.tally.SQL, sqlText)
	if tx, ok := db.Statement.ConnPool.(*sql.Tx); ok {
		if !c.txs[tx] {
			c.txs[tx] = true
			c.tally.Transactions++
		}
	} else {
		c.tally.Transactions++
	}
}

func (c *Counter) excluded() bool {
	if len(c.exclude) == 0 {
		return false
	}
	pcs := make([]uintptr, 128)
	n := runtime.Callers(3, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		for _, x := range c.exclude {
			if strings.HasPrefix(f.Function, x) {
				return true
			}
		}
		if !more {
			return false
		}
	}
}
