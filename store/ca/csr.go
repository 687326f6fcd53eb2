package ca

import (
	"crypto/x509"
	"fmt"

	"provkeys/model"
)

// ParseCSR checks a machine's PEM certificate request: one PEM block, a valid signature, an
// accepted key type and a common name equal to machine (or empty). Every failure is a
// *model.ValidationError on the csr field saying what is wrong.
func ParseCSR(pemText, machine string) (*x509.CertificateRequest, error) {
	bad := func(msg string) error { return &model.ValidationError{Field: model.FieldCSR, Msg: msg} }
	block, err := onePEM(pemText, "certificate request", "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST")
	if err != nil {
		return nil, bad(err.Error())
	}
	req, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		return nil, bad("not a valid certificate request: " + err.Error())
	}
	if err := req.CheckSignature(); err != nil {
		return nil, bad("its signature does not verify (it was not signed by the key it carries)")
	}
	if err := acceptableKey(req.PublicKey); err != nil {
		return nil, bad(err.Error())
	}
	if cn := req.Subject.CommonName; cn != "" && cn != machine {
		return nil, bad(fmt.Sprintf("its common name %q is not the machine name %q (leave it empty or make them equal)", cn, machine))
	}
	return req, nil
}
