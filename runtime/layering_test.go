// Package layering_test guards the rule that runtime/ is a Go library
// usable without Lua: no package under runtime/ may depend on gopher-lua.
package layering_test

import (
	"os/exec"
	"strings"
	"testing"
)

func TestRuntimeDoesNotImportLua(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", "./...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 5 {
		t.Fatalf("go list returned too little to be a real answer: %q", deps)
	}
	for _, d := range deps {
		if strings.Contains(d, "gopher-lua") || strings.HasPrefix(d, "github.com/mailexpect/mailexpect/luabind") {
			t.Errorf("a runtime/ package depends on %s; runtime/ must stay usable without Lua", d)
		}
	}
}
