package apispec

import "testing"

func TestSpecBuilds(t *testing.T) {
	s, err := Build()
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Funcs) < 100 {
		t.Errorf("only %d functions declared", len(s.Funcs))
	}
}

func TestParseType(t *testing.T) {
	for _, tc := range []struct {
		src  string
		kind Kind
	}{
		{"string", String},
		{"string|number", Union},
		{"{string, string}[]", List},
		{"table<string, string|boolean>", Map},
		{`"implicit"|"none"|boolean`, Union},
		{"(string|table)[]", List},
		{"smtp.SendOptions", Named},
		{"{user: string, pass: string}[]", List},
	} {
		ty, err := ParseType(tc.src)
		if err != nil {
			t.Errorf("%s: %v", tc.src, err)
			continue
		}
		if ty.Kind != tc.kind || ty.String() != tc.src {
			t.Errorf("%s: kind %d, string %q", tc.src, ty.Kind, ty.String())
		}
	}
	for _, bad := range []string{"", "string|", "{string", "table<string>", `"x`} {
		if _, err := ParseType(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// BenchmarkBuild is the parse of the whole spec, which every process
// does once (in the background, from init).
func BenchmarkBuild(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := build(pending); err != nil {
			b.Fatal(err)
		}
	}
}
