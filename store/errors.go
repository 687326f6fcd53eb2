package store

import "errors"

// ErrUnavailable marks a store that cannot be reached for now (a database server restarting,
// a network cut): nothing was changed, and the engine reconnects by itself, so the caller
// shows it ("store unavailable, retrying") and tries again later. An embedded store never
// returns it.
var ErrUnavailable = errors.New("store unavailable, retrying")
