package expect

import (
	"fmt"
	"regexp/syntax"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mailexpect/mailexpect/runtime/failure"
)

func TestPatternShape(t *testing.T) {
	for _, tc := range []struct {
		expr      string
		lineLocal bool
		window    int
	}{
		{`^250 (.*)$`, true, 1},
		{`[^ ]+`, true, 1},
		{`\s+\S*\W\D`, true, 1},
		{`[[:space:]]+`, true, 1},
		{`.*`, true, 1},
		{`a\rb`, true, 1},
		{`[\s\S]+`, true, 1}, // a class, even when it covers everything
		{`\r\n`, false, 2},
		{`\n`, false, 2},
		{"a\nb", false, 2}, // a raw LF in the pattern is explicit too
		{`\x0a`, false, 2},
		{`\012`, false, 2},
		{`^250-x\r\n250 END`, false, 2},
		{`a\nb\nc`, false, 3},
		{`(?:a\n){3}`, false, 4},
		{`(?:a\n|b\n\n)`, false, 3},
		{`(?:a\n)?`, false, 2},
		{`(?s)a.b`, false, 2},
		{`(?s)a..b`, false, 3},
		{`(?s)a.*b`, false, 0},
		{`(?s)[^a]`, false, 2},
		{`(?:.|\n)`, false, 2},
		{`(?:.|\n)*`, false, 0},
		{`a[\r\n]b`, false, 2},
		{`a(?:\n|x)b`, false, 2},
		{`(?:a\n)+`, false, 0},
		{`(?:a\n){2,}`, false, 0},
		{`[^\n]`, true, 1},
		{`[\x00-\n]`, true, 1}, // a range endpoint is not an explicit line end
		{`\Q` + "a\nb" + `\E`, false, 2},
	} {
		p, err := Compile(tc.expr)
		if err != nil {
			t.Errorf("Compile(%q): %v", tc.expr, err)
			continue
		}
		if p.LineLocal() != tc.lineLocal || p.Window() != tc.window {
			t.Errorf("Compile(%q): LineLocal %v, Window %d; want %v, %d",
				tc.expr, p.LineLocal(), p.Window(), tc.lineLocal, tc.window)
		}
	}
	for _, tc := range []struct {
		text      string
		lineLocal bool
		window    int
	}{
		{"250 OK", true, 1},
		{"a\r\nb", false, 2},
		{"a\nb\n", false, 3},
	} {
		p := Exact(tc.text)
		if p.LineLocal() != tc.lineLocal || p.Window() != tc.window {
			t.Errorf("Exact(%q): LineLocal %v, Window %d; want %v, %d",
				tc.text, p.LineLocal(), p.Window(), tc.lineLocal, tc.window)
		}
	}
}

func TestPatternAccessors(t *testing.T) {
	p := mustCompile(t, `^(?P<code>\d{3})([ -])(?P<text>.*)$`)
	if p.String() != `^(?P<code>\d{3})([ -])(?P<text>.*)$` {
		t.Errorf("String = %q", p.String())
	}
	if p.NumGroups() != 3 {
		t.Errorf("NumGroups = %d", p.NumGroups())
	}
	if diff := cmp.Diff([]string{"", "code", "", "text"}, p.GroupNames()); diff != "" {
		t.Errorf("GroupNames (-want +got):\n%s", diff)
	}
	e := Exact(`a"b`)
	if e.String() != `exact"a\"b"` || e.NumGroups() != 0 || len(e.GroupNames()) != 1 {
		t.Errorf("Exact: String %s, NumGroups %d, GroupNames %q", e.String(), e.NumGroups(), e.GroupNames())
	}
}

func TestCompileErrors(t *testing.T) {
	for _, expr := range []string{
		`(`,
		`a**`,
		`\1`,
		`(?P<before>x)`,
		`(?P<line>x)`,
		`(?P<case>x)`,
		`(?P<n>x)`,
		`[^\x00-\x09\x0b\x0c\x0e-\x{10FFFF}]`, // only CR and LF: never matches
	} {
		p, err := Compile(expr)
		if !failure.Is(err, failure.Usage) {
			t.Errorf("Compile(%q) = %v, %v; want a usage error", expr, p, err)
			continue
		}
		if !strings.Contains(err.Error(), expr) {
			t.Errorf("Compile(%q): error %q does not name the pattern", expr, err)
		}
	}
	for _, expr := range []string{`(?P<code>x)`, `(?P<N>x)`, `(?P<lines>x)`} {
		if _, err := Compile(expr); err != nil {
			t.Errorf("Compile(%q): %v", expr, err)
		}
	}
}

func TestScanUsageErrors(t *testing.T) {
	b := NewBuffer(0)
	b.Write([]byte("a\r\n"))
	_, err := b.Scan([]Case{{Pattern: mustCompile(t, `(?s)a.*b`)}}).Next(false)
	if !failure.Is(err, failure.Usage) || !strings.Contains(err.Error(), `(?s)a.*b`) {
		t.Errorf("unbounded case without Lines: %v; want a usage error naming the pattern", err)
	}
	_, err = b.Scan([]Case{{}}).Next(false)
	if !failure.Is(err, failure.Usage) {
		t.Errorf("case without pattern: %v; want a usage error", err)
	}
	if b.Len() != 3 {
		t.Errorf("a usage error consumed data: %q left", b.Bytes())
	}
}

type found struct {
	Groups     []string
	Start, End int
	Before     string
	Line       string
}

func toFound(m *Match) *found {
	if m == nil {
		return nil
	}
	return &found{Groups: m.Groups, Start: m.Start, End: m.End, Before: m.Before, Line: m.Line}
}

func TestFindString(t *testing.T) {
	for _, tc := range []struct {
		expr  string
		exact bool
		s     string
		start int
		want  *found
	}{
		{expr: `^250 (.*)$`, s: "250-a\r\n250 OK\r\n",
			want: &found{[]string{"250 OK", "OK"}, 7, 13, "250-a\r\n", "250 OK"}},
		{expr: `^(\d+)$`, s: "12\r\n34", start: 1,
			want: &found{[]string{"34", "34"}, 4, 6, "2\r\n", "34"}},
		{expr: `^\d+$`, s: "12", start: 1}, // ^ only at a line start of s
		{expr: `\b2`, s: "12 2", start: 1,
			want: &found{[]string{"2"}, 3, 4, "2 ", "12 2"}},
		{expr: `a.b`, s: "a\rb"},
		{expr: `a$`, s: "a\r", want: &found{[]string{"a"}, 0, 1, "", "a"}},
		{expr: `x\r\ny`, s: "x\r\ny", want: &found{[]string{"x\r\ny"}, 0, 4, "", "y"}},
		{expr: `x\r\ny`, s: "x\ny", want: &found{[]string{"x\ny"}, 0, 3, "", "y"}},
		{expr: `(?s)x.y`, s: "0x\r\ny", start: 1, want: &found{[]string{"x\r\ny"}, 1, 5, "", "y"}},
		{expr: `^x\r\n^y`, s: "ax\r\ny", start: 1},
		{expr: `^$`, s: "", want: &found{[]string{""}, 0, 0, "", ""}},
		{expr: `^$`, s: "a\r\n", want: &found{[]string{""}, 3, 3, "a\r\n", ""}},
		{expr: `(1+1)`, exact: true, s: "x(1+1)", want: &found{[]string{"(1+1)"}, 1, 6, "x", "x(1+1)"}},
		{expr: "b\r\nc", exact: true, s: "ab\r\ncd", want: &found{[]string{"b\r\nc"}, 1, 5, "a", "cd"}},
		{expr: "b\r", exact: true, s: "ab\r\n"},
		{expr: `^a`, s: "xa", start: 5},
	} {
		var p *Pattern
		if tc.exact {
			p = Exact(tc.expr)
		} else {
			p = mustCompile(t, tc.expr)
		}
		got := toFound(p.FindStringFrom(tc.s, tc.start))
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s.FindStringFrom(%q, %d) (-want +got):\n%s", p, tc.s, tc.start, diff)
		}
		if tc.start == 0 {
			if diff := cmp.Diff(tc.want, toFound(p.FindString(tc.s))); diff != "" {
				t.Errorf("%s.FindString(%q) (-want +got):\n%s", p, tc.s, diff)
			}
		}
	}
}

func TestFindAllString(t *testing.T) {
	for _, tc := range []struct {
		expr string
		s    string
		n    int
		want []string
	}{
		{`\d+`, "1 22\r\n333", -1, []string{"1", "22", "333"}},
		{`\d+`, "1 22\r\n333", 2, []string{"1", "22"}},
		{`x*`, "ab", -1, []string{"", "", ""}},
		{`$`, "a\r\nb\r\n", -1, []string{"", "", ""}}, // like (?m)$ on "a\nb\n"
		{`$`, "a\r", -1, []string{""}},
		{`^`, "a\r\nb", -1, []string{"", ""}},
		{`b\r\n`, "b\r\nb\r\nb", -1, []string{"b\r\n", "b\r\n"}},
		{`(?s)a.`, "a\r\na\r\n", -1, []string{"a\r\n", "a\r\n"}},
	} {
		p := mustCompile(t, tc.expr)
		var got []string
		for _, m := range p.FindAllString(tc.s, tc.n) {
			got = append(got, m.Groups[0])
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s.FindAllString(%q, %d) (-want +got):\n%s", p, tc.s, tc.n, diff)
		}
	}
	ms := mustCompile(t, `(\d)`).FindAllString("a1b2", -1)
	if len(ms) != 2 || ms[1].Before != "b" || ms[1].Start != 3 {
		t.Errorf("FindAllString Before/Start: %+v", ms)
	}
}

func TestMarkExplicitLineEnds(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`a\nb`, `a(?:\n{1})b`},
		{`\r\n`, `(?:\r{1})(?:\n{1})`},
		{"a\nb", `a(?:\n{1})b`},
		{`\x0a\x{d}\012`, `(?:\n{1})(?:\r{1})(?:\n{1})`},
		{`[\n]`, `[\x{da00}]`},
		{`[^\r\na]`, `[^\x{dc00}\x{da00}a]`},
		{`[\x00-\n]`, `[\x00-\n]`},
		{`[\n-\r]`, `[\n-\r]`},
		{`[]\n]`, `[]\x{da00}]`},
		{`[[:space:]\n]`, `[[:space:]\x{da00}]`},
		{`[\d\n]`, `[\d\x{da00}]`},
		{`\Qa.` + "\n" + `\E`, `a\.(?:\n{1})`},
		{`\\n`, `\\n`},
		{`\pL\p{Greek}\n`, `\pL\p{Greek}(?:\n{1})`},
		{`a\.b`, `a\.b`},
	} {
		if got := markExplicitLineEnds(tc.in); got != tc.want {
			t.Errorf("markExplicitLineEnds(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// Without explicit CR or LF the marking step changes nothing, so Go's own
// parse of the pattern is what runs.
func TestMarkingKeepsOtherPatterns(t *testing.T) {
	for _, expr := range []string{
		`^(?P<code>\d{3})[ -](.*)$`, `[^ ]+`, `[]a-]`, `[^]]`, `[\]-a]`, `\x41\101`,
		`(?i)héllo[[:alpha:]]+\pL`, `a{2,3}?b*?`, `[\[\]]`, `\Qa\E`,
	} {
		want, err := syntax.Parse(expr, parseFlags)
		if err != nil {
			t.Fatal(err)
		}
		got, err := syntax.Parse(markExplicitLineEnds(expr), parseFlags)
		if err != nil {
			t.Errorf("marked %q does not parse: %v", expr, err)
			continue
		}
		if !got.Equal(want) {
			t.Errorf("marking changed %q: %v, want %v", expr, got, want)
		}
	}
}

func TestToSource(t *testing.T) {
	for _, expr := range []string{
		`^(?P<code>\d{3})[ -](.*)$`, `(?i)abc|x*?y+?z??`, `a{2}b{2,}c{2,5}?`, `(?s:.)(?-s:.)\A\z\b\B`,
		`(?-m:$)`, `[^a-z]|\pL|[[:space:]]`, `(?i)[k]`, `(?:)`, `(a|b)(?:c|d)*`, `[^\x00-\x{10FFFF}]`,
		`\x{10FFFF}é`, `(?U)a*b`, "a\x00b",
	} {
		re, err := syntax.Parse(expr, parseFlags)
		if err != nil {
			t.Fatal(err)
		}
		checkRoundTrip(t, re)
	}
}

// Compile keeps what it compiled: the same source gives the same
// *Pattern, and a bad one is refused every time.
func TestCompileCache(t *testing.T) {
	a, err := Compile(`^250 cache-test`)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Compile(`^250 cache-test`)
	if a != b {
		t.Error("the same pattern compiled twice")
	}
	for range 2 {
		if _, err := Compile(`^(`); err == nil {
			t.Error("a bad pattern compiled (from the cache?)")
		}
	}
	for i := range patternCacheMax + 10 { // a full cache starts over
		MustCompile(fmt.Sprintf("x%d", i))
	}
	if n := len(cache.m); n > patternCacheMax {
		t.Errorf("cache holds %d patterns, bound %d", n, patternCacheMax)
	}
}

func TestMustCompilePanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "bad pattern") {
			t.Errorf("MustCompile(`^(`) recovered %v", r)
		}
	}()
	MustCompile(`^(`)
}

// The line filter behind line skipping (scan.go, find.go): which patterns
// get one, with which needle.
func TestLineFilter(t *testing.T) {
	for _, tc := range []struct {
		expr     string
		needle   string
		anchored bool
	}{
		{`^\.$`, ".", true},
		{`^\.\.`, "..", true},
		{`^250 `, "250 ", true},
		{`^(?P<code>250) `, "250", true},
		{`OK$`, "OK", false},
		{`\bbar`, "bar", false},
		{`(?i)^quit`, "", false},
		{`^\d{3} `, "", false},
		{`a|b`, "", false},
		{`^a\r\nb`, "", false}, // multi-line: run on window text
	} {
		p := MustCompile(tc.expr)
		f := p.filter
		if tc.needle == "" {
			if f != nil {
				t.Errorf("%s: filter %+v, want none", tc.expr, *f)
			}
			continue
		}
		if f == nil || f.needle != tc.needle || f.anchored != tc.anchored {
			t.Errorf("%s: filter %+v, want needle %q anchored %v", tc.expr, f, tc.needle, tc.anchored)
		}
	}
	if f := Exact("250 OK").filter; f == nil || f.needle != "250 OK" || f.anchored {
		t.Errorf(`Exact("250 OK"): filter %+v`, f)
	}
}

// TestWithCancel: a pattern with an open done channel finds what the
// pattern finds; with done closed every search reports no match, over
// one line or many, without running the search to the end.
func TestWithCancel(t *testing.T) {
	open := make(chan struct{})
	closed := make(chan struct{})
	close(closed)
	lines := strings.Repeat(strings.Repeat("a", 100)+"\r\n", 1000) + "aab"
	for _, expr := range []string{`a{1,50}b`, `(?s)a+\n?b`, `^a+b$`} {
		p := MustCompile(expr)
		want := p.FindAllStringIndex(lines, -1)
		if got := p.WithCancel(open).FindAllStringIndex(lines, -1); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: open: %v, want %v", expr, got, want)
		}
		if m := p.WithCancel(closed).FindString(lines); m != nil {
			t.Errorf("%s: closed: matched %q", expr, m.Groups[0])
		}
		if got := p.WithCancel(closed).FindAllString(lines, -1); len(got) != 0 {
			t.Errorf("%s: closed: %d matches", expr, len(got))
		}
	}
}
