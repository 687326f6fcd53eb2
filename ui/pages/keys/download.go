package keys

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"provkeys/ui"

	tea "charm.land/bubbletea/v2"

	"provkeys/ui/keyfile"
)

// pendingDownload remembers which key an open download prompt (or its replace question) is
// for. held is the material of a key just created, which the store may never release again.
type pendingDownload struct {
	id   int64
	name string
	held string
}

// downloadCmd writes a key to path in a command: file I/O never runs in Update. Without
// replace, an existing path comes back as a question instead of being overwritten.
func downloadCmd(st ui.Store, id int64, name, path, held string, replace bool) tea.Cmd {
	return ui.WithStore(func(ctx context.Context) tea.Msg {
		path, err := ui.ExpandPath(path)
		if err != nil {
			return fileWrittenMsg{name: name, path: path, err: err}
		}
		if replace {
			err = keyfile.CheckReplaceable(path)
		} else if _, lerr := os.Lstat(path); lerr == nil {
			return fileWrittenMsg{name: name, path: path, exists: true}
		}
		if err != nil {
			return fileWrittenMsg{name: name, path: path, err: err}
		}
		secret := held
		if secret == "" {
			if secret, err = st.ExportKey(ctx, id); err != nil {
				return fileWrittenMsg{name: name, path: path, err: err}
			}
		}
		err = keyfile.Write(path, secret, replace)
		if errors.Is(err, fs.ErrExist) {
			return fileWrittenMsg{name: name, path: path, exists: true} // created meanwhile
		}
		return fileWrittenMsg{name: name, path: path, err: err}
	})
}
