package cli

import (
	"fmt"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"provkeys/model"
)

func auditCmd(e *env) *cobra.Command {
	var limit int
	var asJSON bool
	var since, format string
	var q auditQuery
	c := leaf(e, "audit [--since AGE] [--actor NAME] [--action ACTION] [--limit N] [--json | --format csv|jsonl]",
		"show who did what, newest first", takes(),
		func(e *env, c *cobra.Command, _ []string) error {
			if limit < 0 {
				return usagef("--limit must be 0 (all) or more")
			}
			switch format {
			case "", "table", "csv", "jsonl":
			default:
				return usagef("--format %q: want csv or jsonl", format)
			}
			if asJSON && format != "" {
				return usagef("give --json or --format, not both")
			}
			var err error
			if q.since, err = parseSince(since, time.Now()); err != nil {
				return err
			}
			if format == "csv" || format == "jsonl" {
				if !c.Flags().Changed("limit") {
					limit = 0 // an export is the whole answer unless told otherwise
				}
			}
			s, err := e.session()
			if err != nil {
				return err
			}
			filtered := q != (auditQuery{})
			fetch := limit
			if filtered {
				fetch = 0
			}
			events, err := s.ListAudit(e.ctx, fetch)
			if err != nil {
				return explain(err, "the audit log")
			}
			if filtered {
				events = slices.DeleteFunc(events, func(ev model.AuditEvent) bool { return !q.keep(ev) })
				if limit > 0 && len(events) > limit {
					events = events[:limit]
				}
			}
			switch {
			case asJSON:
				return e.writeJSONArray(len(events), func(i int) any { return model.NewAuditDoc(events[i]) })
			case format == "csv":
				return model.WriteAuditCSV(e.out, events)
			case format == "jsonl":
				return model.WriteAuditJSONL(e.out, events)
			}
			return writeTable(e, events, "No audit events.", []string{"TIME", "ACTOR", "ACTION", "OBJECT", "RESULT"},
				func(ev model.AuditEvent) []string {
					actor := ev.Actor
					if ev.Remote != "" {
						actor += " (" + ev.Remote + ")"
					}
					return []string{ev.At.Local().Format("2006-01-02 15:04:05"), actor, string(ev.Action),
						fmt.Sprintf("%s %q", ev.ObjectType, ev.ObjectName), ev.Result}
				})
		})
	c.Flags().IntVar(&limit, "limit", 50, "show the newest `N` events (0: all; csv and jsonl give all unless set)")
	c.Flags().BoolVar(&asJSON, "json", false, "print a JSON array")
	c.Flags().StringVar(&since, "since", "", "only events of the last `AGE` (30d, 12h) or since a date (2026-01-31)")
	c.Flags().StringVar(&q.actor, "actor", "", "only events by operator `NAME`")
	c.Flags().StringVar(&q.action, "action", "", "only events of `ACTION` (create, update, delete, enable, disable, export, …)")
	c.Flags().StringVar(&format, "format", "", "print csv or jsonl (one JSON object a line) for export")
	return c
}
