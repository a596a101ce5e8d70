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

// credentials.lookup: the user from the option or MAILEXPECT_USER; the
// password from --secret-file, else MAILEXPECT_PASS, else ~/.netrc for the
// address (which may give the user too).
func TestCredentialsLookup(t *testing.T) {
	dir := t.TempDir()
	netrcPath := filepath.Join(dir, "netrc")
	os.WriteFile(netrcPath, []byte("machine mail.example.com login nina password netrc-pw\n"), 0o600)
	secretPath := filepath.Join(dir, "pw")
	os.WriteFile(secretPath, []byte("file-pw\n"), 0o600)
	t.Setenv("NETRC", netrcPath)
	src := `
		local c = require "credentials"
		local function show(o) local u, p = c.lookup(o); print(u, p and ("[" .. #p .. "]") or p) end
		show{address = "mail.example.com:110"}              -- netrc gives both
		show{user = "bob", address = "other.example.com"}   -- nothing for the password
		show{user = "bob", secret_file = arg[1], address = "mail.example.com"}
		local ok, e = pcall(c.lookup, {usr = "x"})
		print(ok, e.kind)`
	for _, tt := range []struct{ userEnv, passEnv, want string }{
		{"", "", "nina\t[8]\nbob\tnil\nbob\t[7]\nfalse\tusage\n"},
		{"eve", "env-pw", "eve\t[6]\nbob\t[6]\nbob\t[7]\nfalse\tusage\n"},
	} {
		t.Setenv("MAILEXPECT_USER", tt.userEnv)
		t.Setenv("MAILEXPECT_PASS", tt.passEnv)
		out, stderr, code, err := runCode(t, Config{Args: []string{secretPath}}, src)
		if code != 0 || err != nil {
			t.Fatalf("exit %d: %v %s", code, err, stderr)
		}
		if out != tt.want {
			t.Errorf("MAILEXPECT_USER=%q MAILEXPECT_PASS=%q:\n got %q\nwant %q", tt.userEnv, tt.passEnv, out, tt.want)
		}
	}
}

// credentials.mailbox without a bulk run: the environment, and what is
// missing, naming the protocol's variable.
func TestCredentialsMailboxFromEnvironment(t *testing.T) {
	src := `
		local mb, missing = require("credentials").mailbox{env = "MAILEXPECT_IMAP", what = "IMAP", host = arg[1]}
		if mb then print(mb.user, #mb.pass, mb.host) else print(missing) end`
	for _, tt := range []struct{ user, pass, server, hostOpt, want string }{
		{"u", "secret", "imap.example.com", "", "u\t6\timap.example.com\n"},
		{"u", "secret", "imap.example.com", "other:143", "u\t6\tother:143\n"},
		{"", "secret", "imap.example.com", "", "no mailbox: run with --each ROWS, or set MAILEXPECT_USER\n"},
		{"u", "", "imap.example.com", "", "no password: set MAILEXPECT_PASS\n"},
		{"u", "secret", "", "", "no IMAP server: a host column, --host, or MAILEXPECT_IMAP\n"},
	} {
		for k, v := range map[string]string{"MAILEXPECT_USER": tt.user, "MAILEXPECT_PASS": tt.pass, "MAILEXPECT_IMAP": tt.server} {
			if v == "" {
				t.Setenv(k, "") // set, then removed: the variable is absent
				os.Unsetenv(k)
			} else {
				t.Setenv(k, v)
			}
		}
		var args []string
		if tt.hostOpt != "" {
			args = []string{tt.hostOpt}
		}
		out, stderr, code, err := runCode(t, Config{Args: args}, src)
		if code != 0 || err != nil {
			t.Fatalf("exit %d: %v %s", code, err, stderr)
		}
		if out != tt.want {
			t.Errorf("%+v: got %q, want %q", tt, out, tt.want)
		}
	}
}

// credentials.setting: the option's value when given, else the
// environment variable when set and not empty; "" counts as not given.
func TestCredentialsSetting(t *testing.T) {
	t.Setenv("MAILEXPECT_CA_FILE", "/env/ca.pem")
	t.Setenv("MAILEXPECT_EMPTY", "")
	src := `
		local setting = require("credentials").setting
		print(setting("/opt/ca.pem", "MAILEXPECT_CA_FILE"), setting("", "MAILEXPECT_CA_FILE"),
		      setting(nil, "MAILEXPECT_CA_FILE"), setting(nil, "MAILEXPECT_EMPTY"), setting(""), setting("x"))`
	out, stderr, code, err := runCode(t, Config{}, src)
	if code != 0 || err != nil {
		t.Fatalf("exit %d: %v %s", code, err, stderr)
	}
	if want := "/opt/ca.pem\t/env/ca.pem\t/env/ca.pem\tnil\tnil\tx\n"; out != want {
		t.Errorf("got %q, want %q", out, want)
	}
}
