package ca

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"testing"
)

// BenchmarkCheckAndSign is the bare cost of one enrollment's cryptography: check a P-256
// request (parse and signature) and sign the machine certificate with a P-256 CA, as the
// generated CAs are.
func BenchmarkCheckAndSign(b *testing.B) {
	root, rootKey := testCA(b, "Root", nil, nil, 10)
	client, clientKey := testCA(b, "Client", root, rootKey, 1)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	csr := csrPEM(b, key, "web-01")
	groups := []string{"Servers"}
	b.ReportAllocs()
	for b.Loop() {
		req, err := ParseCSR(csr, "web-01")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := SignMachine(client, clientKey, MachineCert{Request: req, Machine: "web-01", Groups: groups, Now: now}); err != nil {
			b.Fatal(err)
		}
	}
}
