package postgres

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"provkeys/model"
	"provkeys/store"
)

const certCols = `c.id, c.name, c.pem, c.subject, c.issuer, c.not_after,
	(SELECT count(*) FROM keys WHERE cert_id = c.id), c.created_at, c.created_by`

func scanCert(sc scanner) (model.Cert, error) {
	var c model.Cert
	var notAfter, created time.Time
	err := sc.Scan(&c.ID, &c.Name, &c.PEM, &c.Subject, &c.Issuer, &notAfter, &c.KeyCount, &created, &c.CreatedBy)
	c.NotAfter, c.CreatedAt = notAfter.UTC(), created.UTC()
	return c, mapErr(err)
}

// ListCerts returns every signing certificate sorted by name.
func (x *session) ListCerts(ctx context.Context) ([]model.Cert, error) {
	if err := store.Authorize(x.actor, model.ActionRead); err != nil {
		return nil, err
	}
	return queryAll(ctx, x.s.pool, scanCert, "SELECT "+certCols+" FROM certs c ORDER BY lower(c.name)")
}

// CertByName returns one certificate by name (case-insensitive).
func (x *session) CertByName(ctx context.Context, name string) (model.Cert, error) {
	if err := store.Authorize(x.actor, model.ActionRead); err != nil {
		return model.Cert{}, err
	}
	c, err := scanCert(x.s.pool.QueryRow(ctx, "SELECT "+certCols+" FROM certs c WHERE lower(c.name) = lower($1)", name))
	if errors.Is(err, model.ErrNotFound) {
		return c, fmt.Errorf("signing certificate %q: %w", name, model.ErrNotFound)
	}
	return c, err
}

// ImportCert stores a PEM CA certificate under name. A PEM that is not exactly one X.509 CA
// certificate is a *model.ValidationError saying why.
func (x *session) ImportCert(ctx context.Context, name, pemText string) (model.Cert, error) {
	if err := store.Authorize(x.actor, model.ActionImport); err != nil {
		return model.Cert{}, x.refuse(ctx, model.ActionImport, model.ObjectCert, 0, err)
	}
	if err := model.ValidateName(model.FieldName, name); err != nil {
		return model.Cert{}, err
	}
	c, canon, err := store.ParseCA(pemText)
	if err != nil {
		return model.Cert{}, err
	}
	var out model.Cert
	err = x.change(ctx, model.ActionImport, model.ObjectCert, 0, func(w *writeTx) error {
		id, err := w.insertCert(name, canon, c, nil)
		if err != nil {
			return err
		}
		if out, err = scanCert(w.QueryRow(w.ctx, "SELECT "+certCols+" FROM certs c WHERE c.id = $1", id)); err != nil {
			return err
		}
		return w.audit(model.ActionImport, model.ObjectCert, id, out.Name, nil, store.AuditCert(out))
	})
	if err != nil {
		return model.Cert{}, err
	}
	return out, nil
}

// insertCert adds a certificate row; privKey (PKCS#8 DER), when given, is sealed to the row.
func (w *writeTx) insertCert(name, canon string, c *x509.Certificate, privKey []byte) (int64, error) {
	ids, err := w.nextIDs("certs", 1)
	if err != nil {
		return 0, err
	}
	id := ids[0]
	var sealed []byte
	if privKey != nil {
		sealed = w.x.s.sealer.Seal("cert", id, privKey)
	}
	_, err = w.Exec(w.ctx, `INSERT INTO certs (id, name, pem, subject, issuer, not_after, private_key,
		created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		id, name, canon, c.Subject.String(), c.Issuer.String(), c.NotAfter.UTC().Truncate(time.Microsecond),
		sealed, w.now, w.x.actor.Name)
	if err != nil {
		return 0, nameTaken(err, "signing certificate", name)
	}
	return id, nil
}

// DeleteCert deletes certificate id unless a key uses it; then the *model.InUseError names
// the keys.
func (x *session) DeleteCert(ctx context.Context, id int64) error {
	return x.change(ctx, model.ActionDelete, model.ObjectCert, id, func(w *writeTx) error {
		old, err := scanCert(w.QueryRow(w.ctx, "SELECT "+certCols+" FROM certs c WHERE c.id = $1 FOR UPDATE OF c", id))
		if err != nil {
			return notFound(err, "signing certificate", id)
		}
		users, err := w.keyNames("SELECT name FROM keys WHERE cert_id = $1 ORDER BY lower(name)", id)
		if err != nil {
			return err
		}
		if len(users) > 0 {
			return &model.InUseError{Object: fmt.Sprintf("signing certificate %q", old.Name), Users: users}
		}
		if _, err := w.Exec(w.ctx, "DELETE FROM certs WHERE id = $1", id); err != nil {
			return mapErr(err)
		}
		return w.audit(model.ActionDelete, model.ObjectCert, id, old.Name, store.AuditCert(old), nil)
	})
}
