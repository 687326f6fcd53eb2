package uitest

import (
	"context"
	"fmt"
	"time"

	"provkeys/model"
)

// ListMachines lists f.Machines enrolled with key keyID (0: all), newest (highest id) first.
func (f *FakeStore) ListMachines(_ context.Context, keyID int64) ([]model.Machine, error) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	var out []model.Machine
	for i := len(f.Machines) - 1; i >= 0; i-- {
		if m := f.Machines[i]; keyID == 0 || m.KeyID == keyID {
			out = append(out, m)
		}
	}
	return out, nil
}

// RevokeMachine revokes machine id, as the store does: a revoked one is refused.
func (f *FakeStore) RevokeMachine(_ context.Context, id int64) (model.Machine, error) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	f.record("revoke %d", id)
	for i := range f.Machines {
		m := &f.Machines[i]
		if m.ID != id {
			continue
		}
		if !m.Active() {
			return model.Machine{}, &model.ValidationError{Field: model.FieldMachine, Msg: fmt.Sprintf("machine %q is already revoked", m.Name)}
		}
		m.RevokedAt = time.Now().UTC()
		f.Version++
		return *m, nil
	}
	return model.Machine{}, fmt.Errorf("machine %d: %w", id, model.ErrNotFound)
}

// ActiveMachineCounts counts every key's unrevoked machines.
func (f *FakeStore) ActiveMachineCounts(context.Context) (map[int64]int, error) {
	f.record("ActiveMachineCounts")
	f.Mu.Lock()
	defer f.Mu.Unlock()
	out := map[int64]int{}
	for _, m := range f.Machines {
		if m.KeyID != 0 && m.Active() {
			out[m.KeyID]++
		}
	}
	return out, nil
}

// ActiveMachineCount counts key keyID's unrevoked machines.
func (f *FakeStore) ActiveMachineCount(_ context.Context, keyID int64) (int, error) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	n := 0
	for _, m := range f.Machines {
		if m.KeyID == keyID && m.Active() {
			n++
		}
	}
	return n, nil
}

// KeyActivity is key keyID's activity read from f.Machines, as the store computes it: the
// newest enrollment, and the enrollments (re-enrollments too) per UTC day of the window.
func (f *FakeStore) KeyActivity(_ context.Context, keyID int64, now time.Time, days int) (model.KeyActivity, error) {
	f.record("KeyActivity %d", keyID)
	if err := model.ValidateActivityDays(days); err != nil {
		return model.KeyActivity{}, err
	}
	f.Mu.Lock()
	defer f.Mu.Unlock()
	a := model.KeyActivity{PerDay: make([]int, days)}
	from, _ := model.ActivityWindow(now, days)
	for _, m := range f.Machines {
		if m.KeyID != keyID {
			continue
		}
		if !m.EnrolledAt.Before(a.LastAt) {
			a.LastMachine, a.LastAt = m.Name, m.EnrolledAt
		}
		if i := model.ActivityDay(from, days, m.EnrolledAt); i >= 0 {
			a.PerDay[i]++
		}
	}
	return a, nil
}
