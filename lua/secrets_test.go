package luabind

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCode runs src with cfg and returns stdout, stderr, the exit code and
// the error. Not parallel: callers set environment variables.
func runCode(t *testing.T, cfg Config, src string) (string, string, int, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cfg.Stdout, cfg.Stderr = &stdout, &stderr
	code, err := NewRunner(cfg).RunSource(context.Background(), "t.lua", []byte(src))
	return stdout.String(), stderr.String(), code, err
}

func TestNetrc(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "netrc")
	os.WriteFile(path, []byte(`
# comment
machine mail.example.com login alice password alice-pw
machine mail.example.com
  login bob
  password bob-pw
macdef init
  machine evil.example.com login x password y

default login anon password anon-pw
`), 0o600)
	t.Setenv("NETRC", path)
	out, stderr, code, err := runCode(t, Config{}, `
		print(netrc("mail.example.com"))
		print(netrc("MAIL.example.com", "bob"))
		print(netrc("other.example.com"))
		print(netrc("evil.example.com", "x"))
		local _, pw = netrc("mail.example.com")
		print("pw " .. pw)
		-- an address as connect takes it: the host is looked up
		print(netrc("mail.example.com:587", "bob"))
		print(netrc("pop3s://mail.example.com"))
		print(netrc("[::1]:110"))`)
	if code != 0 || err != nil {
		t.Fatalf("exit %d: %v %s", code, err, stderr)
	}
	want := "alice\t***\nbob\t***\nanon\t***\nnil\npw ***\nbob\t***\nalice\t***\nanon\t***\n"
	if out != want {
		t.Errorf("stdout:\n got %q\nwant %q", out, want)
	}
	if stderr != "" {
		t.Errorf("a 0600 netrc must not warn: %q", stderr)
	}
}

func TestSecretFileWarnsUnless0600(t *testing.T) {
	dir := t.TempDir()
	open := filepath.Join(dir, "open")
	private := filepath.Join(dir, "private")
	os.WriteFile(open, []byte("pw-open\n"), 0o644)
	os.WriteFile(private, []byte("pw-private\r\n"), 0o600)
	out, stderr, code, err := runCode(t, Config{Args: []string{open, private}}, `
		local a = secret_file(arg[1])
		local b = secret_file(arg[2])
		print(#a, #b, a, b)`)
	if code != 0 || err != nil {
		t.Fatalf("exit %d: %v", code, err)
	}
	if out != "7\t10\t***\t***\n" {
		t.Errorf("stdout %q", out)
	}
	if !strings.Contains(stderr, "warning: secret_file: "+open+" is readable by others (mode 0644)") || strings.Contains(stderr, private) {
		t.Errorf("stderr %q", stderr)
	}
	// -q silences the warning.
	_, stderr, _, _ = runCode(t, Config{Args: []string{open, private}, Quiet: true}, `secret_file(arg[1])`)
	if stderr != "" {
		t.Errorf("-q: stderr %q", stderr)
	}
}
