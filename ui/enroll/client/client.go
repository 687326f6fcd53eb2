// Package client is the machine's side of enrollment (DESIGN §9): it makes a P-256 key and a
// certificate request on the machine, so the private key never leaves it, presents the
// provisioning key to a provkeys enrollment service (ui/enroll) and writes the key, the
// certificate and the CA chain with the one safe key-file writer. It opens no store; the
// command line's enroll command is its front.
package client

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"provkeys/ui/keyfile"
)

// enrollTimeout bounds one enrollment request, connection and TLS handshake included.
const enrollTimeout = 30 * time.Second

// Request is one enrollment: the service's enroll endpoint (https://HOST/v1/enroll), the
// provisioning key, the machine's name, and where its files go.
type Request struct {
	Endpoint, Secret, Name, OutDir string
	Force                          bool // replace the machine's own files if they exist
}

// Result is the service's answer and where the certificate was written.
type Result struct {
	Enrolled
	CertPath string
}

// Enroll claims NAME.key, NAME.crt and ca.crt in r.OutDir before asking, so that a use is
// never spent on a certificate that then cannot be written; makes the machine's key and
// request; posts them with client; and writes the three files (the key 0600, the public
// certificates 0644). Every error is a sentence for the operator of the machine.
func Enroll(ctx context.Context, client *http.Client, r Request) (Result, error) {
	base := keyfile.SafeName(r.Name)
	paths := []string{filepath.Join(r.OutDir, base+".key"), filepath.Join(r.OutDir, base+".crt"), filepath.Join(r.OutDir, "ca.crt")}
	files := make([]*keyfile.File, 0, len(paths))
	abort := func() {
		for _, f := range files {
			f.Abort()
		}
	}
	for i, p := range paths {
		// ca.crt is the same public chain for every machine enrolled into one directory: it
		// is replaced; the machine's own files only with Force.
		f, err := keyfile.Create(p, r.Force || i == 2)
		if errors.Is(err, os.ErrExist) {
			abort()
			return Result{}, fmt.Errorf("%s exists; use --force to replace it", p)
		}
		if err != nil {
			abort()
			return Result{}, fmt.Errorf("cannot write %s: %w", p, err)
		}
		files = append(files, f)
	}
	keyPEM, csrPEM, err := newMachineKey(r.Name)
	if err != nil {
		abort()
		return Result{}, err
	}
	got, err := post(ctx, client, r.Endpoint, r.Secret, r.Name, csrPEM)
	if err != nil {
		abort()
		return Result{}, err
	}
	for i, content := range []string{keyPEM, got.Certificate, got.Chain} {
		if err := files[i].Commit(strings.TrimRight(content, "\n")); err != nil {
			for _, f := range files[i+1:] {
				f.Abort()
			}
			return Result{}, fmt.Errorf("enrolled, but %w; revoke machine %s and enroll again", err, r.Name)
		}
	}
	// The certificates are public; only the key stays 0600.
	for _, p := range paths[1:] {
		_ = os.Chmod(p, 0o644)
	}
	return Result{Enrolled: got, CertPath: paths[1]}, nil
}

// NewHTTPClient trusts only the CA in caFile: the service's certificate must be issued by it.
func NewHTTPClient(caFile string) (*http.Client, error) {
	b, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("read --ca: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("--ca %s holds no PEM certificate; export it on the server with: provkeys certs export Root", caFile)
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		Proxy: http.ProxyFromEnvironment, TLSHandshakeTimeout: 10 * time.Second}
	return &http.Client{Transport: tr, Timeout: enrollTimeout}, nil
}

// newMachineKey makes the machine's P-256 key and a certificate request for name, both PEM.
func newMachineKey(name string) (keyPEM, csrPEM string, err error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", fmt.Errorf("generate the machine key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return "", "", fmt.Errorf("encode the machine key: %w", err)
	}
	csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: name}}, priv)
	if err != nil {
		return "", "", fmt.Errorf("make the certificate request: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csr})), nil
}

// Enrolled is the service's 201 answer.
type Enrolled struct {
	Machine struct {
		Name     string    `json:"name"`
		Key      string    `json:"key"`
		Serial   string    `json:"serial"`
		NotAfter time.Time `json:"not_after"`
	} `json:"machine"`
	Certificate string `json:"certificate"`
	Chain       string `json:"chain"`
}

// postEnroll sends the request and turns every refusal into one sentence.
func post(ctx context.Context, client *http.Client, endpoint, secret, name, csrPEM string) (Enrolled, error) {
	var got Enrolled
	body, _ := json.Marshal(map[string]string{"key": secret, "machine": name, "csr": csrPEM})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return got, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		var uerr x509.UnknownAuthorityError
		var herr x509.HostnameError
		switch {
		case errors.As(err, &uerr):
			return got, fmt.Errorf("the service at %s has a certificate that --ca does not sign; is it the Root CA of that server (provkeys certs export Root)?", req.URL.Host)
		case errors.As(err, &herr):
			return got, fmt.Errorf("the service's certificate is not for %s (%v); start serve with --enroll-hostname %s", req.URL.Hostname(), herr, req.URL.Hostname())
		}
		return got, fmt.Errorf("cannot reach the enrollment service: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return got, fmt.Errorf("read the service's answer: %w", err)
	}
	if resp.StatusCode != http.StatusCreated {
		var refusal struct {
			Error string `json:"error"`
		}
		msg := strings.TrimSpace(string(raw))
		if json.Unmarshal(raw, &refusal) == nil && refusal.Error != "" {
			msg = refusal.Error
		}
		if len(msg) > 300 {
			msg = msg[:300] + "…"
		}
		return got, fmt.Errorf("enrollment refused (%s): %s", resp.Status, msg)
	}
	if err := json.Unmarshal(raw, &got); err != nil || got.Certificate == "" {
		return got, fmt.Errorf("the service answered 201 without a certificate; is %s a provkeys enrollment service?", req.URL.Host)
	}
	return got, nil
}
