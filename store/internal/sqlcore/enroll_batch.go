package sqlcore

import (
	"cmp"
	"context"
	"errors"
	"math/bits"
	"slices"
	"strings"
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
		if n > 0 {
			// A power of two: a group's statements, whose text depends on its size, then
			// come in six spellings, which each connection prepares once and keeps
			// (pgx's cache holds 512) instead of up to 31 that would crowd each other out.
			n = 1 << (bits.Len(uint(n)) - 1)
		}
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
// and every enrollment in it is committed alone instead, so one enrollment's failure is its
// own. An enrollment alone from the start (one in the group) is committed alone at once.
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
		live[0].commitAlone()
		return
	}
	// Keys' rows are locked in the order of their ids, in every group of every replica:
	// two groups never wait for each other's keys.
	slices.SortStableFunc(live, func(a, b *enrollJob) int { return cmp.Compare(a.is.Key.ID, b.is.Key.ID) })
	ctx, cancel := context.WithTimeout(context.WithoutCancel(live[0].ctx), groupTimeout)
	defer cancel()
	results, err := groupTx(ctx, live[0].x.E, live)
	if err != nil {
		for _, j := range live {
			j.commitAlone()
		}
		return
	}
	for i, j := range live {
		j.finish(results[i].out, results[i].err)
	}
}

// commitAlone commits one enrollment in a transaction of its own, under its caller's
// context; whatever fails that transaction is its answer. A machine enrolled under the same
// name meanwhile (or a serial drawn twice) is errStale; a key deleted meanwhile refuses.
func (j *enrollJob) commitAlone() {
	results, err := groupTx(j.ctx, j.x.E, []*enrollJob{j})
	switch {
	case err == nil:
		j.finish(results[0].out, results[0].err)
	case errors.Is(err, model.ErrDuplicate):
		j.finish(model.Enrollment{}, errStale)
	case errors.Is(err, model.ErrInUse):
		j.finish(model.Enrollment{}, store.UnknownKey())
	default:
		j.finish(model.Enrollment{}, err)
	}
}

type jobResult struct {
	out model.Enrollment
	err error
}

// groupTx is the group's one transaction, in a few statements whatever its size: the
// revokes of the certificates re-enrollments replace, every machine in one INSERT and every
// audit row in another, then one UPDATE per key taking all of its group's uses at once. The
// keys' rows come last, so their locks, which every group of every replica waits for, are
// held from those UPDATEs to the commit only. What prepare read and this transaction did
// not lock is checked by the writes themselves: the key's version in its UPDATE, the
// replaced certificate's being active in its revoke, and a machine enrolled meanwhile by
// the unique index of active machines. An enrollment refused before anything of it was
// written gets its refusal and the others go on. A key that was edited meanwhile, or has
// fewer uses left than its group needs, fails the group, as any error does: then each
// enrollment is committed alone (a group of one), where that failure is told as its
// refusal or errStale, and a usage limit is met exactly.
func groupTx(ctx context.Context, e Engine, group []*enrollJob) ([]jobResult, error) {
	tx, err := e.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	results := make([]jobResult, len(group))
	ws := make([]*W, len(group))
	var kept []int // indexes into group, in key order
	for i, j := range group {
		ws[i] = j.x.In(ctx, tx)
		if err := ws[i].revokeReplaced(j.is); err != nil {
			if !isOwnAnswer(err) {
				return nil, err
			}
			results[i].err = err
			continue
		}
		kept = append(kept, i)
	}
	if len(kept) == 0 {
		return results, nil // nothing written: the rollback ends it
	}
	if err := recordMachines(ctx, ws, group, kept, results); err != nil {
		return nil, err
	}
	// The change notification's statement before the keys' rows are written, so it does
	// not add to the time their locks are held.
	if err := e.BeforeCommit(ctx, tx); err != nil {
		return nil, e.MapErr(err)
	}
	for len(kept) > 0 { // the enrollments of one key at one version sit together
		k := group[kept[0]].is.Key
		n := 1
		for n < len(kept) && group[kept[n]].is.Key.ID == k.ID && group[kept[n]].is.Key.Version == k.Version {
			n++
		}
		ok, err := ws[kept[0]].touchKeyFor(group, kept[:n])
		if err != nil {
			return nil, err
		}
		if !ok {
			if len(group) == 1 {
				return nil, ws[kept[0]].untouched(k) // alone: why is its answer
			}
			return nil, errUndone
		}
		kept = kept[n:]
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, e.MapErr(err)
	}
	e.Committed()
	return results, nil
}

// isOwnAnswer is an error that is one enrollment's answer rather than the group's failure: a
// refusal, or errStale (prepare again).
func isOwnAnswer(err error) bool {
	var r *store.Refusal
	return errors.As(err, &r) || errors.Is(err, errStale)
}

// errUndone: a key's UPDATE in a group changed nothing (the key was edited, or has fewer uses
// left than the group needs); the group is rolled back and its enrollments committed alone.
var errUndone = errors.New("a key refused its group's uses")

// revokeReplaced is a group enrollment's first write: the key admits it still, and the
// certificate a re-enrollment replaces is revoked if still active.
func (w *W) revokeReplaced(is Issued) error {
	k := is.Key
	if r := store.KeyAdmits(k.ID, k.Enabled, k.Expires, w.Now); r != nil {
		return r
	}
	if is.PrevID == 0 {
		return nil
	}
	n, err := w.Exec(w.Ctx, revokeReplacedSQL, w.Now, is.PrevID)
	if err != nil {
		return w.MapErr(err)
	}
	if n != 1 {
		return errStale
	}
	return nil
}

// touchKeyFor takes the uses of the enrollments same (indexes into group, one key at one
// version) in one UPDATE; false when the key is no longer at that version or has fewer uses
// left than they need.
func (w *W) touchKeyFor(group []*enrollJob, same []int) (bool, error) {
	k := group[same[0]].is.Key
	var uses int64
	for _, i := range same {
		if group[i].is.PrevID == 0 {
			uses++
		}
	}
	last := group[same[len(same)-1]].req.Machine
	n, err := w.Exec(w.Ctx, takeUsesSQL, uses, last, k.ID, k.Version, uses, uses)
	if err != nil {
		return false, w.MapErr(err)
	}
	return n == 1, nil
}

// recordMachines inserts the machines of the enrollments kept (indexes into group) in one
// statement and their audit rows in another, and fills in their results.
func recordMachines(ctx context.Context, ws []*W, group []*enrollJob, kept []int, results []jobResult) error {
	w := ws[kept[0]]
	var margs, aargs []any
	machines := make(map[string]int, len(kept)) // serial → index into group
	for _, i := range kept {
		m, args, err := ws[i].machineRow(group[i].is, group[i].req)
		if err != nil {
			return err
		}
		margs = append(margs, args...)
		results[i].out = model.Enrollment{Machine: m, Certificate: ca.EncodeDER(group[i].is.Signed.DER),
			Chain: group[i].is.Issuer.Chain}
		machines[m.Serial] = i
	}
	rows, err := w.Query(ctx, insertMachinesSQL(w.d, len(kept)), margs...)
	if err != nil {
		return w.MapErr(err)
	}
	for rows.Next() {
		var id int64
		var serial string
		if err := rows.Scan(&id, &serial); err != nil {
			rows.Close()
			return w.MapErr(err)
		}
		results[machines[serial]].out.Machine.ID = id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return w.MapErr(err)
	}
	for _, i := range kept {
		m := results[i].out.Machine
		if m.ID == 0 {
			return errors.New("a machine inserted in a group came back without its id")
		}
		a, old, new := enrollAudit(group[i].is, m)
		args, err := ws[i].auditArgs(a, model.ObjectMachine, m.ID, m.Name, old, new, "ok")
		if err != nil {
			return err
		}
		aargs = append(aargs, args...)
	}
	_, err = w.Exec(ctx, auditSQL+strings.Repeat(", "+auditRow, len(kept)-1), aargs...)
	return w.MapErr(err)
}

func (j *enrollJob) finish(out model.Enrollment, err error) {
	j.out, j.err = out, err
	close(j.done)
}
