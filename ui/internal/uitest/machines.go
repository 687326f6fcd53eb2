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
