package luabind

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// require finds a module next to the script, never shadows an embedded
// module, and is off under --restricted.
func TestRequireSibling(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("helper.lua", `return {greet = function(n) return "hello " .. n end}`)
	write("lib/util.lua", `return {twice = function(x) return x * 2 end}`)
	write("check.lua", `error("the script's own check.lua must not replace the check module")`)
	write("bad.lua", `return "\d"`)

	for _, tc := range []struct {
		name       string
		restricted bool
		src, want  string
	}{
		{"sibling", false, `print(require("helper").greet("x"), require("lib.util").twice(21))`, "hello x\t42\n"},
		{"embedded wins", false, `print(type(require("check").metric))`, "function\n"},
		{"restricted", true, `local ok, e = pcall(require, "helper") print(ok, e.kind, e.message)`,
			"false\tusage\trequire: module 'helper' not found in mailexpect's embedded modules (--restricted loads nothing from disk)\n"},
		{"missing", false, `local ok, e = pcall(require, "nope") print(e.message)`,
			"require: module 'nope' not found in mailexpect's embedded modules, next to the script (" + filepath.Join(dir, "nope.lua") + ") (LUA_PATH is searched only with --lua-path)\n"},
		{"bad escape", false, `local ok, e = pcall(require, "bad") print(e.kind)`, "usage\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out strings.Builder
			rn := NewRunner(Config{Stdout: &out, Stderr: &out, ScriptDir: dir, Restricted: tc.restricted})
			if code, err := rn.RunSource(context.Background(), "main.lua", []byte(tc.src)); err != nil {
				t.Fatalf("exit %d: %v\n%s", code, err, out.String())
			}
			got := out.String()
			if tc.name == "embedded wins" {
				got = strings.SplitAfter(got, "\n")[0] // the check module prints its status line at the end
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
