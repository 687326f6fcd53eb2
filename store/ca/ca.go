// Package ca is the certificate work of enrollment, apart from any store engine: it checks a
// machine's certificate request, signs the machine's certificate, builds revocation lists and
// the enrollment service's TLS certificate. It depends only on the standard library and model,
// and never sees where a CA's private key is kept: callers hand it a crypto.Signer.
package ca

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// MaxPEM bounds a PEM input (a request, a certificate, a key); all are a few KiB.
const MaxPEM = 64 << 10

// DefaultMachineDays is the validity of a machine certificate when none is configured.
const DefaultMachineDays = 90

// minRSABits is the smallest RSA key accepted in a request.
const minRSABits = 2048

// clockSkew backdates NotBefore so a machine whose clock runs a little behind accepts its
// certificate at once.
const clockSkew = 5 * time.Minute

// NewSerial returns a random positive 128-bit serial number.
func NewSerial() (*big.Int, error) {
	var b [16]byte
	for {
		if _, err := rand.Read(b[:]); err != nil {
			return nil, err
		}
		if n := new(big.Int).SetBytes(b[:]); n.Sign() > 0 {
			return n, nil
		}
	}
}

// SerialHex is the serial as stored and shown: upper-case hex, as openssl prints it.
func SerialHex(n *big.Int) string {
	s := strings.ToUpper(hex.EncodeToString(n.Bytes()))
	if s == "" {
		return "00"
	}
	return s
}

// ParseSerial reads what SerialHex wrote.
func ParseSerial(s string) (*big.Int, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) == 0 {
		return nil, fmt.Errorf("serial %q is not hex", s)
	}
	return new(big.Int).SetBytes(b), nil
}

// CanSign says why c cannot issue certificates at now, or nil when it can.
func CanSign(c *x509.Certificate, now time.Time) error {
	switch {
	case !c.BasicConstraintsValid || !c.IsCA:
		return errors.New("it is not a CA certificate")
	case c.KeyUsage != 0 && c.KeyUsage&x509.KeyUsageCertSign == 0:
		return errors.New("its key usage does not allow signing certificates")
	case !now.Before(c.NotAfter):
		return fmt.Errorf("it expired on %s", c.NotAfter.UTC().Format(time.DateOnly))
	case now.Before(c.NotBefore):
		return fmt.Errorf("it is not valid before %s", c.NotBefore.UTC().Format(time.DateOnly))
	}
	return nil
}

// notAfter is now plus days, never past the issuer's own NotAfter.
func notAfter(issuer *x509.Certificate, now time.Time, days int) time.Time {
	if days <= 0 {
		days = DefaultMachineDays
	}
	// Whole seconds: a certificate keeps no more, and the stored copy must equal it.
	end := now.AddDate(0, 0, days).Truncate(time.Second)
	if end.After(issuer.NotAfter) {
		end = issuer.NotAfter
	}
	return end
}

// keyID is a subject key identifier: the first 20 bytes of SHA-256 over the public key.
func keyID(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	h := crypto.SHA256.New()
	h.Write(der)
	return h.Sum(nil)[:20], nil
}

// describeKey names a public key for error messages ("ECDSA P-256", "RSA 1024").
func describeKey(pub crypto.PublicKey) string {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA %d", k.N.BitLen())
	case ed25519.PublicKey:
		return "Ed25519"
	}
	return fmt.Sprintf("%T", pub)
}

// acceptableKey is nil for the request keys we sign: ECDSA P-256/P-384, Ed25519, RSA >= 2048.
func acceptableKey(pub crypto.PublicKey) error {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if k.Curve == elliptic.P256() || k.Curve == elliptic.P384() {
			return nil
		}
	case *rsa.PublicKey:
		if k.N.BitLen() >= minRSABits {
			return nil
		}
	case ed25519.PublicKey:
		return nil
	}
	return fmt.Errorf("its key is %s; use ECDSA P-256 or P-384, Ed25519, or RSA of at least %d bits", describeKey(pub), minRSABits)
}

// onePEM decodes exactly one PEM block of one of the wanted types.
func onePEM(text string, what string, types ...string) (*pem.Block, error) {
	if len(text) > MaxPEM {
		return nil, fmt.Errorf("longer than %d KiB; a %s is a few KiB", MaxPEM>>10, what)
	}
	block, rest := pem.Decode([]byte(text))
	if block == nil {
		return nil, fmt.Errorf("no PEM block found (want -----BEGIN %s-----)", types[0])
	}
	ok := false
	for _, t := range types {
		ok = ok || block.Type == t
	}
	if !ok {
		return nil, fmt.Errorf("the PEM block is a %q, not a %s", block.Type, types[0])
	}
	if len(bytes.TrimSpace(rest)) > 0 {
		return nil, fmt.Errorf("more than one PEM block; send one %s", what)
	}
	return block, nil
}

// EncodeCerts is the PEM of certs, one block each, in order.
func EncodeCerts(certs ...*x509.Certificate) string {
	var b strings.Builder
	for _, c := range certs {
		b.Write(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
	}
	return b.String()
}

// EncodeDER is the PEM of one DER certificate.
func EncodeDER(der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// Chain is issuer followed by its parents found in pool (each checked by signature), up to a
// self-signed certificate or as far as pool reaches.
func Chain(issuer *x509.Certificate, pool []*x509.Certificate) []*x509.Certificate {
	chain := []*x509.Certificate{issuer}
	for cur := issuer; len(chain) <= len(pool); {
		if bytes.Equal(cur.RawIssuer, cur.RawSubject) && cur.CheckSignatureFrom(cur) == nil {
			break
		}
		var parent *x509.Certificate
		for _, p := range pool {
			if !p.Equal(cur) && bytes.Equal(p.RawSubject, cur.RawIssuer) && cur.CheckSignatureFrom(p) == nil {
				parent = p
				break
			}
		}
		if parent == nil {
			break
		}
		chain = append(chain, parent)
		cur = parent
	}
	return chain
}
