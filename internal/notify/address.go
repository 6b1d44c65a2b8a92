package notify

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"unicode/utf8"
)

// address is a JID (RFC 7622) as far as this client needs one: its own
// address, the domain, the pubsub service and the `finesse` user, and the
// from of what arrives, compared with those.
//
// Why not mellium's jid package: its PRECIS profiles (golang.org/x/text)
// weigh about 0.26 MB gzip in the browser build (research/wasm-size.md),
// and mellium's stanza and stream packages import it. Every address
// Finesse produces is ASCII (numeric or ASCII login ids, host names,
// resources we choose), and for ASCII PRECIS comes down to lower-casing
// the localpart and the domain; TestAddressAgreesWithMellium checks this
// against mellium's jid for such inputs. Non-ASCII parts are lower-cased
// with Unicode simple folding, without PRECIS normalisation: such an
// address from a server could then fail to equal ours, which only makes a
// foreign-looking stanza be ignored.
type address struct {
	local, domain, resource string
}

var errAddress = errors.New("not a valid JID")

// parseAddress splits s as RFC 7622 §3.1 does: the resource is all after
// the first '/', the localpart all before the first '@' ahead of it.
func parseAddress(s string) (address, error) {
	var a address
	rest := s
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		a.resource = rest[i+1:]
		rest = rest[:i]
		if a.resource == "" {
			return address{}, errAddress
		}
	}
	if i := strings.IndexByte(rest, '@'); i >= 0 {
		a.local = rest[:i]
		rest = rest[i+1:]
		if a.local == "" {
			return address{}, errAddress
		}
	}
	a.domain = strings.TrimSuffix(rest, ".")
	return newAddress(a.local, a.domain, a.resource)
}

// newAddress checks and normalises the three parts.
func newAddress(local, domain, resource string) (address, error) {
	if !validPart(local, `"&'/:<>@`, false) || !validPart(resource, "", true) ||
		domain == "" || !validPart(domain, `@/"&'<>`, false) {
		return address{}, errAddress
	}
	if strings.HasPrefix(domain, "[") != strings.HasSuffix(domain, "]") {
		return address{}, errAddress
	}
	if strings.HasPrefix(domain, "[") {
		// An IPv6 literal, kept as written (RFC 7622 §3.2).
		if ip, err := netip.ParseAddr(domain[1 : len(domain)-1]); err != nil || !ip.Is6() || ip.Zone() != "" {
			return address{}, errAddress
		}
		return address{local: lower(local), domain: domain, resource: resource}, nil
	}
	if slices.Contains(strings.Split(domain, "."), "") {
		return address{}, errAddress // an empty label
	}
	return address{local: lower(local), domain: lower(domain), resource: resource}, nil
}

// validPart: at most 1023 bytes of valid UTF-8, no control characters, no
// byte of banned, and spaces only where spaces is set (resources).
func validPart(s, banned string, spaces bool) bool {
	if len(s) > 1023 || !utf8.ValidString(s) || strings.ContainsAny(s, banned) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r == ' ' && !spaces) || (r >= 0x80 && r <= 0x9f) {
			return false
		}
	}
	return true
}

func lower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x80 || ('A' <= c && c <= 'Z') {
			return strings.ToLower(s)
		}
	}
	return s
}

// bare is the address without its resource.
func (a address) bare() address { return address{local: a.local, domain: a.domain} }

// String is the address as it goes on the wire.
func (a address) String() string {
	s := a.domain
	if a.local != "" {
		s = a.local + "@" + s
	}
	if a.resource != "" {
		s += "/" + a.resource
	}
	return s
}

// sameAs says whether the attribute value from (a stanza's from or to)
// names a; an unparsable value names nobody.
func (a address) sameAs(from string) bool {
	b, err := parseAddress(from)
	return err == nil && b == a
}
