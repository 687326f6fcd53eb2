// Package enroll is the HTTPS enrollment service: machines present a provisioning key and a
// certificate request and get a certificate. It is a thin layer: the store behind the Store
// interface does the work in one transaction; this package parses requests, maps the store's
// typed errors to statuses, limits abuse and exports metrics. It never imports a store engine.
package enroll

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"provkeys/model"
)

// Store is what the service needs of the store.
type Store interface {
	// Enroll admits a machine; errors are model sentinels and *model.ValidationError.
	Enroll(ctx context.Context, req model.EnrollRequest, certDays int) (model.Enrollment, error)
	// CRL is CA caName's revocation list (DER); model.ErrNotFound for an unknown CA.
	CRL(ctx context.Context, caName string) ([]byte, error)
	// ServerTLS issues the service's TLS certificate for names from CA caName and returns it
	// with that CA's PEM.
	ServerTLS(ctx context.Context, caName string, names []string) (tls.Certificate, string, error)
}

// Defaults of Config.
const (
	DefaultAddr         = "127.0.0.1:8443"
	DefaultTLSCA        = "Root"
	MaxBody             = 64 << 10
	defaultRefusalRate  = 1.0 // refusals per second an address earns back
	defaultRefusalBurst = 20
	storeTimeout        = 10 * time.Second
)

// Config is the service's settings; the zero value of each field means its default.
type Config struct {
	Addr      string   // listen address; DefaultAddr
	Hostnames []string // names and addresses the TLS certificate is for; DefaultHostnames()
	TLSCA     string   // the CA that issues the TLS certificate; DefaultTLSCA
	CertDays  int      // machine certificate validity; the store's default (90)
	// RefusalRate and RefusalBurst are the token bucket per client address: each refused
	// request takes a token, and an address with none left gets 429 until it earns one back.
	RefusalRate  float64
	RefusalBurst int
	// SSHSessions, when set, is exported as the provkeys_ssh_sessions_open gauge.
	SSHSessions func() float64
	// ErrorLog receives server-side failures (never request bodies or keys); os.Stderr if nil.
	ErrorLog io.Writer
}

// DefaultHostnames is the machine's host name, localhost and 127.0.0.1.
func DefaultHostnames() []string {
	names := []string{}
	if h, err := os.Hostname(); err == nil && h != "" && h != "localhost" {
		names = append(names, h)
	}
	return append(names, "localhost", "127.0.0.1")
}

func (c Config) withDefaults() Config {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if len(c.Hostnames) == 0 {
		c.Hostnames = DefaultHostnames()
	}
	if c.TLSCA == "" {
		c.TLSCA = DefaultTLSCA
	}
	if c.RefusalRate <= 0 {
		c.RefusalRate = defaultRefusalRate
	}
	if c.RefusalBurst <= 0 {
		c.RefusalBurst = defaultRefusalBurst
	}
	if c.ErrorLog == nil {
		c.ErrorLog = os.Stderr
	}
	return c
}

// Server is a listening enrollment service.
type Server struct {
	// RootPEM is the CA that issued the TLS certificate: what clients pass to --cacert.
	RootPEM string
	// Registry holds the service's metrics (also served at /metrics).
	Registry *prometheus.Registry
	ln       net.Listener
	srv      *http.Server
}

// Listen issues the TLS certificate from the store's CA and opens the listener. Serve then
// answers requests.
func Listen(ctx context.Context, st Store, cfg Config) (*Server, error) {
	cfg = cfg.withDefaults()
	cert, rootPEM, err := st.ServerTLS(ctx, cfg.TLSCA, cfg.Hostnames)
	if err != nil {
		return nil, fmt.Errorf("enrollment service: %w", err)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("enrollment service: %w", err)
	}
	h := NewHandler(st, cfg)
	srv := &http.Server{
		Handler:           h,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       90 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}
	return &Server{RootPEM: rootPEM, Registry: h.reg, ln: ln, srv: srv}, nil
}

// RootFingerprint is "SHA256:" and the unpadded base64 SHA-256 of the CA certificate that
// issued the TLS certificate, to print at start as the SSH host key's fingerprint is.
func (s *Server) RootFingerprint() string {
	b, _ := pem.Decode([]byte(s.RootPEM))
	if b == nil {
		return ""
	}
	sum := sha256.Sum256(b.Bytes)
	return "SHA256:" + base64.RawStdEncoding.EncodeToString(sum[:])
}

// Addr is the address the service listens on (with the real port when ":0" was asked).
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Serve answers requests until ctx ends, then shuts down gracefully (5 s for requests in
// flight to finish).
func (s *Server) Serve(ctx context.Context) error {
	done := make(chan error, 1)
	go func() { done <- s.srv.ServeTLS(s.ln, "", "") }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.srv.Shutdown(sctx)
	if serr := <-done; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}

// Serve is Listen then Server.Serve: the service until ctx ends.
func Serve(ctx context.Context, st Store, cfg Config) error {
	s, err := Listen(ctx, st, cfg)
	if err != nil {
		return err
	}
	return s.Serve(ctx)
}
