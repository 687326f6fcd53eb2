// Package ui is provkeys' dashboard, in Bubble Tea v2. It never imports store: it declares
// the Store interface it consumes and main passes the real store in.
package ui

import (
	tea "charm.land/bubbletea/v2"

	"provkeys/model"
)

// SKELETON: replaced by the dashboard work.

// Store is what the dashboard needs from the store, as one actor.
type Store interface{}

// Options tunes the dashboard for where it runs.
type Options struct {
	// NativeClipboard writes the local system clipboard; nil where there is none (over SSH).
	NativeClipboard func(string) error
}

// New returns the dashboard's root model for st, acting as actor.
func New(st Store, actor model.Actor, opts Options) tea.Model { return nil }
