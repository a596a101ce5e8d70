package luabind

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name, src string
		want      *SyntaxError // nil: compiles
	}{
		{"ok", `local x = 1`, nil},
		{"long bracket pattern", `local p = [[^\d{3} ]]`, nil},
		{"level-2 long bracket", "local p = [==[a]]\\d]==]", nil},
		{"valid escapes", `local s = "\a\b\f\n\r\t\v\\\"\'\65\0"`, nil},
		{"escaped newline", "local s = \"a\\\nb\"", nil},
		{"escape in comment", `-- "\d" is fine here` + "\nlocal x = 1", nil},
		{"escape in long comment", "--[[ \"\\d\" \n ]] local x = 1", nil},
		{"bom", "\xEF\xBB\xBFlocal x = 1", nil},
		{"shebang", "#!/usr/bin/env mailexpect\nlocal x = 1", nil},
		{"unknown escape", "local x = 1\nlocal p = \"^\\d{3} \"", &SyntaxError{
			File: "t.lua", Line: 2,
			Message: `unknown escape "\d" in a string literal (Lua would silently read it as "d")`,
			Hint:    `write regular expressions in long brackets, e.g. [[^\d{3} ]], or double the backslash ("\\d")`,
		}},
		{"unknown escape single quote", `local p = '\s+'`, &SyntaxError{
			File: "t.lua", Line: 1,
			Message: `unknown escape "\s" in a string literal (Lua would silently read it as "s")`,
			Hint:    `write regular expressions in long brackets, e.g. [[^\d{3} ]], or double the backslash ("\\d")`,
		}},
		{"hex escape", `local p = "\x41"`, &SyntaxError{
			File: "t.lua", Line: 1,
			Message: `unknown escape "\x" in a string literal (Lua would silently read it as "x")`,
			Hint:    `Lua 5.1 has no "\x" escape: write a byte as a decimal escape such as "\65", or use long brackets [[...]]`,
		}},
		{"line after long string", "local a = [[\n\n]]\nlocal b = \"\\w\"", &SyntaxError{
			File: "t.lua", Line: 4,
			Message: `unknown escape "\w" in a string literal (Lua would silently read it as "w")`,
			Hint:    `write regular expressions in long brackets, e.g. [[^\d{3} ]], or double the backslash ("\\d")`,
		}},
		{"shebang keeps line numbers", "#!/usr/bin/env mailexpect\nlocal x = = 1", &SyntaxError{
			File: "t.lua", Line: 2, Column: 11, Message: "syntax error near '='",
		}},
		{"syntax error", "if x then\nlocal y = 1\n", &SyntaxError{
			File: "t.lua", Line: 2, Message: "syntax error at end of file",
			Hint: "is an 'end' (or a closing bracket) missing?",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile("t.lua", []byte(tt.src))
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Compile: %v", err)
				}
				return
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Compile error %v (%T), want a *SyntaxError", err, err)
			}
			if diff := cmp.Diff(tt.want, se); diff != "" {
				t.Errorf("SyntaxError (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSyntaxErrorString(t *testing.T) {
	_, err := Compile("check.lua", []byte("local p = \"\\d\""))
	if got, want := err.Error(), `check.lua:1: unknown escape "\d" in a string literal (Lua would silently read it as "d")`; got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}
