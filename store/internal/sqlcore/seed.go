package sqlcore

import (
	"crypto/x509"
	"encoding/pem"

	"provkeys/model"
	"provkeys/store"
)

// SystemActor is who the store's own changes (its seed, the service's TLS certificate) are
// audited as.
var SystemActor = model.Actor{Name: "provkeys", Role: model.RoleAdmin}

// SeedV1 runs inside the first migration: it records which data key seals the store's
// secrets and creates the default CAs, Root and the Client CA it signs.
func SeedV1(w *W) error {
	if _, err := w.Exec(w.Ctx, "INSERT INTO meta (key, value) VALUES ('data_key_id', ?)", w.X.E.Sealer().ID()); err != nil {
		return err
	}
	rootKey, root, err := store.NewCA(w.Now, "provkeys Root CA", nil, nil)
	if err != nil {
		return err
	}
	clientKey, client, err := store.NewCA(w.Now, "provkeys Client CA", root, rootKey)
	if err != nil {
		return err
	}
	for _, c := range []struct {
		name string
		key  any
		cert *x509.Certificate
	}{{"Root", rootKey, root}, {"Client", clientKey, client}} {
		der, err := x509.MarshalPKCS8PrivateKey(c.key)
		if err != nil {
			return err
		}
		canon := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.cert.Raw}))
		if _, err := w.InsertCert(c.name, canon, c.cert, der); err != nil {
			return err
		}
	}
	return nil
}
