package sshd

import (
	"context"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Operators is the live operators file: the set in force, replaced when the file changes.
// A file that fails to load never replaces a good set: the old one stays and the reason is
// logged, so a typo made while editing cannot lock every operator out (or let anyone in).
type Operators struct {
	path string
	log  *slog.Logger
	cur  atomic.Pointer[OperatorSet]

	mu   sync.Mutex  // serialises reloads
	seen os.FileInfo // the file as last looked at, loaded or not; nil when it was missing
	// onReload, when set, is told of every set a reload puts in force, so the server can
	// end or downgrade the sessions it no longer allows.
	onReload func(*OperatorSet)
}

// OpenOperators loads the operators file at path; unlike a reload, any problem is an error,
// because a server must not start with an operators file it cannot read.
func OpenOperators(path string, log *slog.Logger) (*Operators, error) {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	o := &Operators{path: path, log: log}
	o.seen, _ = os.Stat(path)
	set, err := LoadOperators(path)
	if err != nil {
		return nil, err
	}
	o.cur.Store(set)
	o.warn(set)
	return o, nil
}

// warn logs, loudly, what is wrong with the file short of refusing it.
func (o *Operators) warn(set *OperatorSet) {
	if w := set.Warning(); w != "" {
		o.log.Warn("WARNING: " + w)
	}
}

// Current is the operator set in force now. Callers look the session's key up in it at the
// moment they need an answer and keep nothing, so a removed operator loses access at once.
func (o *Operators) Current() *OperatorSet { return o.cur.Load() }

// Reload re-reads the operators file now (main calls it on SIGHUP). On failure the previous
// set stays in force, the reason is logged and returned.
func (o *Operators) Reload() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.reloadLocked()
}

func (o *Operators) reloadLocked() error {
	// Stat before reading: an edit landing during the read changes the stamp again, and the
	// next poll picks it up.
	o.seen, _ = os.Stat(o.path)
	set, err := LoadOperators(o.path)
	if err != nil {
		o.log.Error("operators reload failed; keeping the previous set",
			"err", err, "operators", o.Current().Len())
		return err
	}
	o.cur.Store(set)
	o.log.Info("operators reloaded", "path", o.path, "operators", set.Len())
	o.warn(set)
	if o.onReload != nil {
		o.onReload(set)
	}
	return nil
}

// reloadIfChanged reloads when the file's identity, size or modification time moved since it
// was last looked at: cheap enough to call every couple of seconds.
func (o *Operators) reloadIfChanged() {
	o.mu.Lock()
	defer o.mu.Unlock()
	fi, err := os.Stat(o.path)
	if err != nil {
		if o.seen != nil {
			o.seen = nil
			o.log.Error("operators file unreadable; keeping the previous set",
				"err", err, "operators", o.Current().Len())
		}
		return
	}
	if o.seen != nil && os.SameFile(o.seen, fi) && fi.Size() == o.seen.Size() &&
		fi.ModTime().Equal(o.seen.ModTime()) {
		return
	}
	_ = o.reloadLocked()
}

// Watch polls the file every interval and reloads on each value from hup, until ctx ends.
func (o *Operators) Watch(ctx context.Context, interval time.Duration, hup <-chan os.Signal) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			o.reloadIfChanged()
		case _, ok := <-hup:
			if !ok {
				hup = nil // a closed channel would spin; keep polling
				continue
			}
			_ = o.Reload()
		}
	}
}
