package sshd

import (
	"fmt"
	"net"
	"net/netip"
	"path"
	"strings"

	"provkeys/model"
)

// AddrPattern is one entry of an operators line's from= option: an address, a CIDR block or
// an address wildcard (* and ?), possibly negated with '!'. Host names are refused when the
// file is read: matching them would need DNS, which a client can often influence.
type AddrPattern struct {
	// Negate is the leading '!': a match denies the operator.
	Negate bool
	// Prefix is set for a CIDR block such as 10.0.0.0/8.
	Prefix netip.Prefix
	// Glob is set for an address or wildcard such as 192.168.1.* (lower case).
	Glob string
}

func (p AddrPattern) match(ip netip.Addr) bool {
	if p.Prefix.IsValid() {
		return p.Prefix.Contains(ip)
	}
	ok, _ := path.Match(p.Glob, ip.String())
	return ok
}

// parseFrom parses the value of from= exactly as ParseAuthorizedKey hands it over: quoted,
// comma-separated patterns.
func parseFrom(value string) ([]AddrPattern, error) {
	inner, ok := strings.CutPrefix(value, `"`)
	if ok {
		inner, ok = strings.CutSuffix(inner, `"`)
	}
	if !ok || strings.Contains(inner, `"`) {
		return nil, fmt.Errorf(`from= must be one quoted list, e.g. from="10.0.0.0/8,192.168.1.*"`)
	}
	var pats []AddrPattern
	for _, raw := range strings.Split(inner, ",") {
		p, err := parseAddrPattern(strings.TrimSpace(raw))
		if err != nil {
			return nil, err
		}
		pats = append(pats, p)
	}
	return pats, nil
}

func parseAddrPattern(s string) (AddrPattern, error) {
	var p AddrPattern
	s, p.Negate = strings.CutPrefix(s, "!")
	if s == "" {
		return p, fmt.Errorf("from= has an empty pattern")
	}
	if strings.Contains(s, "/") {
		prefix, err := netip.ParsePrefix(s)
		if err != nil {
			return p, fmt.Errorf("from= pattern %q is not a valid CIDR block", model.Sanitize(s))
		}
		ip, bits := prefix.Addr(), prefix.Bits()
		if ip.Is4In6() {
			ip, bits = ip.Unmap(), max(bits-96, 0)
		}
		p.Prefix = netip.PrefixFrom(ip, bits).Masked()
		return p, nil
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF.:*?", r) {
			return p, fmt.Errorf("from= pattern %q is not an address: only addresses, CIDR "+
				"blocks and * ? wildcards are supported (host names would need DNS)",
				model.Sanitize(s))
		}
	}
	if !strings.ContainsAny(s, "*?") {
		ip, err := netip.ParseAddr(s)
		if err != nil {
			return p, fmt.Errorf("from= pattern %q is not a valid address", model.Sanitize(s))
		}
		s = ip.Unmap().String()
	}
	p.Glob = strings.ToLower(s)
	return p, nil
}

// addrIP extracts the IP of a connection's remote address, with IPv4-mapped IPv6 addresses
// turned back into IPv4 so that from="10.0.0.*" matches them.
func addrIP(addr net.Addr) (netip.Addr, bool) {
	if addr == nil {
		return netip.Addr{}, false
	}
	if tcp, ok := addr.(*net.TCPAddr); ok {
		ip := tcp.AddrPort().Addr()
		return ip.Unmap(), ip.IsValid()
	}
	ap, err := netip.ParseAddrPort(addr.String())
	if err != nil {
		return netip.Addr{}, false
	}
	return ap.Addr().Unmap(), true
}

// addrHost is the remote IP as text, the unit connection limits count by.
func addrHost(addr net.Addr) string {
	if ip, ok := addrIP(addr); ok {
		return ip.String()
	}
	if addr == nil {
		return "unknown"
	}
	return addr.String()
}
