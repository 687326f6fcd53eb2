package postgres

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"provkeys/store"
)

// channel is the NOTIFY channel every write transaction announces itself on (bump).
const channel = "provkeys_changes"

// listener keeps one dedicated connection LISTENing on channel and counts what it hears, so
// DataVersion is a read of memory: a dashboard polls it several times a second, and fifty of
// them must not become fifty queries a tick. PostgreSQL delivers a notification when the
// transaction that sent it commits, to every listening connection of every process.
//
// When the connection breaks, the listener reconnects with backoff. Changes committed while it
// was not listening were announced to nobody, so after every reconnect the version moves once
// and every dashboard reloads: that costs one reload per outage, and no commit in flight
// across the outage can be missed (comparing the changes sequence before and after could
// miss one that took its number before and committed during the outage).
type listener struct {
	cfg    *pgx.ConnConfig
	target string

	mu    sync.Mutex
	n     int64 // the version: notifications heard, local commits and reconnects
	up    bool
	cause string // why the connection is down, for DataVersion's error

	cancel context.CancelFunc
	done   chan struct{}
}

// startListener connects and LISTENs before returning, so a store that opened hears every
// change committed after Open.
func startListener(ctx context.Context, cfg *pgx.ConnConfig, target string) (*listener, error) {
	conn, err := listen(ctx, cfg)
	if err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	l := &listener{cfg: cfg, target: target, n: 1, up: true, cancel: cancel, done: make(chan struct{})}
	go l.run(runCtx, conn)
	return l, nil
}

func listen(ctx context.Context, cfg *pgx.ConnConfig) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, "LISTEN "+channel); err != nil {
		conn.Close(context.Background())
		return nil, err
	}
	return conn, nil
}

func (l *listener) run(ctx context.Context, conn *pgx.Conn) {
	defer close(l.done)
	for {
		_, err := conn.WaitForNotification(ctx)
		if err == nil {
			l.add()
			continue
		}
		conn.Close(context.Background())
		if ctx.Err() != nil {
			return
		}
		l.setDown(connCause(err))
		if conn = l.reconnect(ctx); conn == nil {
			return
		}
		l.setUp()
	}
}

// reconnect tries until it has a listening connection again (nil: the store was closed),
// waiting 50 ms at first and at most 2 s between tries.
func (l *listener) reconnect(ctx context.Context) *pgx.Conn {
	wait := 50 * time.Millisecond
	for {
		t := time.NewTimer(wait/2 + rand.N(wait))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		conn, err := listen(cctx, l.cfg)
		cancel()
		if err == nil {
			return conn
		}
		l.setDown(connCause(err))
		wait = min(wait*2, 2*time.Second)
	}
}

func (l *listener) add() {
	l.mu.Lock()
	l.n++
	l.mu.Unlock()
}

// committed counts a commit of this process at once, before its notification comes back.
func (l *listener) committed() { l.add() }

func (l *listener) setDown(cause string) {
	l.mu.Lock()
	l.up, l.cause = false, cause
	l.mu.Unlock()
}

func (l *listener) setUp() {
	l.mu.Lock()
	l.up, l.cause = true, ""
	l.n++ // changes made while not listening were heard by nobody: reload once
	l.mu.Unlock()
}

// version is DataVersion's answer: the count, or ErrUnavailable while not listening.
func (l *listener) version() (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.up {
		return 0, fmt.Errorf("%w (the PostgreSQL server cannot be reached: %s)", store.ErrUnavailable, l.cause)
	}
	return l.n, nil
}

func (l *listener) close() {
	l.cancel()
	<-l.done
}
