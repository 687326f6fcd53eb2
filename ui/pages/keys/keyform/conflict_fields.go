package keyform

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/components/conflict"
)

// Field is one field of the key's edit form, as the conflict dialog compares it.
type Field = conflict.Field[model.KeyInput]

// ConflictFields are the edit form's fields, top to bottom: names and groups compare as the
// store does, without case or order.
func ConflictFields(now time.Time) []Field {
	text := func(s string) string { return ui.OrDash(model.Sanitize(s)) }
	flag := func(v bool) string { return strconv.FormatBool(v) }
	groups := func(in model.KeyInput) string {
		g := make([]string, len(in.Groups))
		for i, n := range in.Groups {
			g[i] = strings.ToLower(n)
		}
		slices.Sort(g)
		return strings.Join(g, "\x00")
	}
	expiry := func(in model.KeyInput) string {
		if in.ExpiresAt.IsZero() {
			return "never"
		}
		return ui.Stamp(in.ExpiresAt, now)
	}
	return []Field{
		{ID: "name", Label: "Name", Value: func(in model.KeyInput) string { return in.Name },
			Show: func(in model.KeyInput) string { return text(in.Name) }},
		{ID: "groups", Label: "Machine groups", Value: groups,
			Show: func(in model.KeyInput) string { return text(strings.Join(in.Groups, ", ")) }},
		{ID: "cert", Label: "Signing certificate", Value: func(in model.KeyInput) string { return strings.ToLower(in.Cert) },
			Show: func(in model.KeyInput) string { return text(in.Cert) }},
		{ID: "enabled", Label: "Status", Value: func(in model.KeyInput) string { return flag(in.Enabled) },
			Show: func(in model.KeyInput) string { return onOff(in.Enabled, "● Enabled", "○ Disabled") }},
		{ID: "reenroll", Label: "Allow re-enrollment", Value: func(in model.KeyInput) string { return flag(in.AllowReenroll) },
			Show: func(in model.KeyInput) string { return ui.YesNo(in.AllowReenroll, "yes", "no") }},
		{ID: "exportable", Label: "View/Export", Value: func(in model.KeyInput) string { return flag(in.Exportable) },
			Show: func(in model.KeyInput) string { return ui.YesNo(in.Exportable, "on", "off (erased)") }},
		{ID: "description", Label: "Description", Value: func(in model.KeyInput) string { return in.Description },
			Show: func(in model.KeyInput) string { return text(in.Description) }},
		{ID: "maxUsage", Label: "Max usage", Value: func(in model.KeyInput) string { return strconv.FormatInt(in.MaxUsage, 10) },
			Show: func(in model.KeyInput) string {
				if in.MaxUsage == 0 {
					return "0 (no limit)"
				}
				return strconv.FormatInt(in.MaxUsage, 10)
			}},
		{ID: "expiry", Label: "Expires", Value: func(in model.KeyInput) string {
			if in.ExpiresAt.IsZero() {
				return ""
			}
			return strconv.FormatInt(in.ExpiresAt.UnixMicro(), 10)
		}, Show: expiry},
	}
}
