package sqlcore

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
	(SELECT count(*) FROM keys WHERE cert_id = c.id), c.created_at, c.created_by,
	c.private_key IS NOT NULL`

func (x *Session) scanCert(sc Row) (model.Cert, error) {
	var c model.Cert
	var notAfter, created Time
	err := sc.Scan(&c.ID, &c.Name, &c.PEM, &c.Subject, &c.Issuer, &notAfter, &c.KeyCount, &created, &c.CreatedBy, &c.CanSign)
	c.NotAfter, c.CreatedAt = notAfter.T, created.T
	return c, x.E.MapErr(err)
}

// ListCerts returns every signing certificate sorted by name.
func (x *Session) ListCerts(ctx context.Context) ([]model.Cert, error) {
	if err := x.Authorize(model.ActionRead); err != nil {
		return nil, err
	}
	return All(ctx, x.E, x.Read(), x.scanCert, "SELECT "+certCols+" FROM certs c ORDER BY "+x.E.Dialect().ByName("c.name"))
}

// CertByName returns one certificate by name (case-insensitive).
func (x *Session) CertByName(ctx context.Context, name string) (model.Cert, error) {
	if err := x.Authorize(model.ActionRead); err != nil {
		return model.Cert{}, err
	}
	d := x.E.Dialect()
	c, err := x.scanCert(x.Read().QueryRow(ctx, "SELECT "+certCols+" FROM certs c WHERE "+d.NameIs("c.name"), d.NameArg(name)))
	if errors.Is(err, model.ErrNotFound) {
		return c, fmt.Errorf("signing certificate %q: %w", name, model.ErrNotFound)
	}
	return c, err
}

// CertCanSign reports whether CA name holds its private key (false: "verify only").
func (x *Session) CertCanSign(ctx context.Context, name string) (bool, error) {
	if err := x.Authorize(model.ActionRead); err != nil {
		return false, err
	}
	d := x.E.Dialect()
	var has bool
	err := x.E.MapErr(x.Read().QueryRow(ctx, "SELECT private_key IS NOT NULL FROM certs WHERE "+d.NameIs("name"), d.NameArg(name)).Scan(&has))
	if errors.Is(err, model.ErrNotFound) {
		return false, fmt.Errorf("signing certificate %q: %w", name, model.ErrNotFound)
	}
	return has, err
}

// ImportCert stores a PEM CA certificate under name. A PEM that is not exactly one X.509 CA
// certificate is a *model.ValidationError saying why.
func (x *Session) ImportCert(ctx context.Context, name, pemText string) (model.Cert, error) {
	if err := x.Authorize(model.ActionImport); err != nil {
		return model.Cert{}, x.Refuse(ctx, model.ActionImport, model.ObjectCert, 0, err)
	}
	if err := model.ValidateName(model.FieldName, name); err != nil {
		return model.Cert{}, err
	}
	c, canon, err := store.ParseCA(pemText)
	if err != nil {
		return model.Cert{}, err
	}
	return x.importCert(ctx, name, canon, c, nil)
}

// ImportCertWithKey stores a PEM CA certificate with its PEM private key, which is sealed like
// the generated CAs' keys, so keys signed by it can enroll machines. A key that is not the
// certificate's is a *model.ValidationError; neither the key nor its parse errors are echoed.
func (x *Session) ImportCertWithKey(ctx context.Context, name, certPEM, keyPEM string) (model.Cert, error) {
	if err := x.Authorize(model.ActionImport); err != nil {
		return model.Cert{}, x.Refuse(ctx, model.ActionImport, model.ObjectCert, 0, err)
	}
	in, err := store.CheckCAImport(name, certPEM, keyPEM)
	if err != nil {
		return model.Cert{}, err
	}
	return x.importCert(ctx, name, in.Canon, in.Cert, in.KeyDER)
}

// importCert is both imports' change: the row, read back, audited.
func (x *Session) importCert(ctx context.Context, name, canon string, c *x509.Certificate, privKey []byte) (model.Cert, error) {
	var out model.Cert
	err := x.Change(ctx, model.ActionImport, model.ObjectCert, 0, func(w *W) error {
		id, err := w.InsertCert(name, canon, c, privKey)
		if err != nil {
			return err
		}
		if out, err = x.scanCert(w.QueryRow(w.Ctx, "SELECT "+certCols+" FROM certs c WHERE c.id = ?", id)); err != nil {
			return err
		}
		return w.Audit(model.ActionImport, model.ObjectCert, id, out.Name, nil, store.AuditCert(out))
	})
	if err != nil {
		return model.Cert{}, err
	}
	return out, nil
}

// InsertCert adds a certificate row; privKey (PKCS#8 DER), when given, is sealed to the row.
func (w *W) InsertCert(name, canon string, c *x509.Certificate, privKey []byte) (int64, error) {
	ids, err := w.X.E.NextIDs(w.Ctx, w, "certs", 1)
	if err != nil {
		return 0, err
	}
	id := ids[0]
	var sealed []byte
	if privKey != nil {
		sealed = w.X.E.Sealer().Seal("cert", id, privKey)
	}
	cols, marks, args := w.d.NameCols(name)
	_, err = w.Exec(w.Ctx, `INSERT INTO certs (id, `+cols+`, pem, subject, issuer, not_after, private_key,
		created_at, created_by) VALUES (?, `+marks+`, ?, ?, ?, ?, ?, ?, ?)`,
		append(append([]any{id}, args...), canon, c.Subject.String(), c.Issuer.String(),
			c.NotAfter.UTC().Truncate(time.Microsecond), sealed, w.Now, w.X.actor.Name)...)
	if err != nil {
		return 0, w.NameTaken(err, "signing certificate", name)
	}
	return id, nil
}

// DeleteCert deletes certificate id unless a key uses it; then the *model.InUseError names
// the keys.
func (x *Session) DeleteCert(ctx context.Context, id int64) error {
	err := x.Change(ctx, model.ActionDelete, model.ObjectCert, id, func(w *W) error {
		old, err := x.scanCert(w.QueryRow(w.Ctx, "SELECT "+certCols+" FROM certs c WHERE c.id = ?"+w.d.Lock("UPDATE OF c"), id))
		if err != nil {
			return NotFound(err, "signing certificate", id)
		}
		if err := w.inUse(fmt.Sprintf("signing certificate %q", old.Name), "FROM keys k WHERE k.cert_id = ?", id); err != nil {
			return err
		}
		if _, err := w.Exec(w.Ctx, "DELETE FROM certs WHERE id = ?", id); err != nil {
			return w.MapErr(err)
		}
		return w.Audit(model.ActionDelete, model.ObjectCert, id, old.Name, store.AuditCert(old), nil)
	})
	if err == nil {
		x.E.CAs().Forget(id)
	}
	return err
}
