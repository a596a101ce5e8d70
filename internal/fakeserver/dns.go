package fakeserver

import (
	"fmt"
	"net"
	"strings"
	"testing"

	"golang.org/x/net/dns/dnsmessage"
)

// Zone is what DNS answers: records by lower-case name without the
// trailing dot. A name in none of the maps is NXDOMAIN; a known name
// without records of the asked type is an empty answer.
type Zone struct {
	MX  map[string][]MXRecord
	A   map[string][]string // IPv4 addresses
	TXT map[string][]string
}

// MXRecord is one MX record; Host "." is a null MX (RFC 7505).
type MXRecord struct {
	Host string
	Pref uint16
}

// MXZone is the zone of the MX tests: example.test has two MX hosts,
// mx1.example.test (preference 10) at 127.0.0.2, where nothing listens on
// a test's port, and mx2.example.test (20) at 127.0.0.1, so a client that
// goes down the list reaches mx2; null.test publishes a null MX (RFC
// 7505). Each call makes a new Zone, which a test may add to.
func MXZone() Zone {
	return Zone{
		MX: map[string][]MXRecord{
			"example.test": {{Host: "mx2.example.test", Pref: 20}, {Host: "mx1.example.test", Pref: 10}},
			"null.test":    {{Host: ".", Pref: 0}},
		},
		A: map[string][]string{
			"mx1.example.test": {"127.0.0.2"},
			"mx2.example.test": {"127.0.0.1"},
		},
	}
}

// listenUDPAndTCP listens on one port of 127.0.0.1 for UDP and TCP. The
// UDP port is the system's pick; its TCP twin may be taken (a client's
// ephemeral port, another test's listener: tests of several packages run
// at once), so another port is tried.
func listenUDPAndTCP() (net.PacketConn, net.Listener, error) {
	var err error
	for range 50 {
		var pc net.PacketConn
		if pc, err = net.ListenPacket("udp", "127.0.0.1:0"); err != nil {
			return nil, nil, err
		}
		var l net.Listener
		if l, err = net.Listen("tcp", pc.LocalAddr().String()); err == nil {
			return pc, l, nil
		}
		pc.Close()
	}
	return nil, nil, fmt.Errorf("no port free for both UDP and TCP: %w", err)
}

// DNS serves zone over UDP and TCP on 127.0.0.1 for the life of the test
// and returns its address (a resolver from session.ResolverFor asks it).
func DNS(t testing.TB, zone Zone) string {
	t.Helper()
	pc, l, err := listenUDPAndTCP()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close(); l.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if out := zone.answer(buf[:n]); out != nil {
				pc.WriteTo(out, from)
			}
		}
	}()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				var hdr [2]byte
				if _, err := readFull(c, hdr[:]); err != nil {
					return
				}
				q := make([]byte, int(hdr[0])<<8|int(hdr[1]))
				if _, err := readFull(c, q); err != nil {
					return
				}
				if out := zone.answer(q); out != nil {
					c.Write(append([]byte{byte(len(out) >> 8), byte(len(out))}, out...))
				}
			}()
		}
	}()
	return pc.LocalAddr().String()
}

func readFull(c net.Conn, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := c.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func (z Zone) known(name string) bool {
	_, a := z.A[name]
	_, m := z.MX[name]
	_, t := z.TXT[name]
	return a || m || t
}

func (z Zone) answer(query []byte) []byte {
	var p dnsmessage.Parser
	h, err := p.Start(query)
	if err != nil {
		return nil
	}
	q, err := p.Question()
	if err != nil {
		return nil
	}
	name := strings.ToLower(strings.TrimSuffix(q.Name.String(), "."))
	rh := dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RecursionDesired: h.RecursionDesired, RecursionAvailable: true}
	if !z.known(name) {
		rh.RCode = dnsmessage.RCodeNameError
	}
	b := dnsmessage.NewBuilder(nil, rh)
	b.EnableCompression()
	b.StartQuestions()
	b.Question(q)
	b.StartAnswers()
	res := dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 60}
	switch q.Type {
	case dnsmessage.TypeA:
		for _, ip := range z.A[name] {
			var a [4]byte
			copy(a[:], net.ParseIP(ip).To4())
			b.AResource(res, dnsmessage.AResource{A: a})
		}
	case dnsmessage.TypeMX:
		for _, m := range z.MX[name] {
			host := m.Host
			if !strings.HasSuffix(host, ".") {
				host += "."
			}
			b.MXResource(res, dnsmessage.MXResource{Pref: m.Pref, MX: dnsmessage.MustNewName(host)})
		}
	case dnsmessage.TypeTXT:
		for _, txt := range z.TXT[name] {
			b.TXTResource(res, dnsmessage.TXTResource{TXT: []string{txt}})
		}
	}
	out, err := b.Finish()
	if err != nil {
		return nil
	}
	return out
}
