// Package sshd serves the dashboard over SSH (Serve): each operator named in the operators
// file (ParseOperators, OpenOperators) gets a session of their own running the dashboard as
// themselves, and `ssh HOST export NAME` prints a key to an admin. It imports the dashboard
// and never the reverse, so the dashboard cannot reach the server's internals.
package sshd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"charm.land/wish/v2"
	"charm.land/wish/v2/activeterm"
	bm "charm.land/wish/v2/bubbletea"
	gossh "golang.org/x/crypto/ssh"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/dash"
	"provkeys/ui/keyset"
)

// Defaults for ServeConfig's zero fields.
const (
	DefaultListen         = "127.0.0.1:2222"
	DefaultIdleTimeout    = 10 * time.Minute
	DefaultSSHIdleTimeout = 15 * time.Minute
	// DefaultHandshakeTimeout is short: until it authenticates a connection holds one of
	// the few unauthenticated slots (Startups).
	DefaultHandshakeTimeout = 10 * time.Second
	DefaultMaxSessions      = 32
	DefaultMaxPerAddr       = 8
	// shutdownGrace is how long open sessions get to restore their terminals and end.
	shutdownGrace = 5 * time.Second
)

// KeyExporter is what `ssh HOST export NAME` needs from the store, acting as one operator;
// *store.Session implements it. ExportKey checks the role and writes the audit row.
type KeyExporter interface {
	KeyByName(ctx context.Context, name string) (model.Key, error)
	ExportKey(ctx context.Context, id int64) (string, error)
}

// Config configures Serve. Zero fields take the Default… values.
type Config struct {
	// Listen is the TCP address to listen on; ignored when Listener is set.
	Listen string
	// Listener, when set, is used instead of listening on Listen (tests bind 127.0.0.1:0).
	// Serve closes it.
	Listener net.Listener
	// HostKeyPath is the server's private host key; an ed25519 key is generated there
	// (mode 0600) when the file does not exist, and reused afterwards. Required.
	HostKeyPath string
	// OperatorsPath is the operators file (see ParseOperators). Required.
	OperatorsPath string
	// Open returns the store acting as one operator; it is called once per dashboard. Required.
	Open func(model.Actor) ui.Store
	// Exporter returns the store acting as one operator for `export NAME`; nil disables export.
	// Unused when Command is set.
	Exporter func(model.Actor) KeyExporter
	// Command, when set, runs every `ssh HOST COMMAND…` (export included) as the operator on
	// the session's streams and returns its exit status: the command line's own tree, handed
	// in as a function so that the server never imports the command line.
	Command func(ctx context.Context, actor model.Actor, args []string, stdin io.Reader, stdout, stderr io.Writer) int
	// AuditSession, when set, writes an audit row for a session a reload of the operators
	// file ended or changed the role of, as actor (the operator as they were) with result.
	AuditSession func(ctx context.Context, actor model.Actor, result string) error
	// Log receives one line per connection, refusal, authentication failure and session start
	// and end; never key material. Nil discards.
	Log io.Writer
	// Reload re-reads the operators file on every value (main passes SIGHUP here). The file
	// is also polled every PollInterval.
	Reload <-chan os.Signal
	// PollInterval is how often the operators file is checked for changes.
	PollInterval time.Duration
	// IdleTimeout quits a dashboard after this long without a key press.
	IdleTimeout time.Duration
	// SSHIdleTimeout closes a connection without any traffic for this long; a backstop that
	// must be longer than IdleTimeout.
	SSHIdleTimeout time.Duration
	// HandshakeTimeout bounds the SSH handshake and authentication.
	HandshakeTimeout time.Duration
	// Startups limits connections that have not authenticated yet (OpenSSH's MaxStartups);
	// zero fields take the DefaultStartups… values.
	Startups Startups
	// MaxSessions bounds authenticated connections in total, MaxPerAddr those from one IP
	// address.
	MaxSessions, MaxPerAddr int
	// OpenSessions, when set, always holds how many sessions are open, for a metrics gauge
	// read from another goroutine (the enrollment service's /metrics).
	OpenSessions *atomic.Int64

	// newDashboard builds each session's model; New unless a test substitutes a stub.
	newDashboard func(ui.Store, model.Actor, ui.Options) tea.Model
}

func (c Config) withDefaults() (Config, error) {
	if c.HostKeyPath == "" || c.OperatorsPath == "" || c.Open == nil {
		return c, errors.New("serve: HostKeyPath, OperatorsPath and Open are required")
	}
	if c.Listen == "" {
		c.Listen = DefaultListen
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
	setDefault(&c.PollInterval, 2*time.Second)
	setDefault(&c.IdleTimeout, DefaultIdleTimeout)
	setDefault(&c.SSHIdleTimeout, max(DefaultSSHIdleTimeout, c.IdleTimeout+5*time.Minute))
	setDefault(&c.HandshakeTimeout, DefaultHandshakeTimeout)
	setDefault(&c.Startups.Start, DefaultStartupsStart)
	if c.Startups.Rate <= 0 || c.Startups.Rate > 100 { // a percentage
		c.Startups.Rate = DefaultStartupsRate
	}
	setDefault(&c.Startups.Full, max(DefaultStartupsFull, c.Startups.Start))
	setDefault(&c.MaxSessions, DefaultMaxSessions)
	setDefault(&c.MaxPerAddr, DefaultMaxPerAddr)
	if c.newDashboard == nil {
		c.newDashboard = dash.New
	}
	return c, nil
}

// setDefault gives a limit or an interval its default when it is unset: zero, or negative,
// which no limit or interval means.
func setDefault[T ~int | ~int64](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// sshServer is one running Serve.
type sshServer struct {
	cfg Config
	log *slog.Logger
	ops *Operators
	lim *connLimiter
	// startups counts the connections not yet authenticated.
	startups *startupLimiter
	// keys is the listing of the keys every dashboard of this server shares.
	keys *keyset.Cache
	// lists are the machine groups and certificates every dashboard of this server shares.
	lists sharedLists
	// refused marks, by remote address, connections refused at authentication for being over
	// the session limits, so that their end is not logged a second time as a failure.
	refused sync.Map

	mu       sync.Mutex
	closing  bool
	active   int                         // sessions between identify and their end
	programs map[*opSession]*tea.Program // running dashboards, told to quit on shutdown
	sessions map[*opSession]struct{}     // every open session, revisited on each reload
}

// Serve runs the SSH server until ctx is cancelled, then asks every dashboard to quit (which
// restores its operator's terminal), waits briefly for sessions to end and closes the rest.
// A missing or malformed operators file, or an unusable host key, is an error before
// anything is served.
func Serve(ctx context.Context, cfg Config) error {
	s, srv, l, err := newSSHServer(cfg)
	if err != nil {
		if cfg.Listener != nil {
			_ = cfg.Listener.Close()
		}
		return err
	}
	cfg = s.cfg
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	go s.ops.Watch(watchCtx, cfg.PollInterval, cfg.Reload)

	if ctx.Err() != nil {
		// Stopped before anything was served: nothing to shut down.
		_ = l.Close()
		s.log.Info("server stopped")
		return nil
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	select {
	case err := <-served:
		_ = srv.Close()
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	// Stop accepting by closing the listener, not with srv.Shutdown: charm.land/ssh's Shutdown
	// waits on WaitGroups that Serve registering its listener and a handshake finishing at
	// that moment Add to (a race the detector reports). Nothing here waits on them: Close
	// below cuts what is left, and Serve returns once its Accept fails.
	_ = l.Close()
	s.quitAll()
	s.waitSessions(shutdownGrace)
	_ = srv.Close()
	<-served
	s.log.Info("server stopped")
	return nil
}

// newSSHServer loads the operators and the host key, builds the wish server and listens.
func newSSHServer(cfg Config) (*sshServer, *ssh.Server, net.Listener, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, nil, nil, err
	}
	s := &sshServer{
		cfg:      cfg,
		log:      slog.New(slog.NewTextHandler(cfg.Log, nil)),
		lim:      newConnLimiter(cfg.MaxSessions, cfg.MaxPerAddr),
		startups: newStartupLimiter(cfg.Startups),
		keys:     keyset.NewCache(),
		programs: map[*opSession]*tea.Program{},
		sessions: map[*opSession]struct{}{},
	}
	if s.ops, err = OpenOperators(cfg.OperatorsPath, s.log); err != nil {
		return nil, nil, nil, err
	}
	s.ops.onReload = s.revisit
	hostKey, fingerprint, err := loadOrCreateHostKey(cfg.HostKeyPath, s.log)
	if err != nil {
		return nil, nil, nil, err
	}
	srv, err := wish.NewServer(
		wish.WithHostKeyPEM(hostKey),
		wish.WithVersion("provkeys"),
		// Public-key authentication only: with no handler at all the library lets everyone
		// in, and password and keyboard-interactive handlers are deliberately never set.
		wish.WithPublicKeyAuth(s.authorize),
		// The last middleware runs first: identify, then commands, then the dashboard.
		wish.WithMiddleware(
			bm.MiddlewareWithProgramHandler(s.program),
			activeterm.Middleware(),
			s.commands,
			s.identify,
		),
		s.hardening,
	)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("serve: %w", err)
	}
	l := cfg.Listener
	if l == nil {
		if l, err = net.Listen("tcp", cfg.Listen); err != nil {
			return nil, nil, nil, fmt.Errorf("serve: %w", err)
		}
	}
	if s.ops.Current().Len() == 0 {
		s.log.Warn("the operators file lists nobody: no one can log in", "path", cfg.OperatorsPath)
	}
	s.log.Info("serving over SSH", "addr", l.Addr().String(), "host_key", fingerprint,
		"operators", s.ops.Current().Len())
	return s, srv, l, nil
}

// hardening sets what the wish options do not cover: timeouts, connection limits, logging
// hooks, and explicit refusals of every kind of forwarding.
func (s *sshServer) hardening(srv *ssh.Server) error {
	srv.HandshakeTimeout = s.cfg.HandshakeTimeout
	srv.IdleTimeout = s.cfg.SSHIdleTimeout
	srv.ConnCallback = s.admit
	srv.ServerConfigCallback = s.serverConfig
	srv.ConnectionFailedCallback = s.connFailed
	srv.ConnectionCloseCallback = func(c net.Conn) {
		if _, refused := s.refused.Load(c.RemoteAddr().String()); !refused {
			s.log.Info("connection closed", "remote", c.RemoteAddr().String())
		}
		s.refused.Delete(c.RemoteAddr().String())
	}
	srv.LocalPortForwardingCallback = func(ssh.Context, string, uint32) bool { return false }
	srv.ReversePortForwardingCallback = func(ssh.Context, string, uint32) bool { return false }
	srv.ChannelHandlers = map[string]ssh.ChannelHandler{
		"session":                        s.sessionChannel,
		"direct-tcpip":                   s.refuseForwardChannel,
		"direct-streamlocal@openssh.com": s.refuseForwardChannel,
	}
	srv.RequestHandlers = map[string]ssh.RequestHandler{
		"tcpip-forward":                   s.refuseForwardRequest,
		"streamlocal-forward@openssh.com": s.refuseForwardRequest,
	}
	srv.SubsystemHandlers = map[string]ssh.SubsystemHandler{} // no sftp, no anything
	return nil
}

// authorize is the public-key callback. It runs for keys merely offered as well as for the
// one that signs, so it only answers yes or no and records nothing: the session looks its
// verified key up again (CVE-2024-45337).
func (s *sshServer) authorize(ctx ssh.Context, key ssh.PublicKey) bool {
	op, ok := s.ops.Current().Lookup(key)
	return ok && op.AllowsAddr(ctx.RemoteAddr())
}

// connFailed logs a connection that never got a session: failed authentication, handshake
// timeout, or a scanner.
func (s *sshServer) connFailed(c net.Conn, err error) {
	if _, refused := s.refused.Load(c.RemoteAddr().String()); refused {
		return // logged as refused already
	}
	msg := "connection failed"
	var authErr *gossh.ServerAuthError
	if errors.As(err, &authErr) {
		msg = "authentication failed"
	}
	s.log.Warn(msg, "remote", c.RemoteAddr().String(), "err", err)
}

// quitAll tells every running dashboard to quit, and refuses new ones from now on.
func (s *sshServer) quitAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closing = true
	for o, p := range s.programs {
		o.stopped.Store(true)
		p.Quit()
	}
}

// waitSessions waits until no session is left or the time is up.
func (s *sshServer) waitSessions(limit time.Duration) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		n := s.active
		s.mu.Unlock()
		if n == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}
