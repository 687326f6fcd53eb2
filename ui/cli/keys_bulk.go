package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"provkeys/model"
	"provkeys/store"
)

// bulkAction is what a bulk command does to one key: change it (nil), leave it as it is with
// a reason (skip), or fail.
type bulkAction func(ctx context.Context, s store.Session, k model.Key) (skip string, err error)

// bulk is one bulk command's wording: "Disable 3 keys …?" and "Disabled 3 keys".
type bulk struct {
	cmd  string // "keys disable", for the confirmation's refusal
	verb string // "Disable"
	done string // "Disabled"
	// revokes says the action revokes the keys' active machines (delete): the question then
	// says how many.
	revokes bool
}

// matchingKeys lists the keys expr matches now, for a bulk command.
func (e *env) matchingKeys(expr string) (store.Session, []model.Key, error) {
	filter, err := model.ParseFilter(expr)
	if err != nil {
		return nil, nil, usagef("%v", err)
	}
	if filter.Empty() {
		return nil, nil, usagef("--filter %q matches every key; name the keys to change, such as --filter 'group:kiosks'", expr)
	}
	s, err := e.session()
	if err != nil {
		return nil, nil, err
	}
	keys, err := s.ListKeys(e.ctx)
	if err != nil {
		return nil, nil, explain(err, "keys")
	}
	now := time.Now()
	keys = slices.DeleteFunc(keys, func(k model.Key) bool { return !filter.Match(k, now) })
	return s, keys, nil
}

// run asks once, naming the count, then does act to every key expr matches: each key its own
// audited change. A failure names its key and leaves the others done; the summary line says
// how many changed and which were skipped, and the failures come back as one error.
func (b bulk) run(e *env, expr string, yes bool, act bulkAction) error {
	s, keys, err := e.matchingKeys(expr)
	if err != nil {
		return err
	}
	if len(keys) == 0 {
		fmt.Fprintln(e.out, "No keys match the filter; nothing was changed.")
		return nil
	}
	question := fmt.Sprintf("%s %s matching %s (%s)?", b.verb, plural(len(keys), "key"), expr, nameList(keys, 5))
	if b.revokes {
		machines := 0
		for _, k := range keys {
			n, err := s.ActiveMachineCount(e.ctx, k.ID)
			if err != nil {
				return explain(err, keyObject(k.Name))
			}
			machines += n
		}
		if machines > 0 {
			question = fmt.Sprintf("%s %s matching %s (%s) and revoke the %s enrolled with them?", b.verb,
				plural(len(keys), "key"), expr, nameList(keys, 5), plural(machines, "active machine"))
		}
	}
	if err := e.confirm(b.cmd, yes, question); err != nil {
		return err
	}
	var changed int
	var skipped, failed []string
	for _, k := range keys {
		if e.ctx.Err() != nil {
			failed = append(failed, model.Sanitize(k.Name)+": interrupted")
			continue
		}
		skip, err := act(e.ctx, s, k)
		switch {
		case err != nil:
			failed = append(failed, model.Sanitize(k.Name)+": "+explain(err, keyObject(k.Name)).Error())
		case skip != "":
			skipped = append(skipped, fmt.Sprintf("%s (%s)", model.Sanitize(k.Name), skip))
		default:
			changed++
		}
	}
	line := fmt.Sprintf("%s %s", b.done, plural(changed, "key"))
	if len(skipped) > 0 {
		line += fmt.Sprintf("; %d skipped: %s", len(skipped), strings.Join(skipped, ", "))
	}
	fmt.Fprintln(e.out, line+".")
	if len(failed) > 0 {
		return fmt.Errorf("%d of %s failed: %s", len(failed), plural(len(keys), "key"), strings.Join(failed, "; "))
	}
	return nil
}

// nameList names up to max keys: "a, b, c and 4 more".
func nameList(keys []model.Key, max int) string {
	var names []string
	for i, k := range keys {
		if i == max {
			return fmt.Sprintf("%s and %d more", strings.Join(names, ", "), len(keys)-max)
		}
		names = append(names, model.Sanitize(k.Name))
	}
	return strings.Join(names, ", ")
}

// oneOrFilter checks that a command got a NAME or --filter, not both and not neither.
func oneOrFilter(pos []string, expr string) error {
	switch {
	case len(pos) == 1 && expr != "":
		return usagef("give a key NAME or --filter EXPR, not both")
	case len(pos) == 0 && expr == "":
		return usagef("give a key NAME or --filter EXPR")
	}
	return nil
}

// setEnabledAction enables or disables one key; a key already so is skipped, since a change
// that changes nothing is not worth an audit row.
func setEnabledAction(enabled bool, word string) bulkAction {
	return func(ctx context.Context, s store.Session, k model.Key) (string, error) {
		if k.Enabled == enabled {
			return "already " + word, nil
		}
		_, err := s.SetKeyEnabled(ctx, k.ID, k.Version, enabled)
		return "", err
	}
}

// deleteAction deletes one key.
func deleteAction(ctx context.Context, s store.Session, k model.Key) (string, error) {
	return "", s.DeleteKey(ctx, k.ID, k.Version)
}
