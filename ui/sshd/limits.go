package sshd

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
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

// channelCountKey holds a connection's open session count in its ssh.Context.
type channelCountKey struct{}

// connSlotsKey holds a connection's *connSlots in its ssh.Context.
type connSlotsKey struct{}

// Defaults for Config.Startups, as OpenSSH's MaxStartups 10:30:100.
const (
	DefaultStartupsStart = 10
	DefaultStartupsRate  = 30
	DefaultStartupsFull  = 100
)

// Startups limits unauthenticated connections as OpenSSH's MaxStartups start:rate:full
// does: up to Start are all taken; from Start on, a new one is dropped with a probability
// of Rate percent rising linearly to 100% at Full. They count apart from the sessions'
// quota, so clients that never authenticate cannot lock operators out.
type Startups struct {
	Start, Rate, Full int
}

// startupLimiter counts connections that have not authenticated yet.
type startupLimiter struct {
	mu      sync.Mutex
	n       int
	lim     Startups
	percent func() int // a random number in [0, 100); tests may substitute it
}

func newStartupLimiter(lim Startups) *startupLimiter {
	return &startupLimiter{lim: lim, percent: func() int { return rand.IntN(100) }}
}

// acquire takes a slot for a new connection, or drops it (ok false). release must be
// called once, when the connection authenticates or ends.
func (l *startupLimiter) acquire() (release func(), ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.n >= l.lim.Full {
		return nil, false
	}
	if l.n >= l.lim.Start {
		drop := l.lim.Rate + (100-l.lim.Rate)*(l.n-l.lim.Start)/max(1, l.lim.Full-l.lim.Start)
		if l.percent() < drop {
			return nil, false
		}
	}
	l.n++
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			l.n--
			l.mu.Unlock()
		})
	}, true
}

// connLimiter counts authenticated connections in total and per remote IP.
type connLimiter struct {
	mu                sync.Mutex
	total             int
	perAddr           map[string]int
	maxTotal, maxAddr int
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

// connSlots is what one connection holds: an unauthenticated slot until it authenticates,
// then a session slot until it closes.
type connSlots struct {
	mu      sync.Mutex
	preAuth func() // nil once given back
	session func() // nil until authenticated
	pre     gossh.ServerPreAuthConn
}

// authenticated gives the unauthenticated slot back and takes a session slot from lim;
// the refusal says why there is none.
func (c *connSlots) authenticated(lim *connLimiter, host string) (refusal string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.preAuth != nil {
		c.preAuth()
		c.preAuth = nil
	}
	if c.session != nil {
		return "" // another key of the same connection already succeeded
	}
	release, refusal := lim.acquire(host)
	if refusal == "" {
		c.session = release
	}
	return refusal
}

// release gives back whatever the connection holds.
func (c *connSlots) release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, f := range []func(){c.preAuth, c.session} {
		if f != nil {
			f()
		}
	}
	c.preAuth, c.session = nil, nil
}

// countedConn gives its connection's slots back when closed.
type countedConn struct {
	net.Conn
	slots *connSlots
}

// Close releases the slots and closes the connection.
func (c *countedConn) Close() error {
	c.slots.release()
	return c.Conn.Close()
}

// admit is the ConnCallback: it counts the connection among the unauthenticated ones
// before any SSH work, or drops it with one line before the version string (no key
// exchange is spent on it). The session quota is taken at authentication (verified).
func (s *sshServer) admit(ctx ssh.Context, c net.Conn) net.Conn {
	release, ok := s.startups.acquire()
	if !ok {
		s.log.Warn("connection dropped", "remote", c.RemoteAddr().String(),
			"reason", "too many unauthenticated connections")
		_ = c.SetWriteDeadline(time.Now().Add(time.Second))
		_, _ = io.WriteString(c, "provkeys: too many connections are logging in; try again shortly\r\n")
		_ = c.Close()
		return nil
	}
	slots := &connSlots{preAuth: release}
	ctx.SetValue(connSlotsKey{}, slots)
	ctx.SetValue(channelCountKey{}, new(atomic.Int32))
	s.log.Info("connection", "remote", c.RemoteAddr().String())
	return &countedConn{Conn: c, slots: slots}
}

// serverConfig gives every connection the hooks that move it from the unauthenticated
// count to the session quota once its key is verified.
func (s *sshServer) serverConfig(ctx ssh.Context) *gossh.ServerConfig {
	slots, _ := ctx.Value(connSlotsKey{}).(*connSlots)
	return &gossh.ServerConfig{
		PreAuthConnCallback: func(pc gossh.ServerPreAuthConn) {
			if slots != nil {
				slots.mu.Lock()
				slots.pre = pc
				slots.mu.Unlock()
			}
		},
		VerifiedPublicKeyCallback: func(conn gossh.ConnMetadata, _ gossh.PublicKey, perms *gossh.Permissions, _ string) (*gossh.Permissions, error) {
			if slots == nil {
				return perms, nil
			}
			refusal := slots.authenticated(s.lim, addrHost(conn.RemoteAddr()))
			if refusal == "" {
				return perms, nil
			}
			s.log.Warn("connection refused", "remote", conn.RemoteAddr().String(), "reason", refusal)
			s.refused.Store(conn.RemoteAddr().String(), true)
			slots.mu.Lock()
			pc := slots.pre
			slots.mu.Unlock()
			if pc != nil {
				// The authentication banner is the one place OpenSSH shows a server's text by
				// default.
				_ = pc.SendAuthBanner("provkeys: " + refusal + "\r\n")
			}
			return nil, errors.New(refusal)
		},
	}
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
