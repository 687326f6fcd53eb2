package ca

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"

	"provkeys/model"
)

// ParseKeyPEM reads a CA's private key (PKCS#8, SEC 1 "EC PRIVATE KEY" or PKCS#1 "RSA PRIVATE
// KEY") and returns it as a signer and as PKCS#8 DER for sealing. Errors are a
// *model.ValidationError on the private key field and never quote the key.
func ParseKeyPEM(keyPEM string) (crypto.Signer, []byte, error) {
	bad := func(msg string) error { return &model.ValidationError{Field: model.FieldPrivKey, Msg: msg} }
	block, err := onePEM(keyPEM, "private key", "PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY", "ENCRYPTED PRIVATE KEY")
	if err != nil {
		return nil, nil, bad(err.Error())
	}
	if block.Type == "ENCRYPTED PRIVATE KEY" || block.Headers["Proc-Type"] != "" {
		return nil, nil, bad("the key is encrypted with a passphrase; decrypt it first (openssl pkey -in KEY -out PLAIN)")
	}
	var key any
	switch block.Type {
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	}
	if err != nil {
		return nil, nil, bad("not a readable private key (" + block.Type + ")")
	}
	signer, err := asSigner(key)
	if err != nil {
		return nil, nil, bad(err.Error())
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, bad("cannot be stored: " + err.Error())
	}
	return signer, der, nil
}

// ParsePKCS8 opens a sealed-and-unsealed PKCS#8 DER key as a signer.
func ParsePKCS8(der []byte) (crypto.Signer, error) {
	key, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("the stored CA key does not parse: %w", err)
	}
	return asSigner(key)
}

func asSigner(key any) (crypto.Signer, error) {
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		return k, nil
	case *rsa.PrivateKey:
		return k, nil
	case ed25519.PrivateKey:
		return k, nil
	}
	return nil, fmt.Errorf("a %T key cannot sign certificates here", key)
}

// CheckPair says whether key is the private key of cert.
func CheckPair(cert *x509.Certificate, key crypto.Signer) error {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	pub, ok := key.Public().(equaler)
	if !ok || !pub.Equal(cert.PublicKey) {
		return &model.ValidationError{Field: model.FieldPrivKey, Msg: "it is not the private key of this certificate"}
	}
	return nil
}

// errNoKey is returned by callers that found no private key; kept here so the sentence is one.
var errNoKey = errors.New("it was imported without its private key (verify only)")

// ErrVerifyOnly is model.ErrCannotSign for a CA stored without its private key.
func ErrVerifyOnly(caName string) error {
	return fmt.Errorf("%w: %q %v", model.ErrCannotSign, caName, errNoKey)
}
