// Package ui is the dashboard's kernel, what every page shares: the Store port the dashboard
// consumes (declared here, so the dashboard never imports store; the command line passes the
// real store in), the Page contract, Env and Options, the status messages, Sentence (the one
// wording of store errors) and the formatting helpers. It holds no page and no root: those
// are ui/pages/*, ui/components/frame and ui/dash, which import ui and never the reverse.
// Every store call runs in a tea.Cmd under a timeout, and every string that came from data
// is passed through model.Sanitize before it reaches the screen.
package ui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui/keyset"
	"provkeys/ui/theme"
)

// Store is what the dashboard needs from the store, as one actor. *store.Session satisfies
// it; every method returns model sentinels (ErrNotFound, ErrDuplicate, ErrConflict,
// ErrForbidden, ErrInUse, ErrNotExportable) or *model.ValidationError.
type Store interface {
	ListKeys(ctx context.Context) ([]model.Key, error)
	// ListKeysHead is the first screenful: up to limit keys in name order, and how many
	// keys there are in all. The Keys page draws from it while the whole listing loads.
	ListKeysHead(ctx context.Context, limit int) ([]model.Key, int, error)
	// ListKeyTable is every key in the compact form the Keys page filters and sorts.
	ListKeyTable(ctx context.Context) (*model.KeyTable, error)
	Key(ctx context.Context, id int64) (model.Key, error)
	CreateKey(ctx context.Context, in model.KeyInput) (model.Key, string, error)
	// CreateKeyWithGroup creates the add wizard's new machine group and its key, both or
	// neither; an error about the group is a *model.NewGroupError.
	CreateKeyWithGroup(ctx context.Context, group model.GroupInput, in model.KeyInput) (model.Group, model.Key, string, error)
	UpdateKey(ctx context.Context, id, version int64, in model.KeyInput) (model.Key, error)
	// OverwriteKey is UpdateKey saved over a newer version on purpose, after the conflict
	// dialog showed it (version is that newer one); it is audited as an overwrite.
	OverwriteKey(ctx context.Context, id, version int64, in model.KeyInput) (model.Key, error)
	SetKeyEnabled(ctx context.Context, id, version int64, enabled bool) (model.Key, error)
	DeleteKey(ctx context.Context, id, version int64) error
	// RotateKey gives key id a new secret with every setting kept; the caller shows it once.
	RotateKey(ctx context.Context, id, version int64) (model.Key, string, error)
	RevealKey(ctx context.Context, id int64) (string, error)
	ExportKey(ctx context.Context, id int64) (string, error)
	// ReleaseKey returns a key's material audited as purpose (model.ActionReveal,
	// ActionCopy, ActionDownload): every screen audits each as itself.
	ReleaseKey(ctx context.Context, id int64, purpose model.Action) (string, error)
	// AuditKeyUse records a copy or download of material the page already holds (the key
	// shown once after creation), or a download that failed after the release.
	AuditKeyUse(ctx context.Context, id int64, purpose model.Action, failure error) error

	ListGroups(ctx context.Context) ([]model.Group, error)
	CreateGroup(ctx context.Context, in model.GroupInput) (model.Group, error)
	UpdateGroup(ctx context.Context, id, version int64, in model.GroupInput) (model.Group, error)
	// OverwriteGroup is UpdateGroup saved over a newer version on purpose, after the
	// conflict dialog showed it (version is that newer one); it is audited as an overwrite.
	OverwriteGroup(ctx context.Context, id, version int64, in model.GroupInput) (model.Group, error)
	DeleteGroup(ctx context.Context, id, version int64) error

	ListCerts(ctx context.Context) ([]model.Cert, error)
	ImportCert(ctx context.Context, name, pemText string) (model.Cert, error)
	// ImportCertWithKey is ImportCert with the CA's PEM private key, so that keys signed by
	// it can enroll machines; the key is never echoed, not even in errors.
	ImportCertWithKey(ctx context.Context, name, certPEM, keyPEM string) (model.Cert, error)
	DeleteCert(ctx context.Context, id int64) error

	ListAudit(ctx context.Context, limit int) ([]model.AuditEvent, error)

	// ListMachines is the machines enrolled with key keyID (0: all), newest first.
	ListMachines(ctx context.Context, keyID int64) ([]model.Machine, error)
	RevokeMachine(ctx context.Context, id int64) (model.Machine, error)
	// ActiveMachineCount is how many machines deleting key keyID would revoke.
	ActiveMachineCount(ctx context.Context, keyID int64) (int, error)
	// KeyActivity is key keyID's last enrollment (machine, when) and its enrollments per UTC
	// day over the days days ending with now's day, oldest first, for its expanded row.
	KeyActivity(ctx context.Context, keyID int64, now time.Time, days int) (model.KeyActivity, error)
	// ActiveMachineCounts is every key's unrevoked machines, by key id (none: absent).
	ActiveMachineCounts(ctx context.Context) (map[int64]int, error)

	ListFilters(ctx context.Context) ([]model.SavedFilter, error)
	SaveFilter(ctx context.Context, name, expr string) (model.SavedFilter, error)
	DeleteFilter(ctx context.Context, id int64) error

	// KeyColumns is the acting operator's chosen Keys columns, in order (nil: never chosen);
	// SaveKeyColumns keeps a new choice.
	KeyColumns(ctx context.Context) ([]string, error)
	SaveKeyColumns(ctx context.Context, columns []string) error

	// DataVersion changes whenever any process commits a change; the dashboard polls it.
	DataVersion(ctx context.Context) (int64, error)
}

// Options tunes the dashboard for where it runs. The zero value is ready to use.
type Options struct {
	// NativeClipboard writes the local system clipboard; nil where there is none (over SSH).
	// Copy always sends OSC 52 to the operator's terminal as well.
	NativeClipboard func(string) error

	// Now is the clock, for derived key states and "updated 5m ago"; nil means time.Now.
	// Times are shown in the location of the time it returns.
	Now func() time.Time

	// RevealTimeout is how long a revealed key stays on screen; 0 means 30 seconds.
	RevealTimeout time.Duration

	// PollInterval is how often the dashboard asks the store whether anything changed;
	// 0 means once a second.
	PollInterval time.Duration

	// Remote is true for a dashboard served over SSH (ui/sshd sets it): the operator is
	// elsewhere, so the dashboard never reads the server's files on their behalf — the
	// certificate import takes pasted PEM text instead of a path.
	Remote bool

	// Keys, when set, is shared by dashboards of one process so that they hold one listing
	// of the keys between them instead of one each (Serve sets it for its sessions).
	Keys *keyset.Cache
}

// env is what every page shares: the store, who is acting, the options and the styles.
// It is read-only after New, so commands may capture it freely.
type Env struct {
	Store  Store
	Actor  model.Actor
	Opts   Options
	Styles theme.Styles
	// tick is tea.Tick; tests that drive Update by hand replace it so timers never block.
	Tick func(time.Duration, func(time.Time) tea.Msg) tea.Cmd
}

// after delivers msg once d has passed.
func (e *Env) After(d time.Duration, msg tea.Msg) tea.Cmd {
	return e.Tick(d, func(time.Time) tea.Msg { return msg })
}

// now is the dashboard's clock.
func (e *Env) Now() time.Time { return e.Opts.Now() }

// can reports whether the actor's role allows action a; the store checks again.
func (e *Env) Can(a model.Action) bool { return e.Actor.Role.Can(a) }

// remote is true when the dashboard serves an operator over SSH, where a file written by
// "download" would land on the server rather than on the operator's machine.
func (e *Env) Remote() bool { return e.Opts.Remote || e.Actor.Remote != "" }

// newEnv is what the pages of one dashboard share, with the options' defaults filled in.
func NewEnv(st Store, actor model.Actor, opts Options) *Env {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.RevealTimeout <= 0 {
		opts.RevealTimeout = 30 * time.Second
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = time.Second
	}
	return &Env{Store: st, Actor: actor, Opts: opts, Styles: theme.Default(), Tick: tea.Tick}
}
