package sqlite

import (
	"context"

	"provkeys/model"
	"provkeys/store/internal/sqlcore"
)

// Enroll implements store.Enroller.Enroll (sqlcore.Enroll), on statements kept prepared.
func (s *Store) Enroll(ctx context.Context, req model.EnrollRequest, certDays int) (model.Enrollment, error) {
	if err := s.prepareHot(ctx); err != nil {
		return model.Enrollment{}, err
	}
	return sqlcore.Enroll(ctx, engine{s}, req, certDays)
}
