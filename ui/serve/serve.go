// Package serve is `provkeys serve`: the SSH server (ui/sshd) and the HTTPS enrollment
// service (ui/enroll) in one process on one store, until the context ends; SIGHUP re-reads
// the operators file, and either server failing stops both. The command line parses the
// flags and hands over the store and the command tree the SSH server runs.
package serve

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"provkeys/model"
	"provkeys/store"
	"provkeys/ui"
	"provkeys/ui/enroll"
	"provkeys/ui/sshd"
)

// Config is what Run serves: the SSH server's addresses and files (its store hooks are
// filled from the store by SSHConfig), and the enrollment service's, nil for none.
type Config struct {
	SSH    sshd.Config
	Enroll *enroll.Config
	Log    io.Writer // both servers' log lines
}

// SSHConfig is what the SSH server takes from the store: each operator's session of it for
// the dashboard, exports and commands (run by command), and the audit row for a session a
// reload of the operators file ended or demoted.
func SSHConfig(st store.Store, command func(ctx context.Context, actor model.Actor, args []string, stdin io.Reader, stdout, stderr io.Writer) int) sshd.Config {
	return sshd.Config{
		Open:     func(a model.Actor) ui.Store { return st.Session(a) },
		Exporter: func(a model.Actor) sshd.KeyExporter { return st.Session(a) },
		Command:  command,
		AuditSession: func(ctx context.Context, a model.Actor, result string) error {
			return st.Session(a).AuditEvent(ctx, model.ActionSession, model.ObjectSession, a.Name, result)
		},
	}
}

// Run serves until ctx ends or a server fails.
func Run(ctx context.Context, st store.Store, cfg Config) error {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	sessions := new(atomic.Int64)
	var enr *enroll.Server
	if cfg.Enroll != nil {
		ec := *cfg.Enroll
		ec.ErrorLog = cfg.Log
		ec.SSHSessions = func() float64 { return float64(sessions.Load()) }
		var err error
		if enr, err = enroll.Listen(ctx, st, ec); err != nil {
			return err
		}
		// The same key=value line the SSH server writes for its host key, so an operator
		// pins both the same way.
		slog.New(slog.NewTextHandler(cfg.Log, nil)).Info("serving enrollments over HTTPS",
			"addr", enr.Addr().String(), "root_ca", enr.RootFingerprint(), "names", strings.Join(ec.Hostnames, ","))
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	var wg sync.WaitGroup
	var enrErr error
	if enr != nil {
		wg.Go(func() {
			if enrErr = enr.Serve(ctx); enrErr != nil {
				stop()
			}
		})
	}
	sc := cfg.SSH
	sc.Log, sc.Reload, sc.OpenSessions = cfg.Log, hup, sessions
	sshErr := sshd.Serve(ctx, sc)
	stop()
	wg.Wait()
	if sshErr != nil {
		return sshErr
	}
	if enrErr != nil {
		return fmt.Errorf("enrollment service: %w", enrErr)
	}
	return nil
}
