package sshd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	bm "charm.land/wish/v2/bubbletea"

	"provkeys/model"
	"provkeys/ui"
)

// exportTimeout bounds the store calls of one `export NAME`.
const exportTimeout = 10 * time.Second

// maxCommandBytes bounds an exec command. The library's shell-word splitter is quadratic in
// a word's length (120 KB once cost 25 s of CPU), and no real command comes near this.
const maxCommandBytes = 4096

// maxQuotedInput bounds how much of an operator's input a message or log line repeats.
const maxQuotedInput = 64

// quoteInput is user input fit for a message or a log line: truncated, then quoted with
// every control, format (bidi) and invalid byte escaped, so it can neither reach the
// terminal raw nor read like the program's own words.
func quoteInput(s string) string {
	if utf8.RuneCountInString(s) > maxQuotedInput {
		s = string([]rune(s)[:maxQuotedInput]) + "…"
	}
	return strconv.Quote(s)
}

// opSession is a session whose operator has been established from its verified key. The
// middlewares after identify receive it in place of the plain session.
type opSession struct {
	ssh.Session
	op      Operator
	actor   model.Actor
	idled   atomic.Bool // the dashboard quit because nobody pressed a key
	stopped atomic.Bool // the dashboard quit because the server is shutting down
	// revoked says why a reload ended the session (key removed, address no longer allowed).
	revoked atomic.Pointer[string]
}

// identify establishes who the session is: the key the connection actually authenticated
// with, looked up in the operator set in force now. Nothing recorded while keys were being
// offered is consulted, and an operator removed since connecting gets no new session.
func (s *sshServer) identify(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		remote := sess.RemoteAddr().String()
		op, ok := s.ops.Current().Lookup(sess.PublicKey())
		if !ok {
			s.log.Warn("session refused", "remote", remote, "reason", "key not in operators file")
			refuse(sess, 1, "your key is not in the operators file (any more)")
			return
		}
		if !op.AllowsAddr(sess.RemoteAddr()) {
			s.log.Warn("session refused", "operator", op.Name, "remote", remote, "reason", "from=")
			refuse(sess, 1, "operator %s may not connect from %s", op.Name, addrHost(sess.RemoteAddr()))
			return
		}
		o := &opSession{Session: sess, op: op,
			actor: model.Actor{Name: op.Name, Role: op.Role, Remote: remote}}
		if !s.begin(o) {
			refuse(sess, 1, "the server is shutting down")
			return
		}
		defer s.end(o)
		kind := "dashboard"
		if sess.RawCommand() != "" {
			kind = "command"
		}
		start := time.Now()
		s.log.Info("session start", "operator", op.Name, "role", op.Role, "remote", remote, "kind", kind)
		next(o)
		switch {
		case o.idled.Load():
			fmt.Fprintf(sess.Stderr(), "provkeys: closed after %s without a key press\n", s.cfg.IdleTimeout)
		case o.stopped.Load():
			fmt.Fprintln(sess.Stderr(), "provkeys: the server is shutting down")
		case o.revoked.Load() != nil:
			fmt.Fprintf(sess.Stderr(), "provkeys: session ended: %s\n", *o.revoked.Load())
		}
		// Send the exit status before end() lets a shutdown close the connection; a no-op when
		// the handler already exited.
		_ = sess.Exit(0)
		s.log.Info("session end", "operator", op.Name, "remote", remote,
			"duration", time.Since(start).Round(time.Millisecond))
	}
}

// commands runs `export NAME` and refuses every other command and terminal-less shells, all
// before activeterm, which would refuse them with a less helpful message.
func (s *sshServer) commands(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		o := sess.(*opSession)
		_, _, hasPTY := sess.Pty()
		if raw := sess.RawCommand(); len(raw) > maxCommandBytes {
			s.log.Warn("command refused", "operator", o.op.Name, "remote", o.actor.Remote,
				"reason", "too long", "bytes", len(raw), "start", quoteInput(raw))
			refuse(sess, 2, "the command is too long (%d bytes; at most %d)", len(raw), maxCommandBytes)
			return
		}
		switch args := sess.Command(); {
		case sess.RawCommand() != "" && len(args) == 0:
			refuse(sess, 2, "cannot parse the command (unbalanced quotes?)")
		case len(args) > 0 && s.cfg.Command != nil:
			s.runCommand(o, args)
		case len(args) > 0 && args[0] == "export":
			s.export(o, args[1:])
		case len(args) > 0:
			s.log.Warn("command refused", "operator", o.op.Name, "remote", o.actor.Remote,
				"command", quoteInput(args[0]))
			refuse(sess, 1, "unknown command %s (only `export NAME`)", quoteInput(args[0]))
		case !hasPTY:
			refuse(sess, 1, "the dashboard needs a terminal: connect with ssh -t, "+
				"or run `ssh HOST export NAME` to download a key")
		case o.op.NoPTY:
			refuse(sess, 1, "your operators entry has no-pty: only `export NAME` is available")
		default:
			next(sess)
		}
	}
}

// runCommand runs one command line on the session through the configured Command.
func (s *sshServer) runCommand(sess *opSession, args []string) {
	s.log.Info("command", "operator", sess.op.Name, "remote", sess.actor.Remote,
		"command", quoteInput(args[0]))
	code := s.cfg.Command(sess.Context(), sess.actor, args, sess, sess, sess.Stderr())
	_ = sess.Exit(code)
}

// export writes one key's material to the session's stdout, for
// `ssh HOST export NAME > NAME.txt`. The store audits it, a viewer's refused attempt too.
func (s *sshServer) export(sess *opSession, args []string) {
	if len(args) == 0 {
		refuse(sess, 2, "usage: export NAME")
		return
	}
	name := strings.Join(args, " ") // `ssh HOST export web 01` arrives as two words
	logArgs := []any{"operator", sess.op.Name, "remote", sess.actor.Remote, "key", quoteInput(name)}
	if s.cfg.Exporter == nil {
		refuse(sess, 1, "export is not available on this server")
		return
	}
	ctx, cancel := context.WithTimeout(sess.Context(), exportTimeout)
	defer cancel()
	st := s.cfg.Exporter(sess.actor)
	secret := ""
	k, err := st.KeyByName(ctx, name)
	if err == nil {
		secret, err = st.ExportKey(ctx, k.ID)
	}
	switch {
	case errors.Is(err, model.ErrNotFound):
		refuse(sess, 1, "export: no key named %s", quoteInput(name))
	case errors.Is(err, model.ErrForbidden):
		s.log.Warn("export refused", logArgs...)
		refuse(sess, 1, "permission denied: %ss cannot export keys", sess.actor.Role)
		return
	case err != nil:
		refuse(sess, 1, "export: %s", model.Sanitize(ui.Sentence(err, "key "+quoteInput(name))))
	default:
		if _, err := io.WriteString(sess, secret+"\n"); err != nil {
			s.log.Warn("export interrupted", append(logArgs, "err", err)...)
			return
		}
		s.log.Info("key exported", logArgs...)
		_ = sess.Exit(0)
		return
	}
	s.log.Warn("export failed", append(logArgs, "err", err)...)
}

// program builds the session's dashboard; the bubbletea middleware runs it with the
// session's terminal size and window changes, and its output (OSC 52 copies included) goes
// to the session.
func (s *sshServer) program(sess ssh.Session) *tea.Program {
	o := sess.(*opSession)
	// Every session shares one listing of the keys per data version (keyset.Cache), and one
	// of the groups and of the certificates (sharedLists).
	m := s.cfg.newDashboard(s.open(o.actor), o.actor, ui.Options{Keys: s.keys, Remote: true})
	if m == nil {
		refuse(sess, 1, "the dashboard is not available")
		return nil
	}
	m = newIdleQuit(m, s.cfg.IdleTimeout, &o.idled)
	// The server decides when to stop; a program catching the server's own SIGINT/SIGTERM
	// would race the graceful shutdown.
	opts := append(bm.MakeOptions(sess), ui.ProgramOptions()...)
	p := tea.NewProgram(m, append(opts, tea.WithoutSignalHandler())...)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		refuse(sess, 1, "the server is shutting down")
		return nil
	}
	s.programs[o] = p
	return p
}

// begin counts a new session, unless the server is shutting down.
func (s *sshServer) begin(o *opSession) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.active++
	s.sessions[o] = struct{}{}
	if s.cfg.OpenSessions != nil {
		s.cfg.OpenSessions.Add(1)
	}
	return true
}

// end uncounts a finished session and drops its program from the shutdown list.
func (s *sshServer) end(o *opSession) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.active--
	if s.cfg.OpenSessions != nil {
		s.cfg.OpenSessions.Add(-1)
	}
	delete(s.programs, o)
	delete(s.sessions, o)
}

// refuse ends a session with one line on stderr and an exit status.
func refuse(sess ssh.Session, code int, format string, args ...any) {
	fmt.Fprintf(sess.Stderr(), format+"\n", args...)
	_ = sess.Exit(code)
}
