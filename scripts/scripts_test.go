// Package scripts_test runs the example scripts as a user would: the real
// mailexpect binary, built once, with arguments and MAILEXPECT_*
// variables, against real Postfix and Dovecot (internal/mailstack) and,
// for certificate expiry, small TLS servers the tests start themselves.
// It asserts exact status lines and exit codes, and that no password
// appears in any output, verbose or not.
package scripts_test

import (
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/internal/mailstack"
)

// bin is the mailexpect binary built by TestMain.
var bin string

func TestMain(m *testing.M) { os.Exit(testMain(m)) }

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "mailexpect-scripts-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	bin = filepath.Join(dir, "mailexpect")
	build := exec.Command("go", "build", "-o", bin, "github.com/mailexpect/mailexpect/cmd/mailexpect")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		return 1
	}
	return mailstack.Main(m)
}

// result is how one run of a script ended.
type result struct {
	code           int
	stdout, stderr string
}

// firstLine is the status line of a plugin's output.
func (r result) firstLine() string {
	line, _, _ := strings.Cut(r.stdout, "\n")
	return line
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

// run runs mailexpect with args (flags, script, its arguments) and env as
// the whole MAILEXPECT_* environment: the caller's variables of that name,
// HOME and NETRC do not leak in, so a developer's ~/.netrc plays no part.
// secrets must appear in no output, in any form a client sends them.
func run(t *testing.T, env []string, secrets []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "TZ=UTC"}
	cmd.Env = append(cmd.Env, env...)
	r := runCmd(t, cmd)
	for _, s := range secrets {
		for _, form := range leakForms(s) {
			if strings.Contains(r.stdout, form) || strings.Contains(r.stderr, form) {
				t.Errorf("output leaks a secret (form %q):\n%s", form, r)
			}
		}
	}
	if testing.Verbose() {
		t.Logf("mailexpect %s\n%s", strings.Join(args, " "), r)
	}
	return r
}

// runCmd runs cmd to its end and returns its output and exit code; only a
// command that could not run at all fails the test.
func runCmd(t *testing.T, cmd *exec.Cmd) result {
	t.Helper()
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running %v: %v", cmd.Args, err)
	}
	return r
}

// leakForms are the shapes a password takes on the wire: itself, base64
// of it (AUTH LOGIN) and of the SASL PLAIN message for any user.
func leakForms(pass string) []string {
	forms := []string{pass, base64.StdEncoding.EncodeToString([]byte(pass))}
	// PLAIN is base64("\0user\0pass"): the password's own bytes land on a
	// base64 boundary only for some user names, so look for the tail that
	// encodes "\0pass" at each of the three alignments.
	for pad := 0; pad < 3; pad++ {
		enc := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("x", pad) + "\x00" + pass))
		skip := (pad + 2) / 3 * 4
		if len(enc) > skip+8 {
			forms = append(forms, strings.TrimRight(enc[skip:len(enc)-4], "="))
		}
	}
	return forms
}

// script is the path of an example script.
func script(name string) string { return filepath.Join(".", name) }

// numbers replaces measured values - "0.0123s", "0.84s", "12s" - with Ns,
// so that a status line can be compared exactly apart from them.
var secondsRE = regexp.MustCompile(`\b\d+(\.\d+)?s\b`)

func normalize(line string) string { return secondsRE.ReplaceAllString(line, "Ns") }

// wantLine compares a status line exactly, after normalize.
func wantLine(t *testing.T, r result, want string) {
	t.Helper()
	if got := normalize(r.firstLine()); got != want {
		t.Errorf("status line\n got %q\nwant %q\n%s", got, want, r)
	}
}

func wantCode(t *testing.T, r result, want int) {
	t.Helper()
	if r.code != want {
		t.Errorf("exit code %d, want %d\n%s", r.code, want, r)
	}
}

// stackEnv is the MAILEXPECT_* environment for user u of the real stack:
// Submission for SMTP (STARTTLS + AUTH), the plain POP3 and IMAP ports
// (STLS / STARTTLS), the stack's CA.
func stackEnv(st *mailstack.Stack, u mailstack.User) []string {
	return []string{
		"MAILEXPECT_SMTP=" + st.Submission,
		"MAILEXPECT_POP3=" + st.POP3,
		"MAILEXPECT_IMAP=" + st.IMAP,
		"MAILEXPECT_USER=" + u.Name,
		"MAILEXPECT_PASS=" + u.Password,
		"MAILEXPECT_CA_FILE=" + st.CAFile,
	}
}

// replaceEnv returns env with NAME=value set (or removed when value is "").
func replaceEnv(env []string, name, value string) []string {
	var out []string
	for _, e := range env {
		if !strings.HasPrefix(e, name+"=") {
			out = append(out, e)
		}
	}
	if value != "" {
		out = append(out, name+"="+value)
	}
	return out
}

// mailboxEmpty fails the test unless u's INBOX is empty, after giving a
// delivery in flight a moment to land (so a stray message would be seen).
func mailboxEmpty(t *testing.T, st *mailstack.Stack, u mailstack.User, settle time.Duration) {
	t.Helper()
	time.Sleep(settle)
	files, err := st.Mailbox(u.Name)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 0 {
		t.Errorf("mailbox of %s holds %d message(s), want none: %v", u.Name, len(files), files)
	}
}
