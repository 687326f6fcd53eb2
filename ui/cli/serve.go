package cli

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime/debug"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/spf13/cobra"

	"provkeys/store"
	"provkeys/store/ca"
	demodata "provkeys/store/demo"
	"provkeys/ui"
	"provkeys/ui/dash"
	"provkeys/ui/enroll"
	"provkeys/ui/serve"
	"provkeys/ui/sshd"
)

// localOnly marks a command that cannot run on an SSH session: it starts a server, writes
// sample data in bulk or prints shell scripts for this machine.
const localOnly = "local-only"

// dashboard opens the dashboard on this terminal as the local operator.
func dashboard(e *env, _ *cobra.Command) error {
	// Bubble Tea on a pipe would garble both ends; say what to use instead.
	if !isTerminal(e.io.In) || !isTerminal(e.io.Out) {
		return errors.New("the dashboard needs a terminal on standard input and output; for scripts use a command such as 'provkeys keys list' (see provkeys --help)")
	}
	s, err := e.session()
	if err != nil {
		return err
	}
	opts := ui.Options{NativeClipboard: ui.NativeClipboard()}
	p := tea.NewProgram(dash.New(s, s.Actor(), opts), append(ui.ProgramOptions(),
		tea.WithInput(e.io.In), tea.WithOutput(e.io.Out), tea.WithContext(e.ctx))...)
	if _, err := p.Run(); err != nil {
		if errors.Is(err, tea.ErrInterrupted) || errors.Is(err, tea.ErrProgramKilled) {
			return errors.New("interrupted")
		}
		return fmt.Errorf("dashboard: %w", err)
	}
	return nil
}

// maxDemoKeys caps demo --keys without --force: a mistyped N (a killed run of a huge one
// left 4.3 million keys in a live store) must not fill a store unasked.
const maxDemoKeys = 2_000_000

func demoCmd(e *env) *cobra.Command {
	var n int
	var yes, force bool
	c := leaf(e, "demo [--keys N] [--yes] [--force]", "fill the store with realistic sample data", takes(),
		func(e *env, _ *cobra.Command, _ []string) error {
			if n < 1 {
				return usagef("--keys must be 1 or more")
			}
			if n > maxDemoKeys && !force {
				return usagef("--keys %d is more than %d; add --force to add that many", n, maxDemoKeys)
			}
			s, err := e.session()
			if err != nil {
				return err
			}
			// Demo data goes into an empty store; a store with keys is asked about first.
			if _, have, err := s.ListKeysHead(e.ctx, 0); err != nil {
				return explain(err, "the store")
			} else if have > 0 {
				q := fmt.Sprintf("The store already holds %s; add %s of demo data to it?", plural(have, "key"), plural(n, "key"))
				if err := e.confirm("demo", yes, q); err != nil {
					return err
				}
			}
			var progress func(done, total int) // nil: Demo reports to no one
			if isTerminal(e.io.Err) {
				progress = e.progressLine("demo")
				defer fmt.Fprint(e.io.Err, "\r\x1b[K")
			}
			start := time.Now()
			if err := demodata.Fill(e.ctx, s, n, progress); err != nil {
				return explain(err, "the demo data")
			}
			fmt.Fprintf(e.out, "Added %s of demo data in %s.\n", plural(n, "key"), time.Since(start).Round(time.Millisecond))
			return nil
		})
	c.Flags().IntVar(&n, "keys", 200, "how many sample keys to add, `N`")
	c.Flags().BoolVar(&yes, "yes", false, "add to a store that already has keys without asking")
	c.Flags().BoolVar(&force, "force", false, fmt.Sprintf("allow --keys over %d", maxDemoKeys))
	c.Annotations = map[string]string{localOnly: "true"}
	return c
}

// serveCmd runs the SSH server and the HTTPS enrollment service (ui/serve), in one process
// on one store, until the context ends (SIGINT or SIGTERM). Commands sent over SSH run this
// same command tree as the operator.
func serveCmd(e *env) *cobra.Command {
	var listen, hostKey, operators, enrollListen string
	var hostnames []string
	var certDays, refusalBurst int
	c := leaf(e, "serve [--listen ADDR] [--host-key PATH] [--operators PATH] [--enroll-listen ADDR|off]", "serve the dashboard to operators over SSH and enrollments to machines over HTTPS", takes(),
		func(e *env, _ *cobra.Command, _ []string) error {
			if certDays < 1 {
				return usagef("--machine-cert-days must be 1 or more")
			}
			if refusalBurst < 1 {
				return usagef("--enroll-refusal-burst must be 1 or more")
			}
			if _, err := e.session(); err != nil {
				return err
			}
			st := e.st
			dir := e.stDir
			if hostKey == "" {
				hostKey = filepath.Join(dir, "ssh_host_ed25519")
			}
			if operators == "" {
				operators = filepath.Join(dir, "operators")
			}
			if len(hostnames) == 0 {
				hostnames = enroll.DefaultHostnames()
			}
			cfg := serve.Config{SSH: serverConfig(st), Log: e.io.Err}
			cfg.SSH.Listen, cfg.SSH.HostKeyPath, cfg.SSH.OperatorsPath = listen, hostKey, operators
			if enrollListen != "off" {
				cfg.Enroll = &enroll.Config{Addr: enrollListen, Hostnames: hostnames, CertDays: certDays, RefusalBurst: refusalBurst}
			}
			return serve.Run(e.ctx, st, cfg)
		})
	c.Flags().StringVar(&listen, "listen", sshd.DefaultListen, "the `ADDR` to listen on for SSH")
	c.Flags().StringVar(&hostKey, "host-key", "", "the SSH host key `PATH` (default: ssh_host_ed25519 beside the database; generated on first start)")
	c.Flags().StringVar(&operators, "operators", "", "the operators file `PATH` (default: operators beside the database)")
	c.Flags().StringVar(&enrollListen, "enroll-listen", enroll.DefaultAddr, "the `ADDR` machines enroll at over HTTPS, or off")
	c.Flags().StringArrayVar(&hostnames, "enroll-hostname", nil, "a `NAME` or address the enrollment service's certificate is for (repeat; default: this host's name, localhost, 127.0.0.1)")
	c.Flags().IntVar(&certDays, "machine-cert-days", ca.DefaultMachineDays, "how many `DAYS` a machine certificate is valid (never past its CA)")
	c.Flags().IntVar(&refusalBurst, "enroll-refusal-burst", 20, "how many refused enrollments one client address may have in a burst, `N`, before it waits (one more a second); raise it behind a load balancer, where every machine has its address")
	c.Annotations = map[string]string{localOnly: "true"}
	return c
}

// serverConfig is the SSH server's store hooks, commands running this command tree.
func serverConfig(st store.Store) sshd.Config { return serve.SSHConfig(st, SessionRunner(st.Session)) }

func versionCmd(e *env) *cobra.Command {
	return leaf(e, "version", "print the version", takes(), func(e *env, _ *cobra.Command, _ []string) error {
		line := "provkeys " + Version
		if info, ok := debug.ReadBuildInfo(); ok {
			var rev, dirty string
			for _, s := range info.Settings {
				switch {
				case s.Key == "vcs.revision":
					rev = s.Value[:min(12, len(s.Value))]
				case s.Key == "vcs.modified" && s.Value == "true":
					dirty = ", modified"
				}
			}
			if rev != "" {
				line += " (" + rev + dirty + ")"
			}
		}
		fmt.Fprintln(e.out, line)
		return nil
	})
}
