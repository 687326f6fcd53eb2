package store

import (
	"crypto"
	"crypto/x509"
	"fmt"
	"sync"

	"provkeys/model"
	"provkeys/store/ca"
)

// CARow is one stored certificate as CACache reads it.
type CARow struct {
	ID        int64
	Name, PEM string
}

// CAEntry is a CA certificate parsed, with its chain.
type CAEntry struct {
	Name  string
	Cert  *x509.Certificate
	Chain string // PEM: the CA itself up to its root
}

// CACache keeps parsed CA certificates and their chains, and the unsealed private keys of
// the CAs that signed, by id, for both engines. A certificate row never changes (there is no
// edit, its sealed key is written once at import, a re-import gets a new id, and neither
// engine hands an id out twice), so an entry never goes stale. Keeping a CA's key unsealed
// in memory widens nothing: the process holds the data key, which opens every one of them.
// It spares each enrollment a read of the sealed key and its parse (a scalar multiplication
// to derive the public key), about a tenth of a replica's CPU per enrollment.
type CACache struct {
	mu      sync.Mutex
	certs   map[int64]*CAEntry
	signers map[int64]crypto.Signer
}

// Get returns CA id parsed, with its chain up to the root among the stored CAs; on a miss it
// reads every stored certificate with all.
func (c *CACache) Get(id int64, all func() ([]CARow, error)) (*CAEntry, error) {
	return kept(&c.mu, &c.certs, id, func() (*CAEntry, error) {
		rows, err := all()
		if err != nil {
			return nil, err
		}
		var e *CAEntry
		var pool []*x509.Certificate
		for _, r := range rows {
			cert, _, err := ParseCA(r.PEM)
			if err != nil {
				continue // stored PEM was checked at import; a damaged row simply joins no chain
			}
			pool = append(pool, cert)
			if r.ID == id {
				e = &CAEntry{Name: r.Name, Cert: cert}
			}
		}
		if e == nil {
			return nil, fmt.Errorf("signing certificate %d: %w", id, model.ErrNotFound)
		}
		e.Chain = ca.EncodeCerts(ca.Chain(e.Cert, pool)...)
		return e, nil
	})
}

// Signer returns CA id's private key; on a miss it unseals it with open and keeps it. An
// error (a CA that can only verify, a key that does not unseal) is not kept: the next
// signature asks again and gets the same sentence.
func (c *CACache) Signer(id int64, open func() (crypto.Signer, error)) (crypto.Signer, error) {
	return kept(&c.mu, &c.signers, id, open)
}

// kept is (*m)[id], built on a miss and kept unless building it failed. Two callers that miss at
// once may both build it; either result is the same.
func kept[V any](mu *sync.Mutex, m *map[int64]V, id int64, build func() (V, error)) (V, error) {
	mu.Lock()
	v, ok := (*m)[id]
	mu.Unlock()
	if ok {
		return v, nil
	}
	v, err := build()
	if err != nil {
		return v, err
	}
	mu.Lock()
	if *m == nil {
		*m = map[int64]V{}
	}
	(*m)[id] = v
	mu.Unlock()
	return v, nil
}

// Forget drops CA id, deleted, so its key is not kept in memory for nothing. Another
// process's cache keeps it until that process ends; no key can name the deleted id again.
func (c *CACache) Forget(id int64) {
	c.mu.Lock()
	delete(c.certs, id)
	delete(c.signers, id)
	c.mu.Unlock()
}

// OpenCAKey unseals CA id's private key as stored (sealed); a CA imported without one (nil)
// is model.ErrCannotSign saying "verify only".
func (s *Sealer) OpenCAKey(id int64, name string, sealed []byte) (crypto.Signer, error) {
	if sealed == nil {
		return nil, ca.ErrVerifyOnly(name)
	}
	der, err := s.Unseal("cert", id, sealed)
	if err != nil {
		return nil, fmt.Errorf("signing certificate %q: %w: the data key %s is not the one it was sealed with, or the row was altered", name, err, s.Path())
	}
	return ca.ParsePKCS8(der)
}

// CAImport is a CA certificate and its private key checked for ImportCertWithKey: the
// certificate, its canonical PEM and the key as PKCS#8 DER, to be sealed.
type CAImport struct {
	Cert   *x509.Certificate
	Canon  string
	KeyDER []byte
}

// CheckCAImport checks a CA import's name, certificate and key, and that the key is the
// certificate's. Errors are *model.ValidationError; neither the key nor its parse errors are
// echoed.
func CheckCAImport(name, certPEM, keyPEM string) (CAImport, error) {
	if err := model.ValidateName(model.FieldName, name); err != nil {
		return CAImport{}, err
	}
	c, canon, err := ParseCA(certPEM)
	if err != nil {
		return CAImport{}, err
	}
	signer, der, err := ca.ParseKeyPEM(keyPEM)
	if err != nil {
		return CAImport{}, err
	}
	if err := ca.CheckPair(c, signer); err != nil {
		return CAImport{}, err
	}
	return CAImport{Cert: c, Canon: canon, KeyDER: der}, nil
}
