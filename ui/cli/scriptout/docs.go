package scriptout

import (
	"encoding/json"
	"strings"

	"provkeys/keyformat"
	"provkeys/model"
)

// GroupDoc is a machine group as `groups list --json` prints it.
type GroupDoc struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Status      string `json:"status"`
	Enabled     bool   `json:"enabled"`
	KeyCount    int    `json:"key_count"`
	CreatedAt   string `json:"created_at"`
	CreatedBy   string `json:"created_by"`
	UpdatedAt   string `json:"updated_at"`
	UpdatedBy   string `json:"updated_by"`
	Version     int64  `json:"version"`
}

// GroupStatus is a group's Enabled flag as the reference page words it.
func GroupStatus(g model.Group) string { return model.Key{Enabled: g.Enabled}.Status() }

// NewGroupDoc is g as scripts read it.
func NewGroupDoc(g model.Group) GroupDoc {
	return GroupDoc{
		ID: g.ID, Name: g.Name, Description: g.Description, Status: GroupStatus(g),
		Enabled: g.Enabled, KeyCount: g.KeyCount, CreatedAt: Time(g.CreatedAt),
		CreatedBy: g.CreatedBy, UpdatedAt: Time(g.UpdatedAt), UpdatedBy: g.UpdatedBy,
		Version: g.Version,
	}
}

// CertDoc is a signing certificate as `certs list --json` prints it.
type CertDoc struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Subject   string `json:"subject"`
	Issuer    string `json:"issuer"`
	ExpiresAt string `json:"expires_at"`
	KeyCount  int    `json:"key_count"`
	CanSign   bool   `json:"can_sign"`
	CreatedAt string `json:"created_at"`
	CreatedBy string `json:"created_by"`
}

// NewCertDoc is ct as scripts read it.
func NewCertDoc(ct model.Cert) CertDoc {
	return CertDoc{
		ID: ct.ID, Name: ct.Name, Subject: ct.Subject, Issuer: ct.Issuer,
		ExpiresAt: Time(ct.NotAfter), KeyCount: ct.KeyCount, CanSign: ct.CanSign,
		CreatedAt: Time(ct.CreatedAt), CreatedBy: ct.CreatedBy,
	}
}

// MachineDoc is a machine as `machines list|show --json` print it; revoked_at is null while
// the certificate is active.
type MachineDoc struct {
	Name       string   `json:"name"`
	Key        string   `json:"key"`
	Groups     []string `json:"groups"`
	Serial     string   `json:"serial"`
	NotAfter   string   `json:"not_after"`
	EnrolledAt string   `json:"enrolled_at"`
	Remote     string   `json:"remote"`
	RevokedAt  *string  `json:"revoked_at"`
}

// NewMachineDoc is m as scripts read it.
func NewMachineDoc(m model.Machine) MachineDoc {
	j := MachineDoc{Name: m.Name, Key: m.KeyName, Groups: m.Groups, Serial: m.Serial,
		NotAfter: Time(m.NotAfter), EnrolledAt: Time(m.EnrolledAt), Remote: m.Remote}
	if j.Groups == nil {
		j.Groups = []string{}
	}
	if !m.Active() {
		r := Time(m.RevokedAt)
		j.RevokedAt = &r
	}
	return j
}

// DecodeDoc is what `decode --json` prints of a key: never the key itself. Version is a JSON
// number without leading zeros.
type DecodeDoc struct {
	Version      json.Number `json:"version"`
	Host         string      `json:"host"`
	PayloadBytes int         `json:"payload_bytes"`
	Fingerprint  string      `json:"fingerprint"`
	Warnings     []string    `json:"warnings"`
}

// NewDecodeDoc describes k, which keyformat.Parse accepted.
func NewDecodeDoc(k keyformat.Key) DecodeDoc {
	d := DecodeDoc{
		Version: json.Number(strings.TrimLeft(k.Version, "0")),
		Host:    k.Host,
		// Parse accepted padded standard base64, so the size follows from the length.
		PayloadBytes: len(k.Payload)/4*3 - strings.Count(k.Payload, "="),
		Fingerprint:  keyformat.Fingerprint(keyformat.Format(k)),
		Warnings:     append([]string{}, k.Warnings...),
	}
	if d.Version == "" {
		d.Version = "0"
	}
	return d
}
