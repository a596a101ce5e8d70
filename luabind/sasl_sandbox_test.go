package luabind

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/mailexpect/mailexpect/internal/sandbox"
	"github.com/mailexpect/mailexpect/internal/sandbox/sandboxtest"
	"github.com/mailexpect/mailexpect/runtime/transcript"
)

// TestSASLSandbox runs testdata/sandbox/sasl.lua against the sandbox
// (internal/sandbox): SCRAM, OAUTHBEARER and XOAUTH2 for SMTP, POP3 and
// IMAP, right and wrong, and Unicode mailbox names. The global SANDBOX
// holds smtp, pop3, imap (addresses), ca_file, user, pass. Neither the
// password nor anything built from it may reach any output.
func TestSASLSandbox(t *testing.T) {
	srv := sandboxtest.Start(t, sandbox.Config{})
	file := "testdata/sandbox/sasl.lua"
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	u := srv.Users()[0]
	var stdout, stderr, tr bytes.Buffer
	cfg := Config{Stdout: &stdout, Stderr: &stderr, ScriptName: file, Secrets: transcript.NewSecrets()}
	cfg.Transcript = transcript.New(&tr, transcript.Text, cfg.Secrets)
	cfg.ReadOnly = map[string]any{"SANDBOX": map[string]any{
		"smtp": srv.SMTPAddr(), "pop3": srv.POP3Addr(), "imap": srv.IMAPAddr(),
		"ca_file": srv.CAFile(), "user": u.Name, "pass": u.Pass, "address": u.Address,
	}}
	rn := NewRunner(cfg)
	rn.testHook = installT
	if code, err := rn.RunSource(context.Background(), file, src); code != 0 {
		t.Fatalf("exit code %d: %v\nstderr:\n%s\ntranscript:\n%s", code, err, stderr.String(), tr.String())
	}
	for _, out := range []string{tr.String(), stdout.String(), stderr.String()} {
		if strings.Contains(out, u.Pass) {
			t.Errorf("output leaks the password:\n%s", out)
		}
	}
	if !strings.Contains(stdout.String(), "ok") {
		t.Errorf("stdout: %q", stdout.String())
	}
}
