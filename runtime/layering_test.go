// Package layering_test guards the layers of runtime/: it is a Go library
// usable without Lua (no package under runtime/ depends on gopher-lua or
// the bridge), and its lower layers — the session and the matcher — are
// usable without the bulk runner and the terminal UI it brings along.
package layering_test

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/mailexpect/mailexpect/"

// deps lists the packages the named packages depend on (go list -deps).
func deps(t *testing.T, pkgs ...string) []string {
	t.Helper()
	args := append([]string{"list", "-deps", "-f", "{{.ImportPath}}"}, pkgs...)
	out, err := exec.Command("go", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	d := strings.Fields(string(out))
	if len(d) < 5 {
		t.Fatalf("go list returned too little to be a real answer: %q", d)
	}
	return d
}

func TestRuntimeDoesNotImportLua(t *testing.T) {
	for _, d := range deps(t, "./...") {
		if strings.Contains(d, "gopher-lua") || strings.HasPrefix(d, module+"luabind") {
			t.Errorf("a runtime/ package depends on %s; runtime/ must stay usable without Lua", d)
		}
	}
}

// TestSessionAndExpectStandAlone: a Go program that only wants a session
// (or only the matcher) gets the standard library and the runtime
// packages below them — not the bulk runner, nor its progress bar and
// terminal libraries. Collaborators from above (the per-host limit) come
// in through session.Options.
func TestSessionAndExpectStandAlone(t *testing.T) {
	allowed := map[string]bool{ // the layers below the session
		module + "internal/bigmem":    true,
		module + "runtime/expect":     true,
		module + "runtime/failure":    true,
		module + "runtime/frame":      true,
		module + "runtime/transcript": true,
		// The standard library's regexp with a way to stop a search.
		module + "third_party/regexp": true,
	}
	// Beyond the standard library, only the Go project's own SOCKS5
	// client (session.Options.Proxy) and system calls (ppoll for
	// session.Options.SyscallWait, raw reads and writes otherwise): no UI.
	external := map[string]bool{
		"golang.org/x/net/proxy":          true,
		"golang.org/x/net/internal/socks": true,
		"golang.org/x/sys/unix":           true,
	}
	for _, pkg := range []string{"./session", "./expect"} {
		full := module + "runtime/" + strings.TrimPrefix(pkg, "./")
		for _, d := range deps(t, pkg) {
			first, _, _ := strings.Cut(d, "/")
			switch {
			case d == full, allowed[d], external[d] && pkg == "./session":
			case strings.HasPrefix(d, module):
				t.Errorf("%s depends on %s: layers only point down (want only %v)", full, d, keys(allowed))
			case strings.Contains(first, "."):
				// Not the standard library: mpb, golang.org/x/term, ...
				t.Errorf("%s depends on %s: it must need nothing beyond the standard library", full, d)
			}
		}
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, strings.TrimPrefix(k, module))
	}
	return out
}
