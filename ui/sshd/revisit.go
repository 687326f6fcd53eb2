package sshd

import (
	"context"
	"time"

	"provkeys/model"
	"provkeys/ui"
)

// revisit applies a reloaded operator set to the sessions already open: a session whose key
// is gone, or whose address the operator may no longer use, ends (a dashboard quits, which
// restores the terminal, and says why); a dashboard whose operator changed role carries on
// as the new role, with a store opened as such; a command whose role changed ends, since it
// was started with the old one. Each is logged and audited.
func (s *sshServer) revisit(set *OperatorSet) {
	// Decide under the lock; audit and tell the programs after it, since both may wait.
	var after []func()
	defer func() {
		for _, f := range after {
			f()
		}
	}()
	s.mu.Lock()
	defer s.mu.Unlock()
	for o := range s.sessions {
		op, ok := set.Lookup(o.PublicKey())
		reason := ""
		switch {
		case !ok:
			reason = "your key was removed from the operators file"
		case !op.AllowsAddr(o.RemoteAddr()):
			reason = "the operators file no longer allows your address"
		case op.Role == o.actor.Role:
			continue
		}
		p := s.programs[o]
		if reason == "" && p == nil {
			reason = "your role changed to " + string(op.Role) + "; reconnect"
		}
		if reason != "" {
			o.revoked.Store(&reason)
			s.log.Warn("session ended by reload", "operator", o.op.Name, "remote", o.actor.Remote, "reason", reason)
			actor := o.actor
			after = append(after, func() {
				s.audit(actor, "session ended: "+reason)
				if p != nil {
					p.Quit()
				} else {
					_ = o.Close()
				}
			})
			continue
		}
		demoted := model.Actor{Name: op.Name, Role: op.Role, Remote: o.actor.Remote}
		s.log.Warn("session role changed by reload", "operator", op.Name, "remote", o.actor.Remote,
			"from", o.actor.Role, "to", op.Role)
		was := o.actor
		o.op, o.actor = op, demoted
		after = append(after, func() {
			s.audit(was, "role changed to "+string(op.Role))
			p.Send(ui.ActorChangedMsg{Actor: demoted, Store: s.open(demoted)})
		})
	}
}

// audit records what a reload did to a session, when the server was given a way to.
func (s *sshServer) audit(actor model.Actor, result string) {
	if s.cfg.AuditSession == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.cfg.AuditSession(ctx, actor, result); err != nil {
		s.log.Error("audit of a session change failed", "operator", actor.Name, "err", err)
	}
}
