package sshd

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui"
)

// sshTestServer is Serve running in-process on 127.0.0.1:0 with a fake store, an admin
// (alice) and a viewer (victor).
type sshTestServer struct {
	addr, dir, opsPath, hostKeyPath string
	admin, viewer                   sshTestKey
	store                           *sshFakeStore
	log                             *sshSyncBuffer
	reload                          chan os.Signal

	stopOnce sync.Once
	cancel   context.CancelFunc
	done     chan error
	err      error
}

// startSSHServer starts a server; mods adjust the configuration first. The dashboard is
// sshStubModel unless a mod sets newDashboard, so transport tests do not depend on the
// dashboard's layout.
func startSSHServer(t *testing.T, mods ...func(*Config)) *sshTestServer {
	t.Helper()
	dir := t.TempDir()
	ts := &sshTestServer{
		dir: dir, opsPath: filepath.Join(dir, "operators"),
		hostKeyPath: filepath.Join(dir, "ssh_host_ed25519"),
		admin:       sshNewSigner(t), viewer: sshNewSigner(t),
		store: newSSHFakeStore(), log: &sshSyncBuffer{}, reload: make(chan os.Signal, 1),
		done: make(chan error, 1),
	}
	sshWriteFile(t, ts.opsPath, "# test operators\n"+
		sshAuthorizedLine("admin", ts.admin.PublicKey(), "alice")+"\n\n"+
		sshAuthorizedLine("viewer", ts.viewer.PublicKey(), "victor")+"\n")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts.addr = l.Addr().String()
	cfg := Config{
		Listener: l, HostKeyPath: ts.hostKeyPath, OperatorsPath: ts.opsPath,
		Open:         func(a model.Actor) ui.Store { return ts.store.session(a) },
		Exporter:     func(a model.Actor) KeyExporter { return ts.store.session(a) },
		Log:          ts.log,
		Reload:       ts.reload,
		PollInterval: 50 * time.Millisecond,
		newDashboard: newSSHStubModel,
	}
	for _, m := range mods {
		m(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ts.cancel = cancel
	go func() { ts.done <- Serve(ctx, cfg) }()
	t.Cleanup(func() {
		if err := ts.stop(); err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return ts
}

// stop cancels Serve and waits for it to return.
func (ts *sshTestServer) stop() error {
	ts.stopOnce.Do(func() {
		ts.cancel()
		select {
		case ts.err = <-ts.done:
		case <-time.After(15 * time.Second):
			ts.err = fmt.Errorf("Serve did not return within 15s of cancel")
		}
	})
	return ts.err
}

// sshStubModel stands in for the dashboard: it shows who it runs as and the terminal size,
// copies key 1 with `c` and quits with `q`.
type sshStubModel struct {
	st    ui.Store
	actor model.Actor
	w, h  int
	note  string
}

func newSSHStubModel(st ui.Store, a model.Actor, _ ui.Options) tea.Model {
	return sshStubModel{st: st, actor: a}
}

func (m sshStubModel) Init() tea.Cmd { return nil }

func (m sshStubModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
	case ui.ActorChangedMsg:
		m.actor, m.st = msg.Actor, msg.Store
		m.note = "now " + string(msg.Actor.Role)
	case tea.KeyPressMsg:
		switch msg.String() {
		case "c":
			secret, err := m.st.ExportKey(context.Background(), 1)
			if err != nil {
				m.note = err.Error()
				return m, nil
			}
			m.note = "copied"
			return m, tea.SetClipboard(secret)
		case "q":
			return m, tea.Quit
		}
	}
	return m, nil
}

func (m sshStubModel) View() tea.View {
	v := tea.NewView(fmt.Sprintf("Keys stub name=%s role=%s size=%dx%d %s",
		m.actor.Name, m.actor.Role, m.w, m.h, m.note))
	v.AltScreen = true
	return v
}
