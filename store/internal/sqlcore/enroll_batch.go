package sqlcore

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"provkeys/model"
	"provkeys/store"
	"provkeys/store/ca"
)

// EnrollQueue commits enrollments in groups: an enrollment arriving while none is committing
// starts a committer, which commits, in one transaction, every enrollment queued by then (up
// to maxGroup), then the next group, until the queue is empty; each one's answer is sent
// after its group's commit. Many machines enrolling at once then share one transaction's begin, commit,
// disk flush and change notification instead of paying for them each, and the lock on a key
// they share is taken once per group. An engine keeps one per store (Engine.Enrollments).
type EnrollQueue struct {
	mu      sync.Mutex
	waiting []*enrollJob
	leading bool
}

// maxGroup bounds how many enrollments share one transaction.
const maxGroup = 32

// groupTimeout bounds one group's transaction: it runs for many callers, so no one caller's
// context may end it.
const groupTimeout = 30 * time.Second

type enrollJob struct {
	ctx  context.Context
	x    *Session
	is   Issued
	req  model.EnrollRequest
	out  model.Enrollment
	err  error
	done chan struct{}
}

// commit queues one enrollment and waits for its answer, starting the committer if none runs.
func (q *EnrollQueue) commit(ctx context.Context, x *Session, is Issued, req model.EnrollRequest) (model.Enrollment, error) {
	j := &enrollJob{ctx: ctx, x: x, is: is, req: req, done: make(chan struct{})}
	q.mu.Lock()
	q.waiting = append(q.waiting, j)
	lead := !q.leading
	q.leading = true
	q.mu.Unlock()
	if lead {
		go q.lead() // not on this caller's goroutine: under steady load it may lead for long
	}
	select {
	case <-j.done:
		return j.out, j.err
	case <-ctx.Done():
		// The group may still commit it: then the machine is enrolled and audited, but the
		// caller, gone, never gets its certificate, as when a connection drops after a commit.
		return model.Enrollment{}, ctx.Err()
	}
}

// lead commits groups until none is waiting.
func (q *EnrollQueue) lead() {
	for {
		q.mu.Lock()
		n := min(len(q.waiting), maxGroup)
		group := slices.Clone(q.waiting[:n])
		q.waiting = slices.Delete(q.waiting, 0, n)
		if n == 0 {
			q.leading = false
			q.mu.Unlock()
			return
		}
		q.mu.Unlock()
		commitGroup(group)
	}
}

// commitGroup commits group in one transaction. Any error inside it rolls the group back
// and every enrollment in it is committed alone instead (commitEnrollment), so one
// enrollment's failure is its own.
func commitGroup(group []*enrollJob) {
	live := group[:0]
	for _, j := range group {
		if err := j.ctx.Err(); err != nil {
			j.finish(model.Enrollment{}, err)
			continue
		}
		live = append(live, j)
	}
	switch len(live) {
	case 0:
		return
	case 1:
		j := live[0]
		j.finish(j.x.commitEnrollment(j.ctx, j.is, j.req))
		return
	}
	// Keys' rows are locked in the order of their ids, in every group of every replica:
	// two groups never wait for each other's keys.
	slices.SortStableFunc(live, func(a, b *enrollJob) int { return int(a.is.Key.ID - b.is.Key.ID) })
	ctx, cancel := context.WithTimeout(context.WithoutCancel(live[0].ctx), groupTimeout)
	defer cancel()
	e := live[0].x.E
	results, err := groupTx(ctx, e, live)
	if err != nil {
		for _, j := range live {
			j.finish(j.x.commitEnrollment(j.ctx, j.is, j.req))
		}
		return
	}
	e.Committed()
	for i, j := range live {
		j.finish(results[i].out, results[i].err)
	}
}

type jobResult struct {
	out model.Enrollment
	err error
}

// groupTx is the group's one transaction. For each enrollment the key's row is written
// first (the use taken, or a re-enrollment's replaced certificate revoked and then the
// key's last machine), so an enrollment the key refuses leaves nothing behind and the rest
// go on; the machine and its audit row follow. An error is the whole group's.
func groupTx(ctx context.Context, e Engine, group []*enrollJob) ([]jobResult, error) {
	tx, err := e.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	results := make([]jobResult, len(group))
	for i, j := range group {
		w := j.x.In(ctx, tx)
		results[i].out, results[i].err = w.enrollInGroup(j.is, j.req)
		var r *store.Refusal
		if err := results[i].err; err != nil && !errors.As(err, &r) && !errors.Is(err, errStale) {
			return nil, err
		}
	}
	if err := e.BeforeCommit(ctx, tx); err != nil {
		return nil, e.MapErr(err)
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, e.MapErr(err)
	}
	return results, nil
}

// errUndone: a step failed after an earlier one of the same enrollment was written, which a
// group cannot undo alone; the group is rolled back.
var errUndone = errors.New("an enrollment in the group failed half-way")

// enrollInGroup is one enrollment inside a group's transaction. A refusal or errStale
// before anything was written is the enrollment's own answer; any other error, or one after
// a write, is errUndone or the error itself, and ends the group.
func (w *W) enrollInGroup(is Issued, req model.EnrollRequest) (model.Enrollment, error) {
	k := is.Key
	if r := store.KeyAdmits(k.ID, k.Enabled, k.Expires, w.Now); r != nil {
		return model.Enrollment{}, r
	}
	reenroll := is.PrevID != 0
	if reenroll {
		n, err := w.Exec(w.Ctx, revokeReplacedSQL, w.Now, is.PrevID)
		if err != nil {
			return model.Enrollment{}, w.MapErr(err)
		}
		if n != 1 {
			return model.Enrollment{}, errStale
		}
	}
	if err := w.touchKey(k, req.Machine, reenroll); err != nil {
		var r *store.Refusal
		if reenroll && (errors.As(err, &r) || errors.Is(err, errStale)) {
			return model.Enrollment{}, errUndone // the revoke stands
		}
		return model.Enrollment{}, err
	}
	m, err := w.recordMachine(is, req)
	if err != nil {
		var r *store.Refusal
		if errors.As(err, &r) || errors.Is(err, errStale) {
			return model.Enrollment{}, errUndone // the use is taken
		}
		return model.Enrollment{}, err
	}
	return model.Enrollment{Machine: m, Certificate: ca.EncodeDER(is.Signed.DER), Chain: is.Issuer.Chain}, nil
}

func (j *enrollJob) finish(out model.Enrollment, err error) {
	j.out, j.err = out, err
	close(j.done)
}
