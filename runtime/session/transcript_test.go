package session

import (
	"bytes"
	"encoding/base64"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/runtime/transcript"
)

// The transcript of a whole session never shows a secret, whatever form it
// takes on the wire and however TCP splits it.
func TestTranscriptMasksSecrets(t *testing.T) {
	const pass = "s3cr3t-Pa55"
	plain := base64.StdEncoding.EncodeToString([]byte("\x00alice\x00" + pass))
	login := base64.StdEncoding.EncodeToString([]byte(pass))
	addr := serve(t, func(c net.Conn) {
		// The server echoes the secret in several forms, a byte at a time.
		echo := "220 hi\r\n334 " + login + "\r\n535 bad " + pass + " \"" + pass + "\"\r\n"
		for i := range echo {
			c.Write([]byte{echo[i]})
			time.Sleep(100 * time.Microsecond)
		}
		io.Copy(io.Discard, c)
	})
	var out bytes.Buffer
	secrets := transcript.NewSecrets()
	secrets.Add(pass)
	log := transcript.New(&out, transcript.Text, secrets)
	s := dial(t, addr, Options{Timeout: 2 * time.Second, Transcript: log})
	s.SendLine(bg, "AUTH PLAIN "+plain, false) // masked by value decoding
	s.SendLine(bg, "whole line secret", true)  // masked as a whole
	for i := 0; i < 3; i++ {
		if _, err := s.ReadLine(bg, 0); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	got := out.String()
	for _, leak := range []string{pass, plain, login, "whole line secret"} {
		if strings.Contains(got, leak) {
			t.Errorf("transcript leaks %q:\n%s", leak, got)
		}
	}
	for _, want := range []string{">>> AUTH PLAIN ***", "<<< 220 hi", "<<< 535 bad ***", "--- connected to"} {
		if !strings.Contains(got, want) {
			t.Errorf("transcript lacks %q:\n%s", want, got)
		}
	}
}
