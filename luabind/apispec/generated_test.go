package apispec

import (
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite docs/reference.md, docs/stubs and spec_gen.go from the spec")

// docsDir is the repository's docs/, from this package's directory.
const docsDir = "../../docs"

// TestGeneratedFilesUpToDate fails when the checked-in reference or stubs
// differ from what the spec renders (gofmt-style: -update rewrites them).
func TestGeneratedFilesUpToDate(t *testing.T) {
	s, err := Build()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"reference.md": s.Markdown()}
	for name, content := range s.Stubs() {
		want[filepath.Join("stubs", name)] = content
	}
	// A stub left from a module that is gone is stale too.
	old, _ := filepath.Glob(filepath.Join(docsDir, "stubs", "*.lua"))
	for _, p := range old {
		rel, _ := filepath.Rel(docsDir, p)
		if _, ok := want[rel]; !ok {
			if *update {
				os.Remove(p)
				continue
			}
			t.Errorf("docs/%s is not generated from the spec any more: delete it (or run go test ./luabind/apispec -update)", rel)
		}
	}
	var names []string
	for n := range want {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		path := filepath.Join(docsDir, name)
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(want[name]), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("docs/%s: %v (run go test ./luabind/apispec -update)", name, err)
			continue
		}
		if d := cmp.Diff(string(got), want[name]); d != "" {
			t.Errorf("docs/%s is stale; run go test ./luabind/apispec -update (-got +want):\n%s", name, firstLines(d, 40))
		}
	}
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = append(lines[:n], "...")
	}
	return strings.Join(lines, "\n")
}

func TestLookup(t *testing.T) {
	s := Get()
	for _, tc := range []struct{ name, want string }{
		{"connect", "connect"},
		{"smtp.open", "smtp.open"},
		{"session", "session"},
		{"s:send", "session:send"},
		{"c:send", "smtp.Client:send"},
		{"smtp.Client.send", "smtp.Client:send"},
		{"expect", "session:expect"},
		{"uid_search", "imap.Client:uid_search"},
		{"smtp", "smtp"},
	} {
		got := s.Lookup(tc.name)
		if len(got) != 1 || got[0] != tc.want {
			t.Errorf("Lookup(%q) = %v, want [%s]", tc.name, got, tc.want)
		}
		if s.Text(got[0]) == "" {
			t.Errorf("Text(%q) is empty", got[0])
		}
	}
	if got := s.Lookup("noop"); len(got) < 3 {
		t.Errorf("Lookup(noop) = %v, want every client's noop", got)
	}
	if got := s.Lookup("no_such_thing"); len(got) != 0 {
		t.Errorf("Lookup(no_such_thing) = %v", got)
	}
}
