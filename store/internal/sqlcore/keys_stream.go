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
// KeyInserter: enough to use its prepared statements, few enough that memory stays flat.
const streamChunk = 256

// errStreamRetry refuses to run an import again: the inputs already taken from the stream
// cannot be read a second time.
var errStreamRetry = errors.New("the import met a concurrent change and stopped; nothing was imported, run it again")

// ImportKeyStream creates the keys next yields, all or none, in one transaction with one
// import audit row per key, holding at most streamChunk inputs (and the ids it gave, 8 bytes
// a key). Keys are not read back: the audit row is built from what was written
// (store.StreamedKey). Before each input is stored, the unique name and fingerprint are looked
// up (an index lookup each), so a clash is reported with the key it clashes with, and its
// position when this import stored it, without aborting the transaction.
func (x *Session) ImportKeyStream(ctx context.Context, next store.KeyStream) (int, error) {
	n, attempts := 0, 0
	err := x.Change(ctx, model.ActionImport, model.ObjectKey, 0, func(w *W) error {
		if attempts++; attempts > 1 {
			return errStreamRetry
		}
		im := streamImport{w: w, names: map[int64]string{}}
		for {
			in, err := next()
			if errors.Is(err, io.EOF) {
				return im.flush()
			}
			if err != nil {
				return err
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

// streamImport is one ImportKeyStream in progress.
type streamImport struct {
	w     *W
	ids   []int64 // the ids stored so far, in input order (ascending)
	chunk []store.NewKey
	pos   []int            // each chunk input's position in the stream
	fps   []string         // and its fingerprint ("" for a key to generate)
	names map[int64]string // group and certificate names by id (certificates negative)
	seen  map[string]int   // names (lower case) and fingerprints in the chunk: position
}

// add checks input n and queues it.
func (im *streamImport) add(n int, in model.KeyInput) error {
	w := im.w
	fail := func(err error) error { return &store.InputError{Position: n, Name: in.Name, Err: err} }
	if err := in.Validate(); err != nil {
		return fail(err)
	}
	if _, _, err := w.Resolve(in); err != nil {
		return fail(err)
	}
	fp := ""
	if in.Secret != "" {
		secret, err := store.KeySecret(in)
		if err != nil {
			return fail(err)
		}
		fp = keyformat.Fingerprint(secret)
	}
	if im.seen == nil {
		im.seen = map[string]int{}
	}
	name := "n\x00" + strings.ToLower(in.Name)
	if p, ok := im.seen[name]; ok {
		e := fail(fmt.Errorf("a key named %q %w", in.Name, model.ErrDuplicate)).(*store.InputError)
		e.Earlier, e.Clash = p, im.chunk[slices.Index(im.pos, p)].Name
		return e
	}
	if p, ok := im.seen["f\x00"+fp]; ok && fp != "" {
		e := fail(fmt.Errorf("this key is already stored (same fingerprint): %w", model.ErrDuplicate)).(*store.InputError)
		e.Earlier, e.Clash = p, im.chunk[slices.Index(im.pos, p)].Name
		return e
	}
	var id int64
	var other string
	err := w.QueryRow(w.Ctx, "SELECT id, name FROM keys WHERE "+w.d.NameIs("name")+" OR fingerprint = ?",
		w.d.NameArg(in.Name), fp).Scan(&id, &other)
	if err == nil {
		why := fmt.Errorf("this key is already stored (same fingerprint): %w", model.ErrDuplicate)
		if strings.EqualFold(other, in.Name) {
			why = fmt.Errorf("a key named %q %w", in.Name, model.ErrDuplicate)
		}
		e := fail(why).(*store.InputError)
		e.Clash = other
		if i, ok := slices.BinarySearch(im.ids, id); ok {
			e.Earlier = i + 1
		}
		return e
	}
	if err = w.MapErr(err); !errors.Is(err, model.ErrNotFound) {
		return err
	}
	im.seen[name] = n
	if fp != "" {
		im.seen["f\x00"+fp] = n
	}
	im.chunk, im.pos = append(im.chunk, store.NewKey{KeyInput: in}), append(im.pos, n)
	if len(im.chunk) == streamChunk {
		return im.flush()
	}
	return nil
}

// flush stores the queued inputs and their audit rows.
func (im *streamImport) flush() error {
	if len(im.chunk) == 0 {
		return nil
	}
	w := im.w
	err := w.X.E.InsertKeys(w, im.chunk, func(i int, id int64, secret string) error {
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
		k := store.StreamedKey(in, id, p.Host, keyformat.Fingerprint(secret), groups, certID, certName, w.X.actor.Name, w.Now)
		im.ids = append(im.ids, id)
		return w.Audit(model.ActionImport, model.ObjectKey, id, k.Name, nil, store.AuditKey(k))
	})
	if err != nil {
		return err
	}
	im.chunk, im.pos, im.seen = im.chunk[:0], im.pos[:0], nil
	return nil
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
