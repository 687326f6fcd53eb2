package sshd

import (
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// maxChannelsPerConn bounds the sessions one connection may multiplex, so the connection
// limits also bound the number of dashboards.
const maxChannelsPerConn = 4

// forwardingRequests are the session requests that ask for forwarding: charm.land/ssh
// accepts agent forwarding unconditionally, so the session channel answers them itself.
var forwardingRequests = map[string]string{
	"auth-agent-req@openssh.com": "agent forwarding refused",
	"x11-req":                    "X11 forwarding refused",
}

// maxRefusing bounds the connections over the limits that are still taken through the key
// exchange, only to be told why they are refused; beyond it they are simply closed.
const maxRefusing = 4

// channelCountKey holds a connection's open session count in its ssh.Context.
type channelCountKey struct{}

// refusalKey holds, in the ssh.Context of a connection over the limits, why it is refused.
type refusalKey struct{}

// connLimiter counts open connections in total and per remote IP.
type connLimiter struct {
	mu                sync.Mutex
	total             int
	perAddr           map[string]int
	maxTotal, maxAddr int
	refusing          int
}

// acquireRefusal takes one of the few slots for telling a refused client why.
func (l *connLimiter) acquireRefusal() (release func(), ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.refusing >= maxRefusing {
		return nil, false
	}
	l.refusing++
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			l.refusing--
			l.mu.Unlock()
		})
	}, true
}

func newConnLimiter(maxTotal, maxAddr int) *connLimiter {
	return &connLimiter{perAddr: map[string]int{}, maxTotal: maxTotal, maxAddr: maxAddr}
}

// acquire takes a slot for host, or says why there is none. release must be called once.
func (l *connLimiter) acquire(host string) (release func(), refusal string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.perAddr[host] >= l.maxAddr:
		return nil, fmt.Sprintf("too many sessions from %s (limit %d); close one and retry", host, l.maxAddr)
	case l.total >= l.maxTotal:
		return nil, fmt.Sprintf("too many sessions on this server (limit %d); try again later", l.maxTotal)
	}
	l.total++
	l.perAddr[host]++
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			l.total--
			if l.perAddr[host]--; l.perAddr[host] <= 0 {
				delete(l.perAddr, host)
			}
		})
	}, ""
}

// countedConn gives its limiter slot back when closed.
type countedConn struct {
	net.Conn
	release func()
}

// Close releases the slot and closes the connection.
func (c *countedConn) Close() error {
	c.release()
	return c.Conn.Close()
}

// admit is the ConnCallback: it counts the connection before any SSH work. A connection
// over the limits is refused with its reason in the authentication banner, the one place
// OpenSSH shows a server's text by default (a line before the version string only appears
// with ssh -v); authorize then turns every key down. Only maxRefusing of those run at once:
// past that, the reason is written before the version string and the connection closed.
func (s *sshServer) admit(ctx ssh.Context, c net.Conn) net.Conn {
	release, refusal := s.lim.acquire(addrHost(c.RemoteAddr()))
	if refusal != "" {
		s.log.Warn("connection refused", "remote", c.RemoteAddr().String(), "reason", refusal)
		if done, ok := s.lim.acquireRefusal(); ok {
			ctx.SetValue(refusalKey{}, refusal)
			s.refused.Store(c.RemoteAddr().String(), true)
			return &countedConn{Conn: c, release: done}
		}
		_ = c.SetWriteDeadline(time.Now().Add(time.Second))
		_, _ = io.WriteString(c, "provkeys: "+refusal+"\r\n")
		_ = c.Close()
		return nil
	}
	ctx.SetValue(channelCountKey{}, new(atomic.Int32))
	s.log.Info("connection", "remote", c.RemoteAddr().String())
	return &countedConn{Conn: c, release: release}
}

// sessionChannel is the "session" channel handler: the library's own, behind a cap on
// sessions per connection and a filter that refuses agent and X11 forwarding.
func (s *sshServer) sessionChannel(srv *ssh.Server, conn *gossh.ServerConn, nc gossh.NewChannel, ctx ssh.Context) {
	if n, ok := ctx.Value(channelCountKey{}).(*atomic.Int32); ok {
		if n.Add(1) > maxChannelsPerConn {
			n.Add(-1)
			s.log.Warn("session refused", "remote", conn.RemoteAddr().String(), "reason", "too many sessions on one connection")
			_ = nc.Reject(gossh.ResourceShortage, fmt.Sprintf("at most %d sessions per connection", maxChannelsPerConn))
			return
		}
		defer n.Add(-1)
	}
	ssh.DefaultSessionHandler(srv, conn, agentRefusingChannel{NewChannel: nc, s: s, remote: conn.RemoteAddr()}, ctx)
}

// agentRefusingChannel is a session channel whose forwarding requests are answered "no"
// before they reach the library, which would say yes to agent forwarding.
type agentRefusingChannel struct {
	gossh.NewChannel
	s      *sshServer
	remote net.Addr
}

// Accept accepts the channel and filters its requests.
func (c agentRefusingChannel) Accept() (gossh.Channel, <-chan *gossh.Request, error) {
	ch, reqs, err := c.NewChannel.Accept()
	if err != nil {
		return ch, reqs, err
	}
	out := make(chan *gossh.Request)
	go func() {
		defer close(out)
		for r := range reqs {
			if msg, ok := forwardingRequests[r.Type]; ok {
				c.s.log.Warn(msg, "remote", c.remote.String())
				_ = r.Reply(false, nil)
				continue
			}
			out <- r
		}
	}()
	return ch, out, nil
}

// refuseForwardChannel refuses local port forwarding (ssh -L) with a reason.
func (s *sshServer) refuseForwardChannel(_ *ssh.Server, conn *gossh.ServerConn, nc gossh.NewChannel, _ ssh.Context) {
	s.log.Warn("port forwarding refused", "remote", conn.RemoteAddr().String(), "kind", nc.ChannelType())
	_ = nc.Reject(gossh.Prohibited, "port forwarding is disabled on this server")
}

// refuseForwardRequest refuses remote forwarding (ssh -R) and its Unix-socket variant.
func (s *sshServer) refuseForwardRequest(ctx ssh.Context, _ *ssh.Server, req *gossh.Request) (bool, []byte) {
	s.log.Warn("port forwarding refused", "remote", ctx.RemoteAddr().String(), "kind", req.Type)
	return false, nil
}

// banner is the authentication banner: empty, except for a connection being refused.
func (s *sshServer) banner(ctx ssh.Context) string {
	if reason, ok := ctx.Value(refusalKey{}).(string); ok {
		return "provkeys: " + reason + "\r\n"
	}
	return ""
}
