package sqlcore

import (
	"context"
	"crypto"
	"crypto/tls"
	"fmt"

	"provkeys/model"
	"provkeys/store"
	"provkeys/store/ca"
)

// CAID is CA name's id (case-insensitive).
func (x *Session) CAID(ctx context.Context, q Querier, name string) (int64, error) {
	d := x.E.Dialect()
	var id int64
	if err := q.QueryRow(ctx, "SELECT id FROM certs WHERE "+d.NameIs("name"), d.NameArg(name)).Scan(&id); err != nil {
		return 0, fmt.Errorf("signing certificate %q: %w", name, x.E.MapErr(err))
	}
	return id, nil
}

// CACert returns CA id parsed, with its chain up to the root among the stored CAs (the
// engine's store.CACache keeps it).
func (x *Session) CACert(ctx context.Context, q Querier, id int64) (*store.CAEntry, error) {
	return x.E.CAs().Get(id, func() ([]store.CARow, error) {
		return All(ctx, x.E, q, func(sc Row) (r store.CARow, err error) {
			return r, sc.Scan(&r.ID, &r.Name, &r.PEM)
		}, "SELECT id, name, pem FROM certs")
	})
}

// CASigner is CA id's private key, unsealed once and then kept (the engine's
// store.CACache). A CA imported without one is model.ErrCannotSign saying "verify only".
func (x *Session) CASigner(ctx context.Context, q Querier, id int64, name string) (crypto.Signer, error) {
	return x.E.CAs().Signer(id, func() (crypto.Signer, error) {
		var sealed []byte
		if err := q.QueryRow(ctx, "SELECT private_key FROM certs WHERE id = ?", id).Scan(&sealed); err != nil {
			return nil, NotFound(x.E.MapErr(err), "signing certificate", id)
		}
		return x.E.Sealer().OpenCAKey(id, name, sealed)
	})
}

// ServerTLS issues the enrollment service's TLS certificate for names from CA caName
// (normally "Root") and returns it with that CA's PEM, for clients to trust. The issue is
// audited under this session's actor (the engines use the system); the CA's key never
// leaves the store.
func (x *Session) ServerTLS(ctx context.Context, caName string, names []string) (tls.Certificate, string, error) {
	var out tls.Certificate
	var caPEM string
	err := x.Change(ctx, model.ActionIssue, model.ObjectCert, 0, func(w *W) error {
		id, err := x.CAID(ctx, w, caName)
		if err != nil {
			return err
		}
		e, err := x.CACert(ctx, w, id)
		if err != nil {
			return err
		}
		signer, err := x.CASigner(ctx, w, id, e.Name)
		if err != nil {
			return err
		}
		if out, err = ca.ServerCert(e.Cert, signer, names, w.Now); err != nil {
			return err
		}
		caPEM = ca.EncodeCerts(e.Cert)
		return w.Audit(model.ActionIssue, model.ObjectCert, id, e.Name, nil, map[string]any{
			"purpose": "enrollment service TLS", "names": names, "serial": ca.SerialHex(out.Leaf.SerialNumber)})
	})
	return out, caPEM, err
}
