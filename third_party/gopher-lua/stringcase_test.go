package lua

import "testing"

// mailexpect patch: string.upper and string.lower change the ASCII
// letters only, byte by byte, as Lua 5.1 in the C locale.
func TestStringCaseASCII(t *testing.T) {
	L := NewState()
	defer L.Close()
	for _, tt := range []struct{ in, upper, lower string }{
		{"", "", ""},
		{"retr", "RETR", "retr"},
		{"RETR", "RETR", "retr"},
		{"aUth=Plain 1", "AUTH=PLAIN 1", "auth=plain 1"},
		{"a\x00b", "A\x00B", "a\x00b"},
		{"caf\xc3\xa9", "CAF\xc3\xa9", "caf\xc3\xa9"}, // é stays as it is
		{"\xe9t\xe9", "\xe9T\xe9", "\xe9t\xe9"},       // Latin-1: not UTF-8, not replaced
		{"@[`{", "@[`{", "@[`{"},                      // the bytes around the letters
		{"\xff\x80zZ", "\xff\x80ZZ", "\xff\x80zz"},
	} {
		for _, c := range []struct{ fn, want string }{{"upper", tt.upper}, {"lower", tt.lower}} {
			fn := L.GetField(L.GetGlobal("string"), c.fn)
			if err := L.CallByParam(P{Fn: fn, NRet: 1, Protect: true}, LString(tt.in)); err != nil {
				t.Fatal(err)
			}
			if got := L.Get(-1); got.Type() != LTString || string(got.(LString)) != c.want {
				t.Errorf("string.%s(%q) = %q, want %q", c.fn, tt.in, got, c.want)
			}
			L.Pop(1)
		}
	}
	// A number argument is converted, as before.
	if err := L.DoString(`assert(string.upper(12) == "12" and type(string.lower(1.5)) == "string")`); err != nil {
		t.Error(err)
	}
}
