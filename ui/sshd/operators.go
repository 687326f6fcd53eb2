package sshd

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	gossh "golang.org/x/crypto/ssh"

	"provkeys/model"
)

// maxOperatorName bounds an operator's name, which lands in every audit row they cause.
const maxOperatorName = 64

// Operator is one line of the operators file: who may connect over SSH, with which key, as
// which role, and from where.
type Operator struct {
	// Name is the key's comment; it is the actor name in the audit trail.
	Name string
	// Role is what the operator may do.
	Role model.Role
	// Key is the operator's public key.
	Key gossh.PublicKey
	// From holds the line's from= address patterns; empty means any address.
	From []AddrPattern
	// NoPTY comes from no-pty or restrict (without a later pty): the operator may run
	// `export NAME` but gets no dashboard.
	NoPTY bool
	// Line is where the operator is defined, for messages.
	Line int
}

// AllowsAddr reports whether the operator may connect from addr, applying from= as OpenSSH
// does: a matching negated pattern denies, otherwise any matching pattern allows.
func (o Operator) AllowsAddr(addr net.Addr) bool {
	if len(o.From) == 0 {
		return true
	}
	ip, ok := addrIP(addr)
	if !ok {
		return false
	}
	allowed := false
	for _, p := range o.From {
		if p.match(ip) {
			if p.Negate {
				return false
			}
			allowed = true
		}
	}
	return allowed
}

// OperatorSet is one parsed operators file. It is never modified after parsing, so sessions
// can read it while a reload builds its successor.
type OperatorSet struct {
	path  string
	ops   []Operator
	byKey map[string]int // key's wire form → index in ops
	// warning is set by LoadOperators for a file others can read.
	warning string
}

// Len is the number of operators.
func (s *OperatorSet) Len() int { return len(s.ops) }

// Operators returns a copy of the operators in file order.
func (s *OperatorSet) Operators() []Operator { return append([]Operator(nil), s.ops...) }

// Lookup finds the operator whose key is key.
func (s *OperatorSet) Lookup(key gossh.PublicKey) (Operator, bool) {
	if s == nil || key == nil {
		return Operator{}, false
	}
	i, ok := s.byKey[string(key.Marshal())]
	if !ok {
		return Operator{}, false
	}
	return s.ops[i], true
}

// LoadOperators reads and parses the operators file at path. It refuses a file that group or
// others may write or another user owns, because whoever can write it can make themselves an
// admin; one that others may read loads with a Warning.
func LoadOperators(path string) (*OperatorSet, error) {
	f, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) {
			// One line: main prints errors through model.Sanitize, which drops newlines.
			return nil, fmt.Errorf("operators file %s: %w: create it with mode 0600 and one "+
				"line per operator, such as `role=admin ssh-ed25519 AAAAC3Nza... alice` or "+
				"`role=viewer ...` (the key's comment is the operator's name)", path, os.ErrNotExist)
		}
		return nil, fmt.Errorf("operators %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("operators %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("operators %s: not a regular file", path)
	}
	// As OpenSSH's StrictModes: whoever can write the file can make themselves an admin.
	if uid, ok := fileOwner(fi); ok && uid != os.Getuid() && uid != 0 {
		return nil, fmt.Errorf("operators %s: owned by uid %d, not by this server's user (uid %d) "+
			"or root, so that user could make themselves an admin: chown it and keep it mode 0600",
			path, uid, os.Getuid())
	}
	perm := fi.Mode().Perm()
	if perm&0o022 != 0 {
		return nil, fmt.Errorf("operators %s: writable by group or others (mode %#o), so anyone "+
			"could make themselves an admin: run chmod 600 %s", path, perm, path)
	}
	set, err := ParseOperators(path, f)
	if err != nil {
		return nil, err
	}
	if perm&0o044 != 0 {
		set.warning = fmt.Sprintf("the operators file is readable by group or others (mode %#o), "+
			"so they learn who the admins are: run chmod 600 %s", perm, path)
	}
	return set, nil
}

// Warning is what is wrong with the file short of refusing it (readable by others), or "".
func (s *OperatorSet) Warning() string { return s.warning }

// ParseOperators parses an operators file: one operator per line,
// `role=admin|viewer <authorized_keys line>`, with blank lines and # comments. Errors read
// "operators FILE:LINE: what is wrong" and never quote key material.
func ParseOperators(path string, r io.Reader) (*OperatorSet, error) {
	set := &OperatorSet{path: path, byKey: map[string]int{}}
	roles := map[string]Operator{} // operator name → first line naming it
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 64*1024)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		op, err := parseOperatorLine(line)
		if err != nil {
			return nil, fmt.Errorf("operators %s:%d: %w", path, n, err)
		}
		op.Line = n
		if i, dup := set.byKey[string(op.Key.Marshal())]; dup {
			return nil, fmt.Errorf("operators %s:%d: the same key is already on line %d",
				path, n, set.ops[i].Line)
		}
		if prev, ok := roles[op.Name]; ok && prev.Role != op.Role {
			return nil, fmt.Errorf("operators %s:%d: operator %s is %s here but %s on line %d",
				path, n, op.Name, op.Role, prev.Role, prev.Line)
		}
		roles[op.Name] = op
		set.byKey[string(op.Key.Marshal())] = len(set.ops)
		set.ops = append(set.ops, op)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("operators %s:%d: %w", path, n+1, err)
	}
	return set, nil
}

// parseOperatorLine parses one non-blank, non-comment line.
func parseOperatorLine(line string) (Operator, error) {
	if !utf8.ValidString(line) {
		return Operator{}, fmt.Errorf("not valid UTF-8")
	}
	first, rest := line, ""
	if i := strings.IndexAny(line, " \t"); i >= 0 {
		first, rest = line[:i], strings.TrimSpace(line[i+1:])
	}
	role, ok := strings.CutPrefix(first, "role=")
	if !ok {
		return Operator{}, fmt.Errorf("a line must start with role=admin or role=viewer")
	}
	op := Operator{Role: model.Role(role)}
	if op.Role != model.RoleAdmin && op.Role != model.RoleViewer {
		return Operator{}, fmt.Errorf("role must be admin or viewer, not %q", model.Sanitize(role))
	}
	key, comment, options, tail, err := gossh.ParseAuthorizedKey([]byte(rest))
	if err != nil {
		return Operator{}, fmt.Errorf("no valid authorized_keys entry after role=%s (%v)", role, err)
	}
	if len(bytes.TrimSpace(tail)) != 0 {
		return Operator{}, fmt.Errorf("unexpected text after the key")
	}
	if _, isCert := key.(*gossh.Certificate); isCert {
		return Operator{}, fmt.Errorf("certificates are not supported: list the plain public key")
	}
	op.Key = key
	if err := checkOperatorName(comment); err != nil {
		return Operator{}, err
	}
	op.Name = comment
	for _, o := range options {
		if err := op.applyOption(o); err != nil {
			return Operator{}, err
		}
	}
	return op, nil
}

// checkOperatorName applies the name rule: the name ends up in audit rows and logs, so it is
// one short token of ASCII letters, digits, '.', '-' and '_' — ASCII only, so that no two
// operators can look alike (a Cyrillic 'а' beside a Latin 'a'). A refused name is quoted
// with every non-ASCII byte escaped, never cleaned into a valid-looking one.
func checkOperatorName(name string) error {
	if name == "" {
		return fmt.Errorf("the key has no comment: the comment is the operator's name, " +
			"e.g. `role=admin ssh-ed25519 AAAA... alice`")
	}
	if utf8.RuneCountInString(name) > maxOperatorName {
		return fmt.Errorf("operator name is longer than %d characters", maxOperatorName)
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '.' || c == '-' || c == '_') {
			return fmt.Errorf("operator name %s may contain only ASCII letters, digits, '.', '-' "+
				"and '_'", strconv.QuoteToASCII(name))
		}
	}
	return nil
}

// applyOption honours the authorized_keys options that make sense here and refuses the rest,
// so a restriction written into the file is never silently ignored.
func (o *Operator) applyOption(opt string) error {
	name, value, hasValue := strings.Cut(opt, "=")
	switch strings.ToLower(name) {
	case "from":
		if !hasValue {
			return fmt.Errorf(`from= needs a value, e.g. from="10.0.0.0/8"`)
		}
		pats, err := parseFrom(value)
		if err != nil {
			return err
		}
		o.From = append(o.From, pats...)
	case "no-pty", "restrict":
		// As in OpenSSH, restrict includes no-pty; a later pty option lifts it.
		o.NoPTY = true
	case "pty":
		o.NoPTY = false
	case "no-port-forwarding", "no-agent-forwarding", "no-x11-forwarding", "no-user-rc":
		// The server refuses all of these for every operator already.
	default:
		return fmt.Errorf("option %q is not supported (supported: from=, no-pty, pty, restrict, "+
			"no-port-forwarding, no-agent-forwarding, no-X11-forwarding, no-user-rc)",
			model.Sanitize(name))
	}
	return nil
}
