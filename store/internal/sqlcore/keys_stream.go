package sqlcore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"provkeys/keyformat"
	"provkeys/model"
	"provkeys/store"
)

// streamChunk is how many inputs ImportKeyStream holds before handing them to the engine's
// KeyInserter: at most one clash query and one audit INSERT per chunk instead of one of each
// per key (each statement SQLite parses again was most of a key's cost), few enough that
// memory stays flat whatever the stream's length. Its statements hold 3 and 11 arguments an
// input, far below both engines' limits.
const streamChunk = 256

// errStreamRetry refuses to run an import again: the inputs already taken from the stream
// cannot be read a second time.
var errStreamRetry = errors.New("the import met a concurrent change and stopped; nothing was imported, run it again")

// ImportKeyStream creates the keys next yields, all or none, in one transaction with one
// import audit row per key, holding at most streamChunk inputs (and the ids it gave, 8 bytes
// a key). Keys are not read back: the audit row is built from what was written
// (store.StreamedKey). A name, fingerprint or payload used twice is found in the queued chunk
// by a map, and against the stored keys by their unique indexes (see flush), so a clash is
// reported with the key it clashes with, and its position when this import stored it,
// without aborting the transaction. The first refused input is the one reported, whichever
// check finds it.
func (x *Session) ImportKeyStream(ctx context.Context, next store.KeyStream) (int, error) {
	n, attempts := 0, 0
	err := x.Change(ctx, model.ActionImport, model.ObjectKey, 0, func(w *W) error {
		if attempts++; attempts > 1 {
			return errStreamRetry
		}
		im := streamImport{w: w, names: map[int64]string{}, seen: map[string]int{}}
		for {
			in, err := next()
			if errors.Is(err, io.EOF) {
				return im.flush()
			}
			if err != nil {
				// An input before the stream's failure may clash with a stored key: it is
				// the first refusal.
				return cmpErr(im.checkStored(), err)
			}
			n++
			if n%256 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			if err := im.add(n, in); err != nil {
				return err
			}
		}
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// cmpErr is first when there is one, else then.
func cmpErr(first, then error) error {
	if first != nil {
		return first
	}
	return then
}

// streamImport is one ImportKeyStream in progress.
type streamImport struct {
	w      *W
	ids    []int64 // the ids stored so far, in input order (ascending)
	chunk  []store.NewKey
	pos    []int            // each chunk input's position in the stream
	fps    []string         // and its fingerprint ("" for a key to generate)
	hashes [][]byte         // and its payload hash (nil for a key to generate)
	names  map[int64]string // group and certificate names by id (certificates negative)
	seen   map[string]int   // names (lower case), fingerprints and payload hashes in the chunk: position
	audit  []any            // the values of the chunk's audit rows (auditRow each), written together
}

// add checks input n and queues it. A refusal found here is reported only after the queued
// (earlier) inputs are checked against the stored keys.
func (im *streamImport) add(n int, in model.KeyInput) error {
	fail := func(err error) error {
		return cmpErr(im.checkStored(), &store.InputError{Position: n, Name: in.Name, Err: err})
	}
	if err := in.Validate(); err != nil {
		return fail(err)
	}
	if _, _, err := im.w.Resolve(in); err != nil {
		return fail(err)
	}
	var fp string
	var hash []byte
	if in.Secret != "" {
		secret, err := store.KeySecret(in)
		if err == nil {
			hash, err = store.PayloadHash(secret)
		}
		if err != nil {
			return fail(err)
		}
		fp = keyformat.Fingerprint(secret)
	}
	name := "n\x00" + strings.ToLower(in.Name)
	earlier := func(p int, why error) error {
		if err := im.checkStored(); err != nil {
			return err
		}
		return &store.InputError{Position: n, Name: in.Name, Err: why,
			Earlier: p, Clash: im.chunk[slices.Index(im.pos, p)].Name}
	}
	if p, ok := im.seen[name]; ok {
		return earlier(p, fmt.Errorf("a key named %q %w", in.Name, model.ErrDuplicate))
	}
	if p, ok := im.seen["f\x00"+fp]; ok && fp != "" {
		return earlier(p, fmt.Errorf("this key is already stored (same fingerprint): %w", model.ErrDuplicate))
	}
	if p, ok := im.seen["h\x00"+string(hash)]; ok && hash != nil {
		return earlier(p, store.HeldBy(im.chunk[slices.Index(im.pos, p)].Name))
	}
	im.seen[name] = n
	if fp != "" {
		im.seen["f\x00"+fp] = n
		im.seen["h\x00"+string(hash)] = n
	}
	im.chunk, im.pos = append(im.chunk, store.NewKey{KeyInput: in}), append(im.pos, n)
	im.fps, im.hashes = append(im.fps, fp), append(im.hashes, hash)
	if len(im.chunk) == streamChunk {
		return im.flush()
	}
	return nil
}

// checkStored looks the queued inputs' names, fingerprints and payload hashes up among the
// stored keys (earlier chunks included) in one query, and refuses the first input that
// clashes with one.
func (im *streamImport) checkStored() error {
	return im.checkFrom(0)
}

// checkFrom is checkStored for the queued inputs from the i-th on.
func (im *streamImport) checkFrom(from int) error {
	chunk := im.chunk[from:]
	if len(chunk) == 0 {
		return nil
	}
	w := im.w
	args := make([]any, 0, 3*len(chunk))
	for _, k := range chunk {
		args = append(args, w.d.NameArg(k.Name))
	}
	q := "SELECT id, name, fingerprint, payload_hash FROM keys WHERE " + w.d.NameIn("name", len(chunk))
	var fps, hashes []any
	for i := from; i < len(im.chunk); i++ {
		if im.fps[i] != "" {
			fps, hashes = append(fps, im.fps[i]), append(hashes, im.hashes[i])
		}
	}
	if len(fps) > 0 {
		marks := marks(len(fps))
		q += " OR fingerprint IN (" + marks + ") OR payload_hash IN (" + marks + ")"
		args = append(append(args, fps...), hashes...)
	}
	rows, err := w.Query(w.Ctx, q, args...)
	if err != nil {
		return w.MapErr(err)
	}
	defer rows.Close()
	var first *store.InputError
	for rows.Next() {
		var id int64
		var other, fp string
		var hash []byte
		if err := rows.Scan(&id, &other, &fp, &hash); err != nil {
			return w.MapErr(err)
		}
		if e := im.clash(from, id, other, fp, hash); e != nil && (first == nil || e.Position < first.Position) {
			first = e
		}
	}
	if err := rows.Err(); err != nil {
		return w.MapErr(err)
	}
	if first != nil {
		return first
	}
	return nil
}

// clash is the refusal of the first queued input from the from-th that clashes with the stored key id (its
// name, fingerprint and payload hash), or nil.
func (im *streamImport) clash(from int, id int64, other, fp string, hash []byte) *store.InputError {
	for i := from; i < len(im.chunk); i++ {
		k := im.chunk[i]
		var why error
		switch {
		case strings.EqualFold(other, k.Name):
			why = fmt.Errorf("a key named %q %w", k.Name, model.ErrDuplicate)
		case im.fps[i] != "" && im.fps[i] == fp:
			why = fmt.Errorf("this key is already stored (same fingerprint): %w", model.ErrDuplicate)
		case im.hashes[i] != nil && string(im.hashes[i]) == string(hash):
			why = store.HeldBy(other)
		default:
			continue
		}
		e := &store.InputError{Position: im.pos[i], Name: k.Name, Err: why, Clash: other}
		if j, ok := slices.BinarySearch(im.ids, id); ok {
			e.Earlier = j + 1 // every input before this one was stored
		}
		return e
	}
	return nil
}

// flush stores the queued inputs and their audit rows. The inputs are checked against the
// stored keys first, in one query, where a refused statement would abort the transaction
// (PostgreSQL). Where it undoes only itself (SQLite), the unique indexes check them as they
// are inserted, and the first one refused is then looked up, to name what it clashes with.
func (im *streamImport) flush() error {
	if len(im.chunk) == 0 {
		return nil
	}
	w := im.w
	if !w.d.StatementRollback {
		if err := im.checkStored(); err != nil {
			return err
		}
	}
	stored, inDone := 0, false
	err := w.X.E.InsertKeys(w, im.chunk, func(i int, id int64, secret string) error {
		inDone = true
		if err := im.stored(i, id, secret); err != nil {
			return err
		}
		stored, inDone = i+1, false
		return nil
	})
	if err != nil && !inDone && w.d.StatementRollback && errors.Is(err, model.ErrDuplicate) {
		// The input the index refused was not stored: it clashes with a key stored before.
		if ie := im.checkFrom(stored); ie != nil {
			return ie
		}
	}
	if err == nil && len(im.audit) > 0 {
		// One INSERT for the chunk's rows: Audit one by one would be a statement a key.
		_, err = w.Exec(w.Ctx, auditSQL+strings.Repeat(", "+auditRow, len(im.audit)/strings.Count(auditRow, "?")-1), im.audit...)
		err = w.MapErr(err)
	}
	if err != nil {
		return err
	}
	clear(im.chunk) // drop the inputs' strings now, not when the slot is reused
	clear(im.hashes)
	clear(im.audit)
	im.chunk, im.pos, im.fps, im.hashes, im.audit = im.chunk[:0], im.pos[:0], im.fps[:0], im.hashes[:0], im.audit[:0]
	clear(im.seen)
	return nil
}

// stored notes the i-th queued input, stored as id, and queues its audit row, built from
// what was written.
func (im *streamImport) stored(i int, id int64, secret string) error {
	w := im.w
	in := im.chunk[i].KeyInput
	certID, groupIDs, err := w.Resolve(in)
	if err != nil {
		return err
	}
	groups := make([]model.GroupRef, len(groupIDs))
	for j, g := range groupIDs {
		if groups[j].Name, err = im.name("groups", g); err != nil {
			return err
		}
		groups[j].ID = g
	}
	certName, err := im.name("certs", certID)
	if err != nil {
		return err
	}
	p, _ := keyformat.Parse(secret)
	fp := im.fps[i] // the input's key, whose fingerprint add took
	if fp == "" {   // a key generated for it
		fp = keyformat.Fingerprint(secret)
	}
	k := store.StreamedKey(in, id, p.Host, fp, groups, certID, certName, w.X.actor.Name, w.Now)
	args, err := w.auditArgs(model.ActionImport, model.ObjectKey, id, k.Name, nil, store.AuditKey(k), "ok")
	if err != nil {
		return err
	}
	im.ids = append(im.ids, id)
	im.audit = append(im.audit, args...)
	return nil
}

// marks is n comma-separated placeholders.
func marks(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// name is a group's or certificate's name by id, looked up once per import.
func (im *streamImport) name(table string, id int64) (string, error) {
	k := id
	if table == "certs" {
		k = -id - 1
	}
	if s, ok := im.names[k]; ok {
		return s, nil
	}
	var s string
	w := im.w
	if err := w.QueryRow(w.Ctx, "SELECT name FROM "+table+" WHERE id = ?", id).Scan(&s); err != nil {
		return "", fmt.Errorf("%s %d: %w", table, id, w.MapErr(err))
	}
	im.names[k] = s
	return s, nil
}
