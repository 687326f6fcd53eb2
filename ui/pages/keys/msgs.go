package keys

import (
	"provkeys/model"
	"provkeys/ui/keyset"
)

// keysHeadMsg is the first screenful of keys and their number, ahead of keysLoadedMsg.
type keysHeadMsg struct {
	seq   int
	keys  []model.Key
	total int
	err   error
}

// keysLoadedMsg is the result of loading every key; seq drops stale loads. set is built in
// the command; keys (without set) is for tests.
type keysLoadedMsg struct {
	seq  int
	set  *keyset.Set
	keys []model.Key
	err  error
}

// keyChangedMsg is the result of a change to one key (create, update, toggle, delete).
type keyChangedMsg struct {
	verb string // e.g. "deleted", "enabled"
	name string
	err  error
}

// formDataMsg carries what the add and edit forms offer: certificates, groups and, for an
// edit, the key as the store has it now.
type formDataMsg struct {
	edit   bool
	key    model.Key
	certs  []model.Cert
	groups []model.Group
	err    error
}

// keyCreatedMsg is the wizard's save result. A new machine group and the key are made in
// one transaction, so a failure leaves nothing behind to retry around.
type keyCreatedMsg struct {
	key    model.Key
	secret string
	stage  string // "group" or "key": which input the store refused
	err    error
}

// keyUpdatedMsg is the edit form's save result.
type keyUpdatedMsg struct {
	key model.Key
	err error
}

// exportPurpose says what an exported secret is for.
type exportPurpose int

const (
	forCopy exportPurpose = iota
	forReveal
)

// secretMsg carries key material fetched for a copy or a reveal.
type secretMsg struct {
	purpose exportPurpose
	id      int64
	name    string
	secret  string
	err     error
}

// nativeCopiedMsg is the result of writing the system clipboard.
type nativeCopiedMsg struct {
	name string
	err  error
}

// revealTimeoutMsg hides a revealed key if it is still reveal number token.
type revealTimeoutMsg struct{ token int }

// fileWrittenMsg is a download's result. exists asks whether to replace the file.
type fileWrittenMsg struct {
	download download
	path     string
	name     string
	exists   bool
	err      error
}
