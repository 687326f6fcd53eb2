// Package localconf is the configuration of a command run on this machine (not over SSH):
// where the store and its data key are, from the flags, the environment and the XDG base
// directories, and who the local operator is. The command line resolves it and hands the
// engine only what to open.
package localconf

import (
	"cmp"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"

	"provkeys/model"
	"provkeys/store/engine"
)

// DBDefaultText says where the database is when --db is not given.
const DBDefaultText = "$PROVKEYS_DB, else $XDG_DATA_HOME/provkeys/provkeys.db"

// StoreOptions resolves where the store and its data key are: the database is dbFlag, else
// $PROVKEYS_DB, else $XDG_DATA_HOME/provkeys/provkeys.db (XDG_DATA_HOME defaulting to
// ~/.local/share); a PostgreSQL URL or connection string (engine.IsPostgres) is kept as
// given, a SQLite path made absolute. The data key is keyFlag, else $PROVKEYS_DATA_KEY, else
// "<database>.key" beside a SQLite file (PostgreSQL has no default: the key must not live
// with the database). The caller resolves configuration; the engine only opens what it is
// given.
func StoreOptions(dbFlag, keyFlag string) (engine.Options, error) {
	path := cmp.Or(dbFlag, os.Getenv("PROVKEYS_DB"))
	key := cmp.Or(keyFlag, os.Getenv("PROVKEYS_DATA_KEY"))
	if engine.IsPostgres(path) {
		return engine.Options{DB: path, DataKeyPath: key}, nil
	}
	if path == "" {
		// The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
		if d := os.Getenv("XDG_DATA_HOME"); d != "" && filepath.IsAbs(d) {
			path = filepath.Join(d, "provkeys", "provkeys.db")
		} else {
			home, err := os.UserHomeDir()
			if err != nil {
				return engine.Options{}, fmt.Errorf("find the default store: %w (set PROVKEYS_DB or use --db)", err)
			}
			path = filepath.Join(home, ".local", "share", "provkeys", "provkeys.db")
		}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return engine.Options{}, fmt.Errorf("open store %s: %w", path, err)
	}
	return engine.Options{DB: abs, DataKeyPath: cmp.Or(key, abs+".key")}, nil
}

// Actor is the operating-system user, with the admin role: whoever can read the database
// file locally can do anything with it anyway.
func Actor() model.Actor {
	return actorFrom(os.Getuid(), user.Current, os.Getenv("USER"))
}

// actorFrom names the local actor: the passwd entry of uid (lookup), else $USER (env)
// when it is a valid actor name, else "uid:N". Without a passwd entry (docker run -u 1234)
// $USER is only a claim, and must not bring control characters or look-alikes to the audit.
func actorFrom(uid int, lookup func() (*user.User, error), env string) model.Actor {
	name := "uid:" + strconv.Itoa(uid)
	if u, err := lookup(); err == nil && u.Username != "" {
		name = u.Username
	} else if model.ValidActorName(env) {
		name = env
	}
	return model.Actor{Name: name, Role: model.RoleAdmin}
}
