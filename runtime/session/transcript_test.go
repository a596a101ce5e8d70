package session

import (
	"bytes"
	"encoding/base64"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/internal/fakeserver"
	"github.com/mailexpect/mailexpect/runtime/transcript"
)

// The transcript of a whole session never shows a secret, whatever form it
// takes on the wire and however TCP splits it.
func TestTranscriptMasksSecrets(t *testing.T) {
	const pass = "s3cr3t-Pa55"
	plain := base64.StdEncoding.EncodeToString([]byte("\x00alice\x00" + pass))
	login := base64.StdEncoding.EncodeToString([]byte(pass))
	addr := fakeserver.ServeOne(t, func(c net.Conn) {
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
	s.SendLine(bg, "AUTH PLAIN "+plain)       // masked by value decoding
	s.SendLineSecret(bg, "whole line secret") // masked as a whole
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

// Options.Debug is the transcript for a Go caller who only wants it
// written somewhere: text lines, secrets sent as secret masked.
func TestDebugWriter(t *testing.T) {
	addr := fakeserver.ServeOne(t, func(c net.Conn) { io.WriteString(c, "220 hi\r\n"); io.Copy(io.Discard, c) })
	var out bytes.Buffer
	s := dial(t, addr, Options{Timeout: 2 * time.Second, Debug: &out})
	s.SendLineSecret(bg, "hunter2")
	if _, err := s.ReadLine(bg, 0); err != nil {
		t.Fatal(err)
	}
	s.Close()
	got := out.String()
	for _, want := range []string{">>> ***", "<<< 220 hi", "--- closed"} {
		if !strings.Contains(got, want) {
			t.Errorf("debug transcript lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "hunter2") {
		t.Errorf("debug transcript leaks the secret:\n%s", got)
	}
}
