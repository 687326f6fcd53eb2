package store

// Table is one table's rows as an engine reads them for a copy to another engine (the
// `provkeys migrate` command): column names and values as the driver gave them (integers,
// text, bytes, NULL as nil). Sealed key material moves as is: Sealer binds it to its table
// and row id, which a copy keeps, and both stores use the same data key.
type Table struct {
	Name    string
	Columns []string
	Rows    [][]any
}

// CopyTables are the tables a copy moves, in an order that satisfies every foreign key.
// meta comes first: the destination checks its data key id against the source's.
var CopyTables = []string{"meta", "certs", "groups", "keys", "key_groups", "saved_filters",
	"machines", "key_refusals", "audit"}
