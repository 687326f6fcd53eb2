package postgres

import (
	"context"

	"provkeys/model"
	"provkeys/store/internal/sqlcore"
)

// Enroll implements store.Enroller.Enroll (sqlcore.Enroll).
func (s *Store) Enroll(ctx context.Context, req model.EnrollRequest, certDays int) (model.Enrollment, error) {
	return sqlcore.Enroll(ctx, engine{s}, req, certDays)
}
