package sqlite

import (
	"context"
	"database/sql/driver"
	"errors"
	"strings"

	"provkeys/model"
)

// The driver enters and leaves the connection's mutex for every column it reads (type, then
// value, then length), and in modernc.org/sqlite's translated C each of those is several
// atomic operations: with fifteen columns that was half of a million-key listing's CPU
// (profiled). So the listing asks SQLite for ONE text per key, built by printf inside the
// query: the numbers in decimal, then the byte lengths of the texts, then the texts back to
// back. Decoding it is a short loop, and the keys' strings become slices of that one
// allocation instead of six.

// packedCol is one key as "ID CERT FLAGS MAX USAGE EXPIRES CREATED UPDATED VERSION:" followed
// by name, cloud, fingerprint, description, created_by, updated_by and last_machine, each pair apart by the
// unit separator (0x1F), which validated text never holds. FLAGS packs enabled,
// allow_reenroll, exportable and "expires is set" in bits 0-3. concat converts and copies in
// one pass; the numbers' conversion to text is most of its cost, so there are few of them.
const packedCol = `concat(id, ' ', cert_id, ' ',
	enabled | (allow_reenroll << 1) | (exportable << 2) | ((expires_at IS NOT NULL) << 3), ' ',
	max_usage, ' ', usage_count, ' ', coalesce(expires_at, 0), ' ', created_at, ' ', updated_at, ' ',
	version, ':', concat_ws(char(31), name, cloud, fingerprint, description, created_by, updated_by, last_machine))`

// packedInts is how many numbers start a packed row, and packedTexts how many texts end it.
const (
	packedInts  = 9
	packedTexts = 7
	packedSep   = "\x1f"
)

// errPacked means a packed row does not split in the expected parts: one of its texts held
// the separator. Validation never lets one in, but a file written by another tool might;
// that key is read again column by column.
var errPacked = errors.New("store: list keys: a packed row does not add up")

// unpackRow fills k from a packed row (groups and certificate name excepted). The strings
// it sets are slices of row.
func unpackRow(row string, k *model.Key) error {
	var n [packedInts]int64
	i := 0
	for f := range n {
		neg := i < len(row) && row[i] == '-'
		if neg {
			i++
		}
		start := i
		var v int64
		for i < len(row) && row[i] >= '0' && row[i] <= '9' {
			v = v*10 + int64(row[i]-'0')
			i++
		}
		want := byte(' ')
		if f == packedInts-1 {
			want = ':'
		}
		if i == start || i >= len(row) || row[i] != want {
			return errPacked
		}
		i++
		if neg {
			v = -v
		}
		n[f] = v
	}
	var texts [packedTexts]string
	rest := row[i:]
	for t := range packedTexts - 1 {
		var ok bool
		if texts[t], rest, ok = strings.Cut(rest, packedSep); !ok {
			return errPacked
		}
	}
	if strings.Contains(rest, packedSep) {
		return errPacked
	}
	texts[packedTexts-1] = rest
	fl := n[2]
	k.ID, k.CertID = n[0], n[1]
	k.Enabled, k.AllowReenroll, k.Exportable = fl&1 != 0, fl&2 != 0, fl&4 != 0
	k.MaxUsage, k.UsageCount = n[3], n[4]
	if fl&8 != 0 {
		k.ExpiresAt = fromMicros(n[5])
	}
	k.CreatedAt, k.UpdatedAt, k.Version = fromMicros(n[6]), fromMicros(n[7]), n[8]
	k.Name, k.Cloud, k.Fingerprint = texts[0], texts[1], texts[2]
	k.Description, k.CreatedBy, k.UpdatedBy = texts[3], texts[4], texts[5]
	k.LastMachine = texts[6]
	return nil
}

// readUnpacked reads key id column by column, for the rare row unpackRow refuses.
func readUnpacked(ctx context.Context, c rawConn, id int64, k *model.Key) error {
	found := false
	err := rawRows(ctx, c, "SELECT "+listCols+" FROM keys WHERE id = ?1",
		[]driver.NamedValue{{Ordinal: 1, Value: id}}, func(d []driver.Value) error {
			found = true
			k.ID = asInt(d[0])
			k.Name = asString(d[1])
			k.CertID = asInt(d[2])
			fl := asInt(d[3])
			k.Enabled, k.AllowReenroll, k.Exportable = fl&1 != 0, fl&2 != 0, fl&4 != 0
			k.Cloud = asString(d[4])
			k.Fingerprint = asString(d[5])
			k.Description = asString(d[6])
			k.MaxUsage, k.UsageCount = asInt(d[7]), asInt(d[8])
			if d[9] != nil {
				k.ExpiresAt = fromMicros(asInt(d[9]))
			}
			k.CreatedAt = fromMicros(asInt(d[10]))
			k.CreatedBy = asString(d[11])
			k.UpdatedAt = fromMicros(asInt(d[12]))
			k.UpdatedBy = asString(d[13])
			k.Version = asInt(d[14])
			k.LastMachine = asString(d[15])
			return nil
		})
	if err == nil && !found {
		err = errors.New("store: list keys: a key vanished inside its snapshot")
	}
	return err
}

// packedID is the id at the start of a packed row, for the fallback.
func packedID(row string) int64 {
	var v int64
	for i := 0; i < len(row) && row[i] >= '0' && row[i] <= '9'; i++ {
		v = v*10 + int64(row[i]-'0')
	}
	return v
}
