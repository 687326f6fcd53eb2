package cli

import (
	"bytes"
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
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"provkeys/model"
	"provkeys/ui/keyfile"
)

// enrollTimeout bounds one enrollment request, connection and TLS handshake included.
const enrollTimeout = 30 * time.Second

// enrollCmd is the machine's side of enrollment (DESIGN §9): it makes a P-256 key and a
// certificate request here, so the private key never leaves the machine, presents the
// provisioning key to the service and writes NAME.key (0600), NAME.crt and ca.crt to --out.
// It opens no store.
func enrollCmd(e *env) *cobra.Command {
	var server, caFile, keyFile, name, outDir string
	var force bool
	c := leaf(e, "enroll --server URL --ca FILE --key-file FILE --name NAME [--out DIR]",
		"enroll this machine: get a certificate from a provkeys service with a provisioning key", takes(),
		func(e *env, _ *cobra.Command, _ []string) error {
			for flag, v := range map[string]string{"--server": server, "--ca": caFile, "--key-file": keyFile, "--name": name} {
				if v == "" {
					return usagef("enroll: %s is required; see provkeys enroll --help", flag)
				}
			}
			if err := model.ValidateName(model.FieldMachine, name); err != nil {
				return usagef("enroll: --name: %v", err)
			}
			endpoint, err := enrollURL(server)
			if err != nil {
				return err
			}
			client, err := e.enrollClient(caFile)
			if err != nil {
				return err
			}
			secret, err := e.readProvisioningKey(keyFile)
			if err != nil {
				return err
			}
			// Claim the three files before asking: a use is never spent on a certificate
			// that then cannot be written.
			base := keyfile.SafeName(name)
			paths := []string{filepath.Join(outDir, base+".key"), filepath.Join(outDir, base+".crt"), filepath.Join(outDir, "ca.crt")}
			files := make([]*keyfile.File, 0, len(paths))
			abort := func() {
				for _, f := range files {
					f.Abort()
				}
			}
			for i, p := range paths {
				// ca.crt is the same public chain for every machine enrolled into one
				// directory: it is replaced; the machine's own files only with --force.
				f, err := keyfile.Create(p, force || i == 2)
				if errors.Is(err, os.ErrExist) {
					abort()
					return fmt.Errorf("%s exists; use --force to replace it", p)
				}
				if err != nil {
					abort()
					return fmt.Errorf("cannot write %s: %w", p, err)
				}
				files = append(files, f)
			}
			keyPEM, csrPEM, err := newMachineKey(name)
			if err != nil {
				abort()
				return err
			}
			got, err := postEnroll(e, client, endpoint, secret, name, csrPEM)
			if err != nil {
				abort()
				return err
			}
			for i, content := range []string{keyPEM, got.Certificate, got.Chain} {
				if err := files[i].Commit(strings.TrimRight(content, "\n")); err != nil {
					for _, f := range files[i+1:] {
						f.Abort()
					}
					return fmt.Errorf("enrolled, but %w; revoke machine %s and enroll again", err, name)
				}
			}
			// The certificates are public; only the key stays 0600.
			for _, p := range paths[1:] {
				_ = os.Chmod(p, 0o644)
			}
			fmt.Fprintf(e.out, "Enrolled %s with key %s: certificate %s (serial %s, expires %s).\n",
				model.Sanitize(got.Machine.Name), model.Sanitize(got.Machine.Key), model.Sanitize(paths[1]),
				model.Sanitize(got.Machine.Serial), humanTime(got.Machine.NotAfter))
			return nil
		})
	f := c.Flags()
	f.StringVar(&server, "server", "", "the enrollment service, `URL` https://HOST:8443")
	f.StringVar(&caFile, "ca", "", "the Root CA certificate `FILE` to trust the service by (provkeys certs export Root)")
	f.StringVar(&keyFile, "key-file", "", "the `FILE` holding the provisioning key (- reads standard input)")
	f.StringVar(&name, "name", "", "this machine's `NAME`")
	f.StringVar(&outDir, "out", ".", "the `DIR` to write NAME.key, NAME.crt and ca.crt to")
	f.BoolVar(&force, "force", false, "replace the files if they exist (never through a symbolic link)")
	_ = c.MarkFlagFilename("ca", "pem", "crt")
	_ = c.MarkFlagFilename("key-file")
	_ = c.MarkFlagDirname("out")
	c.Annotations = map[string]string{localOnly: "true"}
	return c
}

// enrollURL is the enroll endpoint of server, which must be an https URL with a host.
func enrollURL(server string) (string, error) {
	u, err := url.Parse(server)
	if err != nil || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return "", usagef("enroll: --server must be a URL such as https://HOST:8443, not %q", server)
	}
	if u.Scheme != "https" {
		return "", usagef("enroll: --server must use https (the provisioning key travels in the request), not %q", u.Scheme)
	}
	return "https://" + u.Host + "/v1/enroll", nil
}

// enrollClient trusts only the CA in caFile: the service's certificate must be issued by it.
func (e *env) enrollClient(caFile string) (*http.Client, error) {
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

// readProvisioningKey reads the key from path (or standard input for "-"), first line only.
func (e *env) readProvisioningKey(path string) (string, error) {
	var b []byte
	var err error
	if path == "-" {
		b, err = readInput(e.ctx, e.io.In, 64<<10)
	} else {
		var f *os.File
		if f, err = os.Open(path); err == nil {
			b, err = readInput(e.ctx, f, 64<<10)
			f.Close()
		}
	}
	if err != nil {
		return "", fmt.Errorf("read --key-file: %w", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	if line = strings.TrimSpace(line); line == "" {
		return "", fmt.Errorf("--key-file %s is empty; it must hold the provisioning key", path)
	}
	return line, nil
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

// enrolled is the service's 201 answer.
type enrolled struct {
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
func postEnroll(e *env, client *http.Client, endpoint, secret, name, csrPEM string) (enrolled, error) {
	var got enrolled
	body, _ := json.Marshal(map[string]string{"key": secret, "machine": name, "csr": csrPEM})
	req, err := http.NewRequestWithContext(e.ctx, http.MethodPost, endpoint, bytes.NewReader(body))
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
