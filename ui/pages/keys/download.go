package keys

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/keyfile"
)

// download is the key a download prompt (and its replace question) is for. held is the
// material of a key just created, which the store may never release again.
type download struct {
	id   int64
	name string
	held string
}

// downloadCmd writes a key to path in a command: file I/O never runs in Update. Without
// replace, an existing path comes back as a question instead of being overwritten.
func downloadCmd(st ui.Store, d download, path string, replace bool) tea.Cmd {
	id, name, held := d.id, d.name, d.held
	return ui.WithStore(func(ctx context.Context) tea.Msg {
		path, err := ui.ExpandPath(path)
		if err != nil {
			return fileWrittenMsg{download: d, name: name, path: path, err: err}
		}
		if fi, serr := os.Stat(path); serr == nil && fi.IsDir() {
			path = filepath.Join(path, keyfile.SafeName(name)+".txt") // a directory gets DIR/NAME.txt
		}
		// The file is opened before the key is released: a missing directory or a refused
		// path costs no release, and only a write that then fails is audited as failed.
		f, err := keyfile.Create(path, replace)
		if errors.Is(err, fs.ErrExist) {
			return fileWrittenMsg{download: d, name: name, path: path, exists: true}
		}
		if err != nil {
			return fileWrittenMsg{download: d, name: name, path: path, err: err}
		}
		secret := held
		if secret == "" {
			if secret, err = st.ReleaseKey(ctx, id, model.ActionDownload); err != nil {
				f.Abort()
				return fileWrittenMsg{download: d, name: name, path: path, err: err}
			}
		}
		err = f.Commit(secret)
		if held != "" || err != nil {
			// A held key was never released for this download; a failed write must not
			// stand in the trail as the release's "ok" alone.
			if aerr := st.AuditKeyUse(ctx, id, model.ActionDownload, err); aerr != nil && err == nil {
				err = fmt.Errorf("the key was written, but the download was not recorded in the audit trail: %w", aerr)
			}
		}
		return fileWrittenMsg{download: d, name: name, path: path, err: err}
	})
}
