package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/mailexpect/mailexpect/internal/sandbox"
	"github.com/mailexpect/mailexpect/internal/sandbox/sandboxtest"
)

// luaBlock finds the ```lua examples of a markdown file.
var luaBlock = regexp.MustCompile("(?ms)^```lua\n(.*?)^```")

// TestDocExamples runs every ```lua example of README.md and docs/guide.md
// against a sandbox, as a reader would after pasting the export line that
// `mailexpect sandbox` prints (MAILEXPECT_* set, no --sandbox flag), with
// the sandbox's SMTP address as arg[1]. Each must exit 0.
func TestDocExamples(t *testing.T) {
	srv := sandboxtest.Start(t, sandbox.Config{})
	sandboxtest.Setenv(t, srv)
	dir := t.TempDir()
	total := 0
	for _, doc := range []string{"../../README.md", "../../docs/guide.md"} {
		text, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		blocks := luaBlock.FindAllSubmatchIndex(text, -1)
		if len(blocks) == 0 {
			t.Errorf("%s has no lua example", doc)
		}
		for _, b := range blocks {
			total++
			line := 1 + strings.Count(string(text[:b[0]]), "\n")
			name := filepath.Base(doc) + ":" + itoa(line)
			src := text[b[2]:b[3]]
			path := filepath.Join(dir, strings.NewReplacer(".", "_", ":", "_").Replace(name)+".lua")
			if err := os.WriteFile(path, src, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Run(name, func(t *testing.T) {
				code, out, errs := runCLI(t, "--timeout", "10", path, srv.SMTPAddr())
				if code != 0 {
					t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
				}
			})
		}
	}
	if total < 10 {
		t.Errorf("only %d examples found", total)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
