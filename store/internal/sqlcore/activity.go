package sqlcore

import (
	"context"
	"errors"
	"time"

	"provkeys/model"
)

// perDay is the SQL divisor of seconds into days: a UTC day is 86,400 seconds in both
// engines (neither knows leap seconds), as in model.ActivityWindow.
const perDay = " / 86400"

// KeyActivity is key keyID's last enrollment and its enrollments per UTC day over the days
// days ending with now's. The machines_key index (key_id, enrolled_at) serves both reads:
// the last row of the key, and the range of the window, counted per day by the engine so that
// a key with a hundred thousand machines still sends back at most days rows.
func (x *Session) KeyActivity(ctx context.Context, keyID int64, now time.Time, days int) (model.KeyActivity, error) {
	if err := x.Authorize(model.ActionRead); err != nil {
		return model.KeyActivity{}, err
	}
	if err := model.ValidateActivityDays(days); err != nil {
		return model.KeyActivity{}, err
	}
	a := model.KeyActivity{PerDay: make([]int, days)}
	q := x.Read()
	var at Time
	err := x.E.MapErr(q.QueryRow(ctx, `SELECT name, enrolled_at FROM machines WHERE key_id = ?
		ORDER BY enrolled_at DESC, id DESC LIMIT 1`, keyID).Scan(&a.LastMachine, &at))
	if errors.Is(err, model.ErrNotFound) {
		return a, nil // never used: nothing in the window either
	}
	if err != nil {
		return model.KeyActivity{}, err
	}
	a.LastAt = at.T
	from, to := model.ActivityWindow(now, days)
	day := "(" + x.E.Dialect().EpochSeconds("enrolled_at") + " - ?)" + perDay
	type bucket struct{ day, n int }
	buckets, err := All(ctx, x.E, q, func(sc Row) (b bucket, err error) {
		err = sc.Scan(&b.day, &b.n)
		return b, err
	}, "SELECT "+day+", count(*) FROM machines WHERE key_id = ? AND enrolled_at >= ? AND enrolled_at < ? GROUP BY 1",
		from.Unix(), keyID, from, to)
	if err != nil {
		return model.KeyActivity{}, err
	}
	for _, b := range buckets {
		if b.day >= 0 && b.day < days {
			a.PerDay[b.day] += b.n
		}
	}
	return a, nil
}
