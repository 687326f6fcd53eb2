package ca

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"net"
	"time"
)

// ServerDays is the validity of the enrollment service's TLS certificate; it is issued anew
// at every start, so it only has to outlive one run.
const ServerDays = 365

// ServerCert issues a TLS server certificate for names (host names or IP addresses) from
// issuer with key, on a fresh ECDSA P-256 key, never valid past the issuer.
func ServerCert(issuer *x509.Certificate, key crypto.Signer, names []string, now time.Time) (tls.Certificate, error) {
	if len(names) == 0 {
		return tls.Certificate{}, errors.New("the service's certificate needs at least one host name or address")
	}
	if err := CanSign(issuer, now); err != nil {
		return tls.Certificate{}, fmt.Errorf("the CA %q cannot issue the service's certificate: %v", issuer.Subject.CommonName, err)
	}
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := NewSerial()
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: names[0], Organization: []string{"provkeys"}},
		NotBefore:    now.Add(-clockSkew),
		NotAfter:     notAfter(issuer, now, ServerDays),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, &priv.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("sign the service's certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der, issuer.Raw}, PrivateKey: priv, Leaf: leaf}, nil
}
