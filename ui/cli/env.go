package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"provkeys/model"
	"provkeys/store"
	"provkeys/store/engine"
	"provkeys/ui"
	"provkeys/ui/cli/localconf"
)

// env is one invocation: its IO, the --db flag every command shares, and the store once a
// command opens it. Over SSH the session is given (remote) and --db and local-only commands
// are refused.
type env struct {
	ctx     context.Context
	io      IO
	out     *bufio.Writer
	dbPath  string
	keyPath string // --data-key
	// create lets this command create the store when it does not exist (writing commands).
	create bool

	// remote is set when the tree runs on an SSH session as actor, on the server's store.
	remote *remote

	st    store.Store   // opened by session(), closed by close()
	stDir string        // where the server's own files go by default: beside the SQLite file, or the data key
	sess  store.Session // the store acting as the operator
}

// remote is what an SSH session brings: who is asking, and the server's store as them.
type remote struct {
	actor model.Actor
	open  func(model.Actor) store.Session
}

// reworded is err with another text, still matching what err matches (errors.Is, As).
type reworded struct {
	text string
	err  error
}

func (r reworded) Error() string { return r.text }
func (r reworded) Unwrap() error { return r.err }

// openStore opens the store named by --db (or the default).
func (e *env) openStore() (store.Store, error) {
	opt, err := localconf.StoreOptions(e.dbPath, e.keyPath)
	if err != nil {
		return nil, fmt.Errorf("find the default database: %w", err)
	}
	opt.MustExist = !e.create
	st, err := engine.Open(e.ctx, opt)
	if err != nil {
		// Most engine errors already name the database ("open store X: …"): say it once.
		if rest, ok := strings.CutPrefix(err.Error(), "open store "); ok {
			return nil, reworded{"open database " + rest, err}
		}
		return nil, fmt.Errorf("open database %s: %w", engine.Describe(opt), err)
	}
	// Problems that do not stop the store, such as a directory others can write to.
	for _, w := range st.Warnings() {
		e.warn(w)
	}
	e.stDir = filepath.Dir(opt.DB)
	if engine.IsPostgres(opt.DB) {
		e.stDir = filepath.Dir(opt.DataKeyPath)
	}
	return st, nil
}

// session returns the store as the operator: over SSH the connected operator on the server's
// store, locally the operating-system user on the store --db names. run closes it.
func (e *env) session() (store.Session, error) {
	if e.sess != nil {
		return e.sess, nil
	}
	if e.remote != nil {
		e.sess = e.remote.open(e.remote.actor)
		return e.sess, nil
	}
	st, err := e.openStore()
	if err != nil {
		return nil, err
	}
	e.st, e.sess = st, st.Session(localconf.Actor())
	return e.sess, nil
}

// close closes the store this invocation opened, if any (never the SSH server's).
func (e *env) close() error {
	if e.st == nil {
		return nil
	}
	err := e.st.Close()
	e.st, e.sess = nil, nil
	return err
}

// warn prints one warning line on stderr.
func (e *env) warn(msg string) {
	fmt.Fprintln(e.io.Err, "provkeys: warning: "+model.Sanitize(msg))
}

// explain turns a store error about object (e.g. `key "web-01"`) into the sentence an operator
// reads (ui.Explain).
func explain(err error, object string) error { return ui.Explain(err, object) }

// keyObject, groupObject, certObject and machineObject name an object in a message. %q shows
// odd bytes as escapes, so the name can be seen for what it is.
func keyObject(name string) string     { return fmt.Sprintf("key %q", name) }
func groupObject(name string) string   { return fmt.Sprintf("machine group %q", name) }
func certObject(name string) string    { return fmt.Sprintf("signing certificate %q", name) }
func machineObject(name string) string { return fmt.Sprintf("machine %q", name) }

// listAll opens the store and lists what list returns; a failure says what was being listed.
func listAll[T any](e *env, what string, list func(store.Session, context.Context) ([]T, error)) ([]T, error) {
	s, err := e.session()
	if err != nil {
		return nil, err
	}
	items, err := list(s, e.ctx)
	return items, explain(err, what)
}

// sessionGroup opens the store and looks machine group name up in it.
func (e *env) sessionGroup(name string) (store.Session, model.Group, error) {
	return sessionLookup(e, name, e.group)
}

// sessionLookup opens the store and looks name up in it with look: the start of every
// command on one key or group.
func sessionLookup[T any](e *env, name string, look func(store.Session, string) (T, error)) (store.Session, T, error) {
	s, err := e.session()
	if err != nil {
		var zero T
		return nil, zero, err
	}
	v, err := look(s, name)
	return s, v, err
}

// key looks a key up by name.
func (e *env) key(s store.Session, name string) (model.Key, error) {
	k, err := s.KeyByName(e.ctx, name)
	return k, explain(err, keyObject(name))
}

// group looks a machine group up by name. A missing group gets the command that creates it,
// because that is what the operator has to do next.
func (e *env) group(s store.Session, name string) (model.Group, error) {
	g, err := s.GroupByName(e.ctx, name)
	if errors.Is(err, model.ErrNotFound) {
		// An impossible name gets the rule it breaks rather than advice to create it.
		if verr := model.ValidateName(model.FieldGroups, name); verr != nil {
			return g, verr
		}
		return g, fmt.Errorf("%s not found; create it with: provkeys groups add --name %s", groupObject(name), shellQuote(name))
	}
	return g, explain(err, groupObject(name))
}

// checkGroups confirms every named machine group exists before a key refers to it.
func (e *env) checkGroups(s store.Session, names []string) error {
	for _, n := range names {
		if _, err := e.group(s, n); err != nil {
			return err
		}
	}
	return nil
}

// cert looks a signing certificate up by name.
func (e *env) cert(s store.Session, name string) (model.Cert, error) {
	c, err := s.CertByName(e.ctx, name)
	return c, explain(err, certObject(name))
}

// certName resolves --cert: the named certificate, else "Client" (the one a new store
// generates), else the first by name. Keys must name their certificate (KeyInput.Validate).
func (e *env) certName(s store.Session, name string) (string, error) {
	if name != "" {
		cert, err := s.CertByName(e.ctx, name)
		if errors.Is(err, model.ErrNotFound) {
			return "", fmt.Errorf("%s not found; see: provkeys certs list", certObject(name))
		}
		return cert.Name, explain(err, certObject(name))
	}
	certs, err := s.ListCerts(e.ctx)
	if err != nil {
		return "", explain(err, "signing certificates")
	}
	if len(certs) == 0 {
		return "", errors.New("there is no signing certificate; import one with: provkeys certs import NAME FILE.pem")
	}
	for _, cert := range certs {
		if strings.EqualFold(cert.Name, "Client") {
			return cert.Name, nil
		}
	}
	return certs[0].Name, nil
}

// shellQuote quotes s for a POSIX shell when it needs it, for commands printed as advice.
func shellQuote(s string) string {
	plain := s != ""
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
