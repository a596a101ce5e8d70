package session

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/runtime/failure"
)

// events is a Recorder that writes down what it is told.
type events struct{ log []string }

func (e *events) Sent(p []byte, secret bool) {
	e.log = append(e.log, fmt.Sprintf("sent %q %v", p, secret))
}
func (e *events) Received(p []byte) { e.log = append(e.log, fmt.Sprintf("recv %q", p)) }
func (e *events) TLS(info *TLSInfo, err error) {
	if err != nil {
		e.log = append(e.log, "tls error")
		return
	}
	e.log = append(e.log, "tls "+info.Version)
}
func (e *events) EOF()                 { e.log = append(e.log, "eof") }
func (e *events) DialFailed(err error) { e.log = append(e.log, "dial failed: "+err.Error()) }
func (e *events) Close()               { e.log = append(e.log, "close") }

// The seams record and replay use: Dial instead of TCP, Handshake
// instead of crypto/tls (the session shows the TLS state it returns), and
// Record, which sees the traffic above TLS, secrets flagged.
func TestDialHandshakeRecordSeams(t *testing.T) {
	client, server := net.Pipe()
	go func() {
		defer server.Close()
		buf := make([]byte, 100)
		server.Write([]byte("220 hi\r\n"))
		n, _ := server.Read(buf) // STARTTLS
		if string(buf[:n]) != "STARTTLS\r\n" {
			return
		}
		server.Write([]byte("220 go\r\n"))
		server.Read(buf) // the secret, in clear: Handshake did nothing
		server.Write([]byte("235 ok\r\n"))
	}()
	var rec events
	var dialed Target
	opts := Options{
		Timeout: time.Second,
		Dial: func(ctx context.Context, t Target) (net.Conn, error) {
			dialed = t
			return client, nil
		},
		Handshake: func(ctx context.Context, conn net.Conn, o TLSOptions) (net.Conn, *TLSInfo, error) {
			return conn, &TLSInfo{Version: "TLS 1.3", ServerName: o.ServerName, Verified: true}, nil
		},
		Record: func(t Target) Recorder {
			if t != (Target{Network: "tcp", Addr: "mx.test:25", Label: "smtp://mx.test:25"}) {
				panic(fmt.Sprintf("Record got %+v", t))
			}
			return &rec
		},
	}
	ctx := context.Background()
	s, err := Dial(ctx, "smtp://mx.test", opts)
	if err != nil {
		t.Fatal(err)
	}
	if dialed.Addr != "mx.test:25" || dialed.Label != "smtp://mx.test:25" {
		t.Errorf("Dial got %+v", dialed)
	}
	s.ReadLine(ctx, 0)
	s.SendLine(ctx, "STARTTLS")
	s.ReadLine(ctx, 0)
	if err := s.StartTLS(ctx, &TLSOptions{ServerName: "mx.test"}); err != nil {
		t.Fatal(err)
	}
	if s.TLS() == nil || s.TLS().Version != "TLS 1.3" || s.TLS().ServerName != "mx.test" {
		t.Errorf("TLS state %+v", s.TLS())
	}
	s.SendLineSecret(ctx, "pw")
	s.ReadLine(ctx, 0)
	s.ReadLine(ctx, 0) // the pipe closes
	s.Close()
	want := `recv "220 hi\r\n"|sent "STARTTLS\r\n" false|recv "220 go\r\n"|tls TLS 1.3|sent "pw\r\n" true|recv "235 ok\r\n"|eof|close`
	if got := strings.Join(rec.log, "|"); got != want {
		t.Errorf("recorded\n%s\nwant\n%s", got, want)
	}
}

// A connection whose Write fails with a *failure.Error (a replay that
// diverged) has that error returned as it is, not as a lost connection.
func TestConnErrorPassesThrough(t *testing.T) {
	verdict := &failure.Error{Kind: failure.Protocol, Message: "replay: diverged"}
	client, server := net.Pipe()
	defer server.Close()
	s := New(failingConn{client, verdict}, Options{Timeout: time.Second})
	defer s.Close()
	if err := s.SendLine(context.Background(), "QUIT"); err != verdict {
		t.Errorf("got %v, want the connection's own error", err)
	}
	// A Dial hook's failure.Error too.
	_, err := Dial(context.Background(), "mx.test:25", Options{Dial: func(context.Context, Target) (net.Conn, error) {
		return nil, &failure.Error{Kind: failure.Connect, Message: "not recorded"}
	}})
	if failure.KindOf(err) != failure.Connect || err.Error() != "not recorded" {
		t.Errorf("Dial: %v", err)
	}
}

type failingConn struct {
	net.Conn
	err error
}

func (c failingConn) Write([]byte) (int, error) { return 0, c.err }
