package luabind

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	lua "github.com/mailexpect/mailexpect/third_party/gopher-lua"
	"github.com/mailexpect/mailexpect/third_party/gopher-lua/parse"
)

// SyntaxError is a script that cannot be compiled: a Lua syntax error or an
// unknown escape in a string literal. Error() is one line, "file:line: msg".
type SyntaxError struct {
	File    string
	Line    int    // 0 when unknown (e.g. "at EOF")
	Column  int    // 0 when unknown
	Message string // without position
	Hint    string // a suggestion for the user, or ""
}

func (e *SyntaxError) Error() string {
	switch {
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Message)
	default:
		return fmt.Sprintf("%s: %s", e.File, e.Message)
	}
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// Compile turns a script into a FunctionProto. It strips a UTF-8 byte order
// mark, blanks a "#!" first line (keeping line numbers), rejects unknown
// escapes in string literals (Lua 5.1 silently reads "\d" as "d", so a
// pattern written "^\d{3} " would never match), then parses and compiles.
//
// The proto holds no state: compile a script once per process and run it in
// any number of states, concurrently.
func Compile(name string, src []byte) (*lua.FunctionProto, error) {
	src = bytes.TrimPrefix(src, utf8BOM)
	if bytes.HasPrefix(src, []byte("#")) {
		// Shebang: blank the first line but keep its newline so that
		// error positions still count from the file's first line.
		end := bytes.IndexByte(src, '\n')
		if end < 0 {
			src = nil
		} else {
			src = src[end:]
		}
	}
	if err := checkEscapes(name, src); err != nil {
		return nil, err
	}
	chunk, err := parse.Parse(bytes.NewReader(src), name)
	if err != nil {
		se := syntaxError(name, err)
		if se.Line == 0 {
			// "at EOF": point at the last line; the usual cause is a
			// missing end.
			se.Line = bytes.Count(src, []byte("\n")) + 1
			if len(src) > 0 && src[len(src)-1] == '\n' {
				se.Line--
			}
			se.Hint = "is an 'end' (or a closing bracket) missing?"
		}
		return nil, se
	}
	proto, err := lua.Compile(chunk, name)
	if err != nil {
		return nil, syntaxError(name, err)
	}
	return proto, nil
}

// syntaxError normalises gopher-lua's two error shapes ("f line:4(column:3)
// near 'end':   msg\n" and "compile error near line(4) f: msg") into one.
func syntaxError(name string, err error) *SyntaxError {
	var pe *parse.Error
	if errors.As(err, &pe) {
		se := &SyntaxError{File: name, Message: strings.TrimSpace(pe.Message)}
		if pe.Pos.Line != parse.EOF {
			se.Line, se.Column = pe.Pos.Line, pe.Pos.Column
			if pe.Token != "" {
				se.Message += fmt.Sprintf(" near '%s'", pe.Token)
			}
		} else {
			se.Message += " at end of file"
		}
		return se
	}
	var ce *lua.CompileError
	if errors.As(err, &ce) {
		return &SyntaxError{File: name, Line: ce.Line, Message: ce.Message}
	}
	return &SyntaxError{File: name, Message: strings.TrimSpace(err.Error())}
}
