// Package keydoc is the one JSON shape of a key (Doc) and its hand-written encoder, which
// writes the same bytes as encoding/json without building the document: what the command
// line prints for --json and what the audit trail records as a key's old and new state.
package keydoc

import (
	"time"

	"provkeys/model"
)

// Doc is the one JSON shape of a key: what `keys list --json`, `keys show --json` and
// `keys add --json` print and what the audit trail records as a key's old and new state. Its
// field names are the documented ones (DESIGN §6), so scripts and audit readers see the same
// document. Key is the material, set only where a command released it; the audit never does.
type Doc struct {
	ID     int64    `json:"id"`
	Name   string   `json:"name"`
	Groups []string `json:"groups"`
	Status string   `json:"status"`
	// State is what the table shows (Enabled, Disabled, Expired, Exhausted) at the time of
	// output; commands set it (WithState), the audit trail leaves it out.
	State              string  `json:"state,omitempty"`
	Enabled            bool    `json:"enabled"`
	SigningCertificate string  `json:"signing_certificate"`
	AllowReenrollment  bool    `json:"allow_reenrollment"`
	Exportable         bool    `json:"exportable"`
	Cloud              string  `json:"cloud"`
	Fingerprint        string  `json:"fingerprint"`
	Description        string  `json:"description"`
	MaxUsage           int64   `json:"max_usage"`
	UsageCount         int64   `json:"usage_count"`
	LastMachine        string  `json:"last_machine"` // the machine that enrolled last; "" if none
	ExpiresAt          *string `json:"expires_at"`
	CreatedAt          string  `json:"created_at"`
	CreatedBy          string  `json:"created_by"`
	UpdatedAt          string  `json:"updated_at"`
	UpdatedBy          string  `json:"updated_by"`
	Version            int64   `json:"version"`
	Key                string  `json:"key,omitempty"`
}

// New describes k; secret is the released key material, or "" to leave it out.
// Times are RFC 3339 in UTC; a key that never expires has a null expires_at.
func New(k model.Key, secret string) Doc {
	var expires *string
	if !k.ExpiresAt.IsZero() {
		s := docTime(k.ExpiresAt)
		expires = &s
	}
	return Doc{
		ID: k.ID, Name: k.Name, Groups: k.GroupNames(), Status: k.Status(), Enabled: k.Enabled,
		SigningCertificate: k.CertName, AllowReenrollment: k.AllowReenroll, Exportable: k.Exportable,
		Cloud: k.Cloud, Fingerprint: k.Fingerprint, Description: k.Description,
		MaxUsage: k.MaxUsage, UsageCount: k.UsageCount, LastMachine: k.LastMachine, ExpiresAt: expires,
		CreatedAt: docTime(k.CreatedAt), CreatedBy: k.CreatedBy,
		UpdatedAt: docTime(k.UpdatedAt), UpdatedBy: k.UpdatedBy, Version: k.Version, Key: secret,
	}
}

// WithState is d with State set to what k's state is at now.
func (d Doc) WithState(k model.Key, now time.Time) Doc {
	d.State = k.State(now).String()
	return d
}

// docTime is a time in a document: RFC 3339 in UTC.
func docTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }
