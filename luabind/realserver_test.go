package luabind

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/mailexpect/mailexpect/internal/mailstack"
	"github.com/mailexpect/mailexpect/runtime/transcript"
)

func TestMain(m *testing.M) {
	// Every declared function's results are checked against the spec
	// while the suite runs (argcheck.go).
	var mu sync.Mutex
	problems := map[string]bool{}
	returnCheck = func(name, problem string) {
		mu.Lock()
		problems[name+": "+problem] = true
		mu.Unlock()
	}
	code := mailstack.Main(m)
	if len(problems) > 0 {
		var list []string
		for p := range problems {
			list = append(list, p)
		}
		sort.Strings(list)
		fmt.Fprintf(os.Stderr, "FAIL: results that differ from their declaration in luabind/apispec (fix the part after -> in the Sig, then go test ./luabind/apispec -update):\n\t%s\n", strings.Join(list, "\n\t"))
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// TestRealServers runs testdata/real/*.lua against real Postfix and
// Dovecot (internal/mailstack). Each file gets a mailbox of its own and the
// read-only global STACK:
//
//	STACK.smtp, .submission, .smtps, .lmtp, .pop3, .pop3s, .imap, .imaps
//	STACK.lmtp_socket (the path of Dovecot's LMTP Unix socket)
//	STACK.ca_file, .domain, .user, .pass, .address (its own mailbox),
//	STACK.other (the address of a second mailbox of its own)
//	STACK.postfix_config, .dovecot_config (to spawn sendmail or doveadm)
//
// Besides what the script asserts, the whole transcript of the run must
// never contain the password or a base64 form of it: the modules have to
// mark credentials secret by themselves (nothing is pre-registered).
func TestRealServers(t *testing.T) {
	files, err := filepath.Glob("testdata/real/*.lua")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/real/*.lua: %v", err)
	}
	st := mailstack.Require(t)
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".lua")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			runRealFile(t, st, file)
		})
	}
}

func runRealFile(t *testing.T, st *mailstack.Stack, file string) {
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	spec := parseSpec(t, src)
	u, other := st.TakeUser(t), st.TakeUser(t)
	var stdout, stderr, tr bytes.Buffer
	cfg := spec.cfg
	cfg.Stdout, cfg.Stderr = &stdout, &stderr
	cfg.ScriptName = file
	cfg.Args = spec.args
	cfg.Secrets = transcript.NewSecrets()
	cfg.Transcript = transcript.New(&tr, transcript.Text, cfg.Secrets)
	cfg.ReadOnly = map[string]any{"STACK": map[string]any{
		"smtp": st.SMTP, "submission": st.Submission, "smtps": st.SMTPS, "lmtp": st.LMTP, "lmtp_socket": st.LMTPSocket,
		"pop3": st.POP3, "pop3s": st.POP3S, "imap": st.IMAP, "imaps": st.IMAPS,
		"ca_file": st.CAFile, "domain": st.Domain,
		"user": u.Name, "pass": u.Password, "address": u.Address, "other": other.Address,
		"other_user": other.Name,
		// A directory of this test's own: concurrent runs never share a file.
		"tmpdir": t.TempDir(),
		// For spawn: the stack's own configuration directories.
		"postfix_config": filepath.Join(st.Dir, "postfix", "etc"),
		"dovecot_config": filepath.Join(st.Dir, "dovecot", "dovecot.conf"),
	}}
	rn := NewRunner(cfg)
	rn.testHook = installT
	code, err := rn.RunSource(context.Background(), file, src)
	if code != spec.exit {
		t.Errorf("exit code %d, want %d; error: %v\nstderr:\n%s\ntranscript:\n%s", code, spec.exit, err, stderr.String(), tr.String())
	}
	if spec.hasErr && (err == nil || err.Error() != spec.errLine) {
		t.Errorf("error:\n got %v\nwant %q", err, spec.errLine)
	}
	for _, want := range spec.stdout {
		if !containsLine(stdout.String(), want) {
			t.Errorf("stdout lacks line %q; stdout:\n%s", want, stdout.String())
		}
	}
	leaks := []string{u.Password,
		base64.StdEncoding.EncodeToString([]byte("\x00" + u.Name + "\x00" + u.Password)),
		base64.StdEncoding.EncodeToString([]byte(u.Password))}
	for _, leak := range leaks {
		if strings.Contains(tr.String(), leak) || strings.Contains(stderr.String(), leak) || strings.Contains(stdout.String(), leak) {
			t.Errorf("output leaks the password (form %q):\n%s", leak, tr.String())
		}
	}
	if testing.Verbose() {
		t.Logf("transcript:\n%s\nstdout:\n%s", tr.String(), stdout.String())
	}
}
