package cli

import (
	"strconv"
	"strings"
	"time"

	"provkeys/keyformat"
	"provkeys/model"
)

// keyColumn is one column keys list can show.
type keyColumn struct {
	name, header string
	value        func(k model.Key, now time.Time) string
}

// keyColumns are every column, in the order help lists them. Name always shows, first.
var keyColumns = []keyColumn{
	{"name", "NAME", func(k model.Key, _ time.Time) string { return k.Name }},
	{"groups", "MACHINE GROUP(S)", func(k model.Key, _ time.Time) string { return strings.Join(k.GroupNames(), ", ") }},
	{"status", "STATUS", func(k model.Key, now time.Time) string { return k.State(now).String() }},
	{"description", "DESCRIPTION", func(k model.Key, _ time.Time) string { return k.Description }},
	{"cert", "SIGNING CERTIFICATE", func(k model.Key, _ time.Time) string { return k.CertName }},
	{"expires", "EXPIRES", func(k model.Key, _ time.Time) string { return humanTime(k.ExpiresAt) }},
	{"created", "CREATED", func(k model.Key, _ time.Time) string { return humanTime(k.CreatedAt) }},
	{"created-by", "CREATED BY", func(k model.Key, _ time.Time) string { return k.CreatedBy }},
	{"updated", "UPDATED", func(k model.Key, _ time.Time) string { return humanTime(k.UpdatedAt) }},
	{"updated-by", "UPDATED BY", func(k model.Key, _ time.Time) string { return k.UpdatedBy }},
	{"fingerprint", "FINGERPRINT", func(k model.Key, _ time.Time) string { return keyformat.ShortFingerprint(k.Fingerprint) }},
	{"usage", "USAGE", func(k model.Key, _ time.Time) string { return usage(k) }},
	{"machines", "MACHINES", nil}, // the store's counts: withMachineCounts
	{"id", "ID", func(k model.Key, _ time.Time) string { return strconv.FormatInt(k.ID, 10) }},
}

// withMachineCounts fills the machines column, if shown, from each key's unrevoked machines
// (Store.ActiveMachineCounts), read only when the column is asked for.
func withMachineCounts(cols []keyColumn, counts func() (map[int64]int, error)) error {
	for i := range cols {
		if cols[i].name != "machines" {
			continue
		}
		n, err := counts()
		if err != nil {
			return err
		}
		cols[i].value = func(k model.Key, _ time.Time) string { return strconv.Itoa(n[k.ID]) }
	}
	return nil
}

// defaultKeyColumns is what keys list shows without --columns.
const defaultKeyColumns = "name,groups,status,fingerprint,usage,updated"

// parseKeyColumns reads --columns: names from keyColumns, comma-separated, in the order to
// show; name is put first when left out, and a column named twice shows once.
func parseKeyColumns(s string) ([]keyColumn, error) {
	cols := []keyColumn{keyColumns[0]}
	seen := map[string]bool{"name": true}
	for _, n := range strings.Split(s, ",") {
		n = strings.ToLower(strings.TrimSpace(n))
		if n == "" || seen[n] {
			continue
		}
		i := -1
		for j, c := range keyColumns {
			if c.name == n {
				i = j
			}
		}
		if i < 0 {
			var names []string
			for _, c := range keyColumns {
				names = append(names, c.name)
			}
			return nil, usagef("--columns: unknown column %q (use %s)", model.Sanitize(n), strings.Join(names, ", "))
		}
		seen[n] = true
		cols = append(cols, keyColumns[i])
	}
	return cols, nil
}
