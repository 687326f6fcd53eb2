package ca

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"time"

	"provkeys/model"
)

// MachineCert is what a machine certificate is made of.
type MachineCert struct {
	Request *x509.CertificateRequest // checked by ParseCSR
	Machine string                   // becomes the CN
	Groups  []string                 // become the OUs
	Days    int                      // validity; <= 0 means DefaultMachineDays
	Now     time.Time
}

// Signed is a machine certificate as issued.
type Signed struct {
	DER      []byte
	Serial   *big.Int
	NotAfter time.Time
}

// SignMachine issues the machine's client certificate from issuer with key: CN = machine,
// OU = its groups, client-auth only, a random 128-bit serial, valid Days days but never past
// the issuer. An issuer that cannot sign is model.ErrCannotSign with the reason.
func SignMachine(issuer *x509.Certificate, key crypto.Signer, in MachineCert) (Signed, error) {
	if err := CanSign(issuer, in.Now); err != nil {
		return Signed{}, fmt.Errorf("%w: %v", model.ErrCannotSign, err)
	}
	serial, err := NewSerial()
	if err != nil {
		return Signed{}, err
	}
	ski, err := keyID(in.Request.PublicKey)
	if err != nil {
		return Signed{}, err
	}
	end := notAfter(issuer, in.Now, in.Days)
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: in.Machine, OrganizationalUnit: append([]string(nil), in.Groups...)},
		NotBefore:             in.Now.Add(-clockSkew),
		NotAfter:              end,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		SubjectKeyId:          ski,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, in.Request.PublicKey, key)
	if err != nil {
		return Signed{}, fmt.Errorf("sign the machine certificate: %w", err)
	}
	return Signed{DER: der, Serial: serial, NotAfter: end}, nil
}
