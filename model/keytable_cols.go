package model

// The accessors below read the columns the Keys view's column chooser can add, without
// building a Key.

// ExpiresMicros is key i's expiry in Unix microseconds; ok is false for a key that never
// expires.
func (t *KeyTable) ExpiresMicros(i int) (us int64, ok bool) {
	return t.expiry(i)
}

// CreatedMicros is when key i was created, in Unix microseconds.
func (t *KeyTable) CreatedMicros(i int) int64 { return t.rows[i].created }

// CreatedBy is who created key i.
func (t *KeyTable) CreatedBy(i int) string { return t.strs[t.attrs[t.rows[i].attrs].createdBy] }

// UpdatedBy is who last changed key i.
func (t *KeyTable) UpdatedBy(i int) string { return t.strs[t.attrs[t.rows[i].attrs].updatedBy] }
