package session

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/internal/fakeserver"
	"github.com/mailexpect/mailexpect/runtime/failure"
)

func TestLookupMXAndDialMX(t *testing.T) {
	live := fakeserver.Serve(t, func(c net.Conn) { io.WriteString(c, "220 mx2 here\r\n") })
	_, port, _ := net.SplitHostPort(live)
	// mx:domain:port uses one port for every host: the preferred MX is
	// 127.0.0.2, where nothing listens on the live port.
	zone := fakeserver.MXZone()
	zone.A["bare.test"] = []string{"127.0.0.1"} // no MX: the implicit MX
	dns := fakeserver.DNS(t, zone)
	r, err := ResolverFor(dns)
	if err != nil {
		t.Fatal(err)
	}
	mx, implicit, err := LookupMX(bg, r, "example.test")
	if err != nil || implicit || len(mx) != 2 || mx[0].Host != "mx1.example.test" || mx[1].Pref != 20 {
		t.Fatalf("LookupMX = %v %v %v", mx, implicit, err)
	}
	if mx, implicit, err := LookupMX(bg, r, "bare.test"); err != nil || !implicit || mx[0].Host != "bare.test" {
		t.Errorf("implicit MX = %v %v %v", mx, implicit, err)
	}
	if _, _, err := LookupMX(bg, r, "null.test"); err == nil || !strings.Contains(err.Error(), "null MX") {
		t.Errorf("null MX: %v", err)
	}

	// mx1 (preference 10) refuses; mx2 answers.
	var tr strings.Builder
	s := dial(t, "mx:example.test:"+port, Options{Timeout: 3 * time.Second, Resolver: r, Debug: &tr})
	if _, err := s.ExpectString(bg, `^220 mx2`); err != nil {
		t.Fatal(err)
	}
	if a := s.Address(); a.Host != "mx2.example.test" || s.Label() != "mx:example.test:"+port {
		t.Errorf("address %+v label %q", a, s.Label())
	}
	s.Close()
	if !strings.Contains(tr.String(), "MX for example.test: mx1.example.test (10), mx2.example.test (20)") {
		t.Errorf("transcript does not name the MX hosts:\n%s", tr.String())
	}

	_, err = Dial(bg, "mx:nowhere.test", Options{Timeout: 3 * time.Second, Resolver: r})
	e := wantKind(t, err, failure.Connect)
	if !strings.Contains(e.Message, "MX lookup") {
		t.Errorf("message %q", e.Message)
	}
	if _, err := ResolverFor("dns.example:53"); !failure.Is(err, failure.Usage) {
		t.Errorf("ResolverFor(name) = %v", err)
	}
}
