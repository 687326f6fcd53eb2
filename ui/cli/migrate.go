package cli

import (
	"cmp"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"provkeys/store"
	"provkeys/store/engine"
)

// migrateCmd copies a SQLite store into a new PostgreSQL database: every row or none, ids and
// sealed material kept (the data key file stays the same and must be given to the replicas
// too), each table's count checked and printed.
func migrateCmd(e *env) *cobra.Command {
	var from, to string
	c := leaf(e, "migrate --from PATH --to postgres://…", "copy a SQLite store into a new PostgreSQL database", takes(),
		func(e *env, _ *cobra.Command, _ []string) error {
			if from == "" || to == "" {
				return usagef("migrate needs --from PATH (the SQLite store) and --to postgres://… (an empty database)")
			}
			if !engine.IsPostgres(to) {
				return usagef("--to must be a PostgreSQL URL (postgres://…) or connection string (\"host=… dbname=…\")")
			}
			key := cmp.Or(e.keyPath, os.Getenv("PROVKEYS_DATA_KEY"))
			counts, err := engine.Migrate(e.ctx, from, key, to)
			if err != nil {
				return err
			}
			var parts []string
			for _, t := range store.CopyTables {
				if n, ok := counts[t]; ok {
					parts = append(parts, fmt.Sprintf("%s %d", strings.ReplaceAll(t, "_", " "), n))
				}
			}
			fmt.Fprintf(e.out, "Copied %s to %s: %s.\n", from, engine.Describe(engine.Options{DB: to}), strings.Join(parts, ", "))
			fmt.Fprintf(e.out, "Every replica needs the same data key file (%s) and --db %s.\n",
				cmp.Or(key, from+".key"), "<the URL>")
			return nil
		})
	c.Flags().StringVar(&from, "from", "", "the SQLite store to copy, `PATH`")
	c.Flags().StringVar(&to, "to", "", "the PostgreSQL database to fill, a `URL` (it must be empty)")
	c.Annotations = map[string]string{localOnly: "true"}
	return c
}
