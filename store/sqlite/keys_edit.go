package sqlite

import (
	"context"
	"errors"

	"provkeys/model"
)

// ErrScrubBusy is Scrub's answer while another reader's snapshot keeps old WAL frames alive.
var ErrScrubBusy = errors.New("an old copy remains in the store's WAL file while another reader (another provkeys process or screen) holds an older snapshot; it goes at that reader's end and the next change")

// Scrub checkpoints the WAL into the database file, where secure_delete zeroed the erased
// cells, and truncates the WAL, so no copy of erased key material is left in either file.
// Readers holding an older snapshot keep the WAL alive: then it waits only briefly and says
// so (ErrScrubBusy) instead of stalling an edit for the whole busy timeout.
func (x *session) Scrub(ctx context.Context) error {
	if err := x.Authorize(model.ActionUpdate); err != nil {
		return err
	}
	return x.s.scrub(ctx)
}

// scrub is Scrub's work, also run (best effort) after an edit erases material.
func (s *Store) scrub(ctx context.Context) error {
	release, err := s.writer.acquire(ctx)
	if err != nil {
		return err
	}
	defer release()
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return mapErr(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout = 250"); err != nil {
		return mapErr(err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA busy_timeout = 5000")
	var busy, logFrames, done int
	if err := conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &done); err != nil {
		if isBusy(err) {
			return ErrScrubBusy
		}
		return mapErr(err)
	}
	if busy != 0 {
		return ErrScrubBusy
	}
	return nil
}
