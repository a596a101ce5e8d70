package main

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/mailexpect/mailexpect/internal/sandbox"
	"github.com/mailexpect/mailexpect/internal/sandbox/sandboxtest"
)

var update = flag.Bool("update", false, "rewrite docs/mailexpect.1 from the usage text")

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestDocCommand(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		code     int
		contains []string
	}{
		{[]string{"doc"}, 0, []string{"connect", "smtp.open", "c:send", "i:uid_search", "mailexpect doc NAME"}},
		{[]string{"doc", "expect"}, 0, []string{"session:expect(pattern: string|regex|expect.Cases", "exp_continue"}},
		{[]string{"doc", "smtp.open"}, 0, []string{"smtp.open(opts: smtp.OpenOptions) -> smtp.Client", "helo?", "allow_plaintext_auth?"}},
		{[]string{"doc", "session"}, 0, []string{"session (object)", "Methods:", "s:sendline"}},
		{[]string{"doc", "c:send"}, 0, []string{"headers?", "{string, string}[]"}},
		{[]string{"doc", "smtp"}, 0, []string{`local smtp = require "smtp"`, "smtp.Client"}},
		{[]string{"doc", "noop"}, 0, []string{"ambiguous", "pop3.Client:noop", "smtp.Client:noop"}},
	} {
		code, out, errs := runCLI(t, tc.args...)
		if code != tc.code {
			t.Errorf("%v: exit %d, stderr %s", tc.args, code, errs)
		}
		for _, c := range tc.contains {
			if !strings.Contains(out, c) {
				t.Errorf("%v: output lacks %q:\n%s", tc.args, c, out)
			}
		}
	}
	code, _, errs := runCLI(t, "doc", "smtp.opne")
	if code != 2 || !strings.Contains(errs, "did you mean smtp.open?") {
		t.Errorf("doc smtp.opne: exit %d, %q", code, errs)
	}
}

func TestVersion(t *testing.T) {
	_, out, _ := runCLI(t, "--version")
	for _, want := range []string{"mailexpect ", "revision ", runtime.Version(), "Lua 5.1 (gopher-lua v1.1.2"} {
		if !strings.Contains(out, want) {
			t.Errorf("--version lacks %q:\n%s", want, out)
		}
	}
}

// The completions are made from the usage text; bash's is run.
func TestCompletion(t *testing.T) {
	flags := usageFlags()
	if len(flags) < 20 {
		t.Fatalf("only %d flags found in the usage text", len(flags))
	}
	for _, sh := range []string{"bash", "zsh", "fish"} {
		code, out, errs := runCLI(t, "completion", sh)
		if code != 0 || !(strings.Contains(out, "--timeout") || strings.Contains(out, "-l timeout")) || !strings.Contains(out, "smtp.open") {
			t.Errorf("completion %s: exit %d %s\n%s", sh, code, errs, out)
		}
	}
	if code, _, _ := runCLI(t, "completion", "tcsh"); code != 2 {
		t.Errorf("completion tcsh: exit %d, want 2", code)
	}
	_, script, _ := runCLI(t, "completion", "bash")
	path := filepath.Join(t.TempDir(), "mailexpect.bash")
	os.WriteFile(path, []byte(script), 0o644)
	for _, tc := range []struct{ words, want string }{
		{"mailexpect --time", "--timeout"},
		{"mailexpect doc smtp.op", "smtp.open"},
		{"mailexpect comp", "completion"},
		{"mailexpect completion f", "fish"},
	} {
		words := strings.Fields(tc.words)
		cmd := exec.Command("bash", "-c", `source "$1"; COMP_WORDS=(`+tc.words+`); COMP_CWORD=`+
			string(rune('0'+len(words)-1))+`; _mailexpect; printf '%s\n' "${COMPREPLY[@]}"`, "bash", path)
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains("\n"+string(out), "\n"+tc.want+"\n") {
			t.Errorf("completing %q: %v\n%s", tc.words, err, out)
		}
	}
}

// needShell finds a shell the completion tests run; CI installs them
// (.ci/install-tools), so there a missing one fails instead of skipping.
func needShell(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("MAILEXPECT_REQUIRE_SERVERS") == "1" {
			t.Fatalf("%s is not installed (.ci/install-tools installs it)", name)
		}
		t.Skipf("%s is not installed (.ci/install-tools installs it)", name)
	}
	return p
}

// zsh loads its completion; fish's answers complete -C as a user's tab would.
func TestCompletionZshFish(t *testing.T) {
	dir := t.TempDir()
	t.Run("zsh", func(t *testing.T) {
		zsh := needShell(t, "zsh")
		_, script, _ := runCLI(t, "completion", "zsh")
		path := filepath.Join(dir, "_mailexpect")
		os.WriteFile(path, []byte(script), 0o644)
		out, err := exec.Command(zsh, "-c", `autoload -U compinit; compinit -u -d "$2/zcompdump"; source "$1"; print -r -- ${_comps[mailexpect]}`, "zsh", path, dir).CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "_mailexpect" {
			t.Errorf("zsh did not register the completion: %v\n%s", err, out)
		}
	})
	t.Run("fish", func(t *testing.T) {
		fish := needShell(t, "fish")
		_, script, _ := runCLI(t, "completion", "fish")
		path := filepath.Join(dir, "mailexpect.fish")
		os.WriteFile(path, []byte(script), 0o644)
		for _, tc := range []struct{ line, want string }{
			{"mailexpect --time", "--timeout\tdefault timeout"},
			{"mailexpect doc smtp.op", "smtp.open"},
			{"mailexpect comp", "completion"},
		} {
			out, err := exec.Command(fish, "--no-config", "-c", `source $argv[1]; complete -C "$argv[2]"`, path, tc.line).CombinedOutput()
			if err != nil || !strings.Contains(string(out), tc.want) {
				t.Errorf("fish completing %q: %v\n%s", tc.line, err, out)
			}
		}
	})
}

// docs/mailexpect.1 is the usage text as a man page; -update rewrites it.
func TestManPage(t *testing.T) {
	page := manPage()
	path := "../../docs/mailexpect.1"
	if *update {
		if err := os.WriteFile(path, []byte(page), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != page {
		t.Errorf("docs/mailexpect.1 is stale: run go test ./cmd/mailexpect -run TestManPage -update")
	}
	for _, f := range usageFlags() {
		for _, n := range f.names {
			if !strings.Contains(page, strings.ReplaceAll(n, "-", `\-`)) {
				t.Errorf("man page lacks %s", n)
			}
		}
	}
	for _, sec := range []string{".SH SYNOPSIS", ".SH FLAGS", ".SH ENVIRONMENT", ".SH EXIT CODES"} {
		if !strings.Contains(page, sec) {
			t.Errorf("man page lacks %s", sec)
		}
	}
}

// --dry-run after the script name is mailexpect's flag, never an argument.
func TestDryRunAfterScript(t *testing.T) {
	script := writeScript(t, "dry.lua", `print(dry_run, #arg, table.concat(arg, " "))`)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{script, "a", "--dry-run", "b"}, "true\t2\ta b\n"},
		{[]string{script, "a"}, "false\t1\ta\n"},
		{[]string{script, "--", "--dry-run"}, "false\t2\t-- --dry-run\n"},
		{[]string{"--dry-run", script}, "true\t0\t\n"},
	} {
		code, out, errs := runCLI(t, tc.args...)
		if code != 0 || out != tc.want {
			t.Errorf("%v: exit %d, got %q, want %q (%s)", tc.args[1:], code, out, tc.want, errs)
		}
	}
}

// The README's first example against `mailexpect sandbox` with the export
// line it prints: MAILEXPECT_CA_FILE makes a plain connect + starttls
// verify.
func TestCAFileFromEnvironment(t *testing.T) {
	srv := sandboxtest.Start(t, sandbox.Config{})
	first := "../../luabind/testdata/readme_first.lua"
	code, out, errs := runCLI(t, first, srv.SMTPAddr())
	if code != 1 || !strings.Contains(errs, "certificate") {
		t.Errorf("without MAILEXPECT_CA_FILE: exit %d, %s%s", code, out, errs)
	}
	t.Setenv("MAILEXPECT_CA_FILE", srv.CAFile())
	code, out, errs = runCLI(t, first, srv.SMTPAddr())
	if code != 0 || !strings.Contains(out, "TLS:") || !strings.Contains(out, "done") {
		t.Errorf("with MAILEXPECT_CA_FILE: exit %d, %s%s", code, out, errs)
	}
	t.Setenv("MAILEXPECT_CA_FILE", filepath.Join(t.TempDir(), "missing.pem"))
	code, _, errs = runCLI(t, "-e", "")
	if code != 2 || !strings.Contains(errs, "MAILEXPECT_CA_FILE") {
		t.Errorf("missing CA file: exit %d, %s", code, errs)
	}
}
