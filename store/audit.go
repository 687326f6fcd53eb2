package store

import (
	"encoding/json"
	"time"

	"provkeys/model"
	"provkeys/model/keydoc"
)

// The audit trail records an object's fields before and after a change as JSON in these
// shapes, whatever the engine, so a trail reads the same from every store. None of them
// holds key material or a private key.

// KeyAudit is what the audit trail records of a key: the one key document (keydoc.Doc,
// also what `keys list --json` prints), never with material.
type KeyAudit = keydoc.Doc

// AuditKey is k's audit shape.
func AuditKey(k model.Key) KeyAudit { return keydoc.New(k, "") }

// GroupAudit is what the audit trail records of a machine group.
type GroupAudit struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Enabled     bool   `json:"enabled"`
	Version     int64  `json:"version"`
}

// AuditGroup is g's audit shape.
func AuditGroup(g model.Group) GroupAudit {
	return GroupAudit{Name: g.Name, Description: g.Description, Enabled: g.Enabled, Version: g.Version}
}

// CertAudit is what the audit trail records of a certificate (never its private key).
type CertAudit struct {
	Name     string    `json:"name"`
	Subject  string    `json:"subject"`
	Issuer   string    `json:"issuer"`
	NotAfter time.Time `json:"not_after"`
}

// AuditCert is c's audit shape.
func AuditCert(c model.Cert) CertAudit {
	return CertAudit{Name: c.Name, Subject: c.Subject, Issuer: c.Issuer, NotAfter: c.NotAfter}
}

// BulkAudit is what the audit trail records of one CreateKeys batch.
type BulkAudit struct {
	Label string `json:"label"`
	Keys  int    `json:"keys"`
}

// AuditJSON is the text of an audit row's old or new column: "" for nil.
func AuditJSON(v any) (string, error) {
	if v == nil {
		return "", nil
	}
	b, err := json.Marshal(v)
	return string(b), err
}
