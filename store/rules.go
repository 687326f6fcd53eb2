package store

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"

	"provkeys/keyformat"
	"provkeys/model"
)

// The rules below hold in every engine; an engine calls them inside its change, so they are
// written once.

// Authorize is the role check every operation starts with.
func Authorize(actor model.Actor, a model.Action) error {
	if actor.Role.Can(a) {
		return nil
	}
	role := string(actor.Role)
	if role == "" {
		role = "no role"
	}
	return fmt.Errorf("%w: %s may not %s", model.ErrForbidden, role, a)
}

// EditRules are the edits a key refuses whatever its fields say: View/Export back on, another
// cloud, other key material.
func EditRules(old model.Key, in model.KeyInput) error {
	if in.Exportable && !old.Exportable {
		return &model.ValidationError{Field: "exportable", Msg: "View/Export cannot be turned back on"}
	}
	if in.Cloud != "" && !strings.EqualFold(in.Cloud, old.Cloud) {
		return &model.ValidationError{Field: model.FieldCloud, Msg: "the cloud of an existing key cannot be changed; create a new key instead"}
	}
	if in.Secret != "" {
		return &model.ValidationError{Field: model.FieldKey, Msg: "the key material of an existing key cannot be changed; create a new key instead"}
	}
	return nil
}

// KeySecret returns the key text to store for in: in.Secret parsed and normalised, else a
// new key for in.Cloud.
func KeySecret(in model.KeyInput) (string, error) {
	if in.Secret == "" {
		s, err := keyformat.Generate(in.Cloud)
		if err != nil {
			return "", &model.ValidationError{Field: model.FieldCloud, Msg: err.Error()}
		}
		return s, nil
	}
	p, err := keyformat.Parse(in.Secret)
	if err != nil {
		return "", &model.ValidationError{Field: model.FieldKey, Msg: err.Error()}
	}
	if in.Cloud != "" && !strings.EqualFold(in.Cloud, p.Host) {
		return "", &model.ValidationError{Field: model.FieldCloud, Msg: fmt.Sprintf("the key is for %s, not %s", p.Host, in.Cloud)}
	}
	return keyformat.Format(p), nil
}

// StaleCheck is the version check for a change that read the row first: stored is the row's
// version, want the one the caller read; by and at say who wrote the stored one and when.
func StaleCheck(label, name string, stored, want int64, by string, at time.Time) error {
	if stored == want {
		return nil
	}
	return &model.ConflictError{Object: fmt.Sprintf("%s %q", label, name), By: by, At: at, Version: stored}
}

// MaxFilterLen bounds a saved filter expression, in runes.
const MaxFilterLen = 1024

// ValidateFilter checks a saved filter's name and expression, which must parse.
func ValidateFilter(name, expr string) error {
	if err := model.ValidateName(model.FieldName, name); err != nil {
		return err
	}
	if err := model.ValidateText(model.FieldFilter, expr, MaxFilterLen); err != nil {
		return err
	}
	if _, err := model.ParseFilter(expr); err != nil {
		var ve *model.ValidationError
		if errors.As(err, &ve) {
			return err
		}
		return &model.ValidationError{Field: model.FieldFilter, Msg: err.Error()}
	}
	return nil
}

// MaxPEM bounds an imported certificate, in bytes; a CA certificate is a few kilobytes.
const MaxPEM = 64 << 10

// ParseCA accepts exactly one PEM "CERTIFICATE" block holding an X.509 CA certificate and
// returns the certificate with its canonical PEM. Errors are *model.ValidationError saying why.
func ParseCA(pemText string) (*x509.Certificate, string, error) {
	bad := func(msg string) error { return &model.ValidationError{Field: "certificate", Msg: msg} }
	if len(pemText) > MaxPEM {
		return nil, "", bad(fmt.Sprintf("longer than %d KiB; a CA certificate is a few KiB", MaxPEM>>10))
	}
	block, rest := pem.Decode([]byte(pemText))
	if block == nil {
		return nil, "", bad("no PEM block found (want -----BEGIN CERTIFICATE-----)")
	}
	if block.Type != "CERTIFICATE" {
		return nil, "", bad(fmt.Sprintf("the PEM block is a %q, not a CERTIFICATE", block.Type))
	}
	if len(bytes.TrimSpace(rest)) > 0 {
		return nil, "", bad("more than one PEM block; import one certificate at a time")
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, "", bad("not a valid X.509 certificate: " + err.Error())
	}
	if !c.BasicConstraintsValid || !c.IsCA {
		return nil, "", bad("not a CA certificate (its basic constraints do not say CA:TRUE)")
	}
	for field, s := range map[string]string{"certificate subject": c.Subject.String(), "certificate issuer": c.Issuer.String()} {
		if err := model.ValidateText(field, s, 1024); err != nil {
			return nil, "", err
		}
	}
	return c, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})), nil
}

// MaxAuditText bounds an AuditEvent's name and result, in characters.
const MaxAuditText = 512

// ValidateAuditEvent checks an AuditEvent's words: action and object type present, and no
// text the audit trail could not show as it is.
func ValidateAuditEvent(a model.Action, t model.ObjectType, name, result string) error {
	if a == "" || t == "" {
		return &model.ValidationError{Field: "audit event", Msg: "needs an action and an object type"}
	}
	for _, f := range []struct{ field, s string }{
		{"action", string(a)}, {"object type", string(t)}, {"name", name}, {"result", result},
	} {
		if err := model.ValidateText(f.field, f.s, MaxAuditText); err != nil {
			return err
		}
	}
	return nil
}
