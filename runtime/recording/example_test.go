package recording_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/mailexpect/mailexpect/runtime/recording"
	"github.com/mailexpect/mailexpect/runtime/session"
	"github.com/mailexpect/mailexpect/runtime/transcript"
)

// A hand-written recording served to a session: no network, the recorded
// TLS state, and a 421 where a real server would have queued the mail.
func Example() {
	rec, err := recording.Parse(strings.NewReader(recording.Magic+`
session 1 tcp mx.example:25
S: 220 mx.example ESMTP
C: STARTTLS
S: 220 go ahead
tls version="TLS 1.3" cipher=TLS_AES_128_GCM_SHA256 verified=true subject=CN=mx.example
C: MAIL FROM:<a@example.org>
S: 421 4.3.2 Service shutting down
eof
`), "example.rec")
	if err != nil {
		panic(err)
	}
	rp := recording.New(rec, transcript.NewSecrets())
	ctx := context.Background()
	s, err := session.Dial(ctx, "smtp://mx.example", session.Options{Dial: rp.Dial, Handshake: rp.Handshake})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	greeting, _ := s.ReadLine(ctx, 0)
	s.SendLine(ctx, "STARTTLS")
	s.ReadLine(ctx, 0)
	s.StartTLS(ctx, nil)
	s.SendLine(ctx, "MAIL FROM:<a@example.org>")
	reply, _ := s.ReadLine(ctx, 0)
	fmt.Println(greeting)
	fmt.Println(s.TLS().Version, s.TLS().Peer.Subject, s.TLS().Verified)
	fmt.Println(reply)
	fmt.Println(s.SendLine(ctx, "QUIT"))
	// Output:
	// 220 mx.example ESMTP
	// TLS 1.3 CN=mx.example true
	// 421 4.3.2 Service shutting down
	// replay: mx.example:25 (session 1) diverged from the recording at example.rec:9: the script sent "QUIT", but the server had closed the connection here
}
