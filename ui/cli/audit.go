package cli

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"
)

// auditJSON is an audit event as `audit --json` prints it. Old and New are the store's JSON
// documents (for a key, model.KeyDoc), embedded as objects rather than strings.
type auditJSON struct {
	ID         int64           `json:"id"`
	At         string          `json:"at"`
	Actor      string          `json:"actor"`
	Role       string          `json:"role"`
	Remote     string          `json:"remote"`
	Action     string          `json:"action"`
	ObjectType string          `json:"object_type"`
	ObjectID   int64           `json:"object_id"`
	ObjectName string          `json:"object_name"`
	Old        json.RawMessage `json:"old"`
	New        json.RawMessage `json:"new"`
	Result     string          `json:"result"`
}

// rawJSON embeds a stored JSON document; anything else (empty, or not JSON) becomes null.
func rawJSON(s string) json.RawMessage {
	if s == "" || !json.Valid([]byte(s)) {
		return json.RawMessage("null")
	}
	return json.RawMessage(s)
}

func auditCmd(e *env) *cobra.Command {
	var limit int
	var asJSON bool
	c := leaf(e, "audit [--limit N] [--json]", "show who did what, newest first", takes(),
		func(e *env, _ *cobra.Command, _ []string) error {
			if limit < 0 {
				return usagef("--limit must be 0 (all) or more")
			}
			s, err := e.session()
			if err != nil {
				return err
			}
			events, err := s.ListAudit(e.ctx, limit)
			if err != nil {
				return explain(err, "the audit log")
			}
			if asJSON {
				return e.writeJSONArray(len(events), func(i int) any {
					ev := events[i]
					return auditJSON{
						ID: ev.ID, At: jsonTime(ev.At), Actor: ev.Actor, Role: string(ev.Role), Remote: ev.Remote,
						Action: string(ev.Action), ObjectType: string(ev.ObjectType), ObjectID: ev.ObjectID,
						ObjectName: ev.ObjectName, Old: rawJSON(ev.Old), New: rawJSON(ev.New), Result: ev.Result,
					}
				})
			}
			if len(events) == 0 {
				fmt.Fprintln(e.out, "No audit events.")
				return nil
			}
			tw := e.newTable()
			row(tw, "TIME", "ACTOR", "ACTION", "OBJECT", "RESULT")
			for _, ev := range events {
				actor := ev.Actor
				if ev.Remote != "" {
					actor += " (" + ev.Remote + ")"
				}
				row(tw, ev.At.Local().Format("2006-01-02 15:04:05"), actor, string(ev.Action),
					fmt.Sprintf("%s %q", ev.ObjectType, ev.ObjectName), ev.Result)
			}
			return tw.Flush()
		})
	c.Flags().IntVar(&limit, "limit", 50, "show the newest `N` events (0: all)")
	c.Flags().BoolVar(&asJSON, "json", false, "print a JSON array")
	return c
}
