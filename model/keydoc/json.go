package keydoc

import (
	"strconv"
	"time"
	"unicode/utf8"

	"provkeys/model"
)

// AppendJSON appends New(k, secret) as json.MarshalIndent(doc, prefix, indent)
// would write it, byte for byte, without building the document or reflecting on it: `keys
// list --json` writes a million of them, and encoding/json's reflection, the per-key
// document and its time strings were most of that command's CPU. A test holds the two to
// the same bytes.
func AppendJSON(b []byte, k *model.Key, secret, prefix, indent string) []byte {
	return AppendJSONAt(b, k, secret, prefix, indent, time.Time{})
}

// AppendJSONAt is AppendJSON of New(k, secret).WithState(k, now) when now
// is set (the "state" field as at now), and of New(k, secret) when it is zero.
func AppendJSONAt(b []byte, k *model.Key, secret, prefix, indent string, now time.Time) []byte {
	field := func(b []byte, name string) []byte {
		if b[len(b)-1] != '{' {
			b = append(b, ',')
		}
		b = append(b, '\n')
		b = append(b, prefix...)
		b = append(b, indent...)
		b = append(b, '"')
		b = append(b, name...)
		return append(b, '"', ':', ' ')
	}
	b = append(b, '{')
	b = strconv.AppendInt(field(b, "id"), k.ID, 10)
	b = appendJSONString(field(b, "name"), k.Name)
	b = append(field(b, "groups"), '[')
	for i, g := range k.Groups {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '\n')
		b = append(b, prefix...)
		b = append(b, indent...)
		b = append(b, indent...)
		b = appendJSONString(b, g.Name)
	}
	if len(k.Groups) > 0 {
		b = append(b, '\n')
		b = append(b, prefix...)
		b = append(b, indent...)
	}
	b = append(b, ']')
	b = appendJSONString(field(b, "status"), k.Status())
	if !now.IsZero() {
		b = appendJSONString(field(b, "state"), k.State(now).String())
	}
	b = strconv.AppendBool(field(b, "enabled"), k.Enabled)
	b = appendJSONString(field(b, "signing_certificate"), k.CertName)
	b = strconv.AppendBool(field(b, "allow_reenrollment"), k.AllowReenroll)
	b = strconv.AppendBool(field(b, "exportable"), k.Exportable)
	b = appendJSONString(field(b, "cloud"), k.Cloud)
	b = appendJSONString(field(b, "fingerprint"), k.Fingerprint)
	b = appendJSONString(field(b, "description"), k.Description)
	b = strconv.AppendInt(field(b, "max_usage"), k.MaxUsage, 10)
	b = strconv.AppendInt(field(b, "usage_count"), k.UsageCount, 10)
	b = appendJSONString(field(b, "last_machine"), k.LastMachine)
	b = field(b, "expires_at")
	if k.ExpiresAt.IsZero() {
		b = append(b, "null"...)
	} else {
		b = appendJSONTime(b, k.ExpiresAt)
	}
	b = appendJSONTime(field(b, "created_at"), k.CreatedAt)
	b = appendJSONString(field(b, "created_by"), k.CreatedBy)
	b = appendJSONTime(field(b, "updated_at"), k.UpdatedAt)
	b = appendJSONString(field(b, "updated_by"), k.UpdatedBy)
	b = strconv.AppendInt(field(b, "version"), k.Version, 10)
	if secret != "" {
		b = appendJSONString(field(b, "key"), secret)
	}
	b = append(b, '\n')
	b = append(b, prefix...)
	return append(b, '}')
}

// appendJSONTime is docTime as a JSON string.
func appendJSONTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, time.RFC3339)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// appendJSONString writes s as encoding/json does by default: HTML-safe (<, > and & as
// \u00XX), U+2028 and U+2029 escaped, invalid UTF-8 as U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
