package expect

import (
	"regexp"
	"regexp/syntax"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fuzzCaseSets are the case lists FuzzSplit plays against random data:
// line-local and multi-line patterns, exact text, anchors, word boundaries,
// empty matches and look-ahead at line ends.
var fuzzCaseSets = [][]pat{
	{re(`^250 (.*)$`), re(`^250-`), re(`^(\d{3})(-)?`)},
	{re(`^$`), re(`x*`)},
	{re(`a\r\nb`), re(`(?s)a.b`), re(`\bab`), re(`b$`)},
	{re(`[^ ]+$`), lit("b\r\na"), lit("ab")},
	{pat{re: `(?s)a.*b`, lines: 3}, re(`^b$`)},
	{re(`^x\r\n$`), re(`a\n\b`), re(`\s+a`)},
	{re(`^a(?:\r\n|b)+?$`), pat{re: `(?:a\n)+b`, lines: 2}, re(`(?:.|\n)a`)},
	{re(`\r`), re(`\rb`), re(`[\r\n]a`)},
	// every case has a needle: lines are skipped by byte search
	{re(`^a$`), re(`^ab`), lit("b\r"), re(`b(a)`)},
	{re(`^\.$`), re(`^\.\.`), prompt(`^a `)},
}

// FuzzSplit: re-splitting the server's bytes never changes the outcome of
// a sequence of expect calls, and replaying buffered data gives the same
// outcome as receiving it during the calls. Matches are also checked
// against the data itself.
func FuzzSplit(f *testing.F) {
	for i, s := range []string{
		"250-mx\r\n250-SIZE 1\r\n250 HELP\r\n",
		"ab\r\nb\r\na\r\n\r\nx\r\n\r\nab",
		"a\rb\r\r\n\nab\na b",
		"x\r\n\r\na\r\nb\r\nab\r\n",
		"\xff\xfeab\r\n a\r\nb",
	} {
		f.Add([]byte(s), uint64(i), uint8(i))
	}
	f.Fuzz(func(t *testing.T, data []byte, seed uint64, set uint8) {
		cases := fuzzCaseSets[int(set)%len(fuzzCaseSets)]
		r := row{server: string(data), eof: seed&1 == 1}
		for range 64 {
			r.calls = append(r.calls, cases)
		}
		want := run(t, r, []string{r.server}, false)
		checkOutcome(t, r, want)
		if got := run(t, r, randomSplit(r.server, seed), false); !cmp.Equal(want, got) {
			t.Fatalf("split at seed %d changed the outcome (-whole +split):\n%s", seed, cmp.Diff(want, got))
		}
		if got := run(t, r, []string{r.server}, true); !cmp.Equal(want, got) {
			t.Fatalf("replay changed the outcome (-during +buffered):\n%s", cmp.Diff(want, got))
		}
	})
}

// checkOutcome checks that the matches tile the data: each match's Before
// and whole match are the data at that point, each call consumed through a
// line end, and what is left is the rest of the data.
func checkOutcome(t *testing.T, r row, o outcome) {
	t.Helper()
	data := r.server
	for i, res := range o.Results {
		if !strings.HasPrefix(data, res.Before+res.Groups[0]) {
			t.Fatalf("call %d: before %q + match %q is not the unconsumed data %q", i, res.Before, res.Groups[0], data)
		}
		data = data[len(res.Before)+len(res.Groups[0]):]
		// Consumed through the end of the line in which the match ends,
		// which is where it ends if its last byte is an LF.
		if m := res.Groups[0]; m == "" || m[len(m)-1] != '\n' {
			if i := strings.IndexByte(data, '\n'); i >= 0 {
				data = data[i+1:]
			} else {
				data = "" // the last line, at eof
			}
		}
	}
	if o.Rest != data {
		t.Fatalf("rest %q, want %q", o.Rest, data)
	}
}

// FuzzFind: compiling never panics; a pattern Go accepts still parses
// after the marking step; and a line-local pattern finds the same match
// line by line (FindString) as its multi-line form does on the whole
// normalised string.
func FuzzFind(f *testing.F) {
	for _, s := range [][2]string{
		{`^250 (.*)$`, "250-a\r\n250 OK\r\n"},
		{`[^ ]+$`, "a b\r\nc"},
		{`\bx`, "ax x\r\n"},
		{`[\r\n]a|\Qa\E`, "b\r\na"},
		{`(?i)[[:space:]]\S\pL`, "x \xffé\r\n"},
		{`x*`, "\r\n\r\n"},
		{`a\rb$`, "a\rb\r\n"},
		{`^\.\.`, "..a\r\n.\r\nb..\r\n..\r"},
		{`^\.$`, "x\r\n.\r\r\n.\n."},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, expr, s string) {
		orig, err := syntax.Parse(expr, parseFlags)
		if err != nil {
			return
		}
		checkRoundTrip(t, orig)
		if _, err := syntax.Parse(markExplicitLineEnds(expr), parseFlags); err != nil {
			t.Fatalf("marked %q does not parse: %v", markExplicitLineEnds(expr), err)
		}
		p, err := Compile(expr)
		if err != nil {
			return
		}
		m := p.FindString(s)
		if m != nil && m.Groups[0] != s[m.Start:m.End] {
			t.Fatalf("match %q at [%d,%d] of %q", m.Groups[0], m.Start, m.End, s)
		}
		for _, m := range p.FindAllString(s, 10) {
			if m.Groups[0] != s[m.Start:m.End] {
				t.Fatalf("FindAllString: match %q at [%d,%d] of %q", m.Groups[0], m.Start, m.End, s)
			}
		}
		if !p.LineLocal() || !utf8Clean(s) {
			return
		}
		// The same tree run in multi-line mode over the normalised string.
		tree, _ := syntax.Parse(markExplicitLineEnds(expr), parseFlags)
		if applyLineRules(tree) != nil {
			return
		}
		multi := regexp.MustCompile(tree.String())
		norm := normalize(s, 0)
		loc := multi.FindStringIndex(norm.text)
		if loc != nil {
			norm.toSource(loc)
		}
		switch {
		case m == nil && loc == nil:
		case m == nil || loc == nil || m.Start != loc[0] || m.End != loc[1]:
			t.Fatalf("%q on %q: line by line %+v, multi-line %v", expr, s, m, loc)
		}
		// Scanning the string as received data finds the same match,
		// except at the very end after a final LF, where expect never
		// tries an empty line that has not arrived.
		if m != nil && m.Start == len(s) && (s == "" || s[len(s)-1] == '\n') {
			return
		}
		b := NewBuffer(0)
		b.Write([]byte(s))
		sm, _ := b.Scan([]Case{{Pattern: p}}).Next(true)
		switch {
		case m == nil && sm == nil:
		case m == nil || sm == nil || m.Start != sm.Start || m.End != sm.End:
			t.Fatalf("%q on %q: FindString %+v, Scan %+v", expr, s, m, sm)
		}
	})
}

// utf8Clean reports whether s decodes the same however it is cut at line
// ends (no invalid sequences), so both paths see the same characters.
func utf8Clean(s string) bool { return strings.ToValidUTF8(s, "\x00") == s }

// checkRoundTrip checks that toSource(re) parses back to re.
func checkRoundTrip(t *testing.T, re *syntax.Regexp) {
	t.Helper()
	src := toSource(re)
	back, err := syntax.Parse(src, parseFlags)
	if err != nil {
		t.Fatalf("toSource(%v) = %q does not parse: %v", re, src, err)
	}
	if !back.Equal(re) && back.Simplify().String() != re.Simplify().String() {
		t.Fatalf("toSource(%v) = %q parses back to %v", re, src, back)
	}
}

// FuzzScanModel compares the scanner with a brute-force model of the
// contract for one case with any bounded pattern: at each line end in turn,
// run the pattern in multi-line mode over the whole normalised data so far
// (plus the sentinel standing for the next line); the first leftmost match
// decides. No windows, no line-local shortcut, no prefilter, no anchoring:
// if the scanner's optimisations lose or invent a match, this finds it.
// It also checks that re-splitting the data changes nothing for this
// pattern.
func FuzzScanModel(f *testing.F) {
	for _, s := range [][2]string{
		{`^250 (.*)$`, "250-a\r\n250 OK\r\n"},
		{`^250-x\r\n250 (E)`, "250-x\r\n250-y\r\n250-x\r\n250 END\r\n"},
		{`x\r\n$`, "x\r\ny\r\nx\r\n\r\n"},
		{`(?s)a..b`, "a\r\n\r\nb\r\na\r\nb"},
		{`\bb|^a\n`, "ab\r\na\nb b"},
		{`(?:^a\r\n)?$`, "a\r\n\r\n"},
		{`^\.$`, "a\r\n.x\r\n.\r\n"},
		{`^25`, "x25\r\n 25\r\n250\r\n"},
	} {
		f.Add(s[0], s[1], false, uint64(1))
	}
	f.Fuzz(func(t *testing.T, expr, data string, eof bool, seed uint64) {
		p, err := Compile(expr)
		if err != nil || p.Window() == 0 || p.Window() > 8 || !utf8Clean(data) {
			return
		}
		tree, _ := syntax.Parse(markExplicitLineEnds(expr), parseFlags)
		applyLineRules(tree)
		windowCR(tree, false)
		model := regexp.MustCompile(tree.String())

		b := NewBuffer(0)
		b.Write([]byte(data))
		got, _ := b.Scan([]Case{{Pattern: p}}).Next(eof)
		var gotLoc []int
		if got != nil {
			gotLoc = []int{got.Start, got.End}
		}
		if want := modelScan(model, data, eof); !cmp.Equal(want, gotLoc) {
			t.Fatalf("%q on %q (eof %v): model %v, scanner %v (%+v)", expr, data, eof, want, gotLoc, got)
		}

		r := row{server: data, eof: eof, calls: [][]pat{{re(expr)}, {re(expr)}, {re(expr)}}}
		whole := run(t, r, []string{data}, false)
		if split := run(t, r, randomSplit(data, seed), false); !cmp.Equal(whole, split) {
			t.Fatalf("%q on %q: split changed the outcome (-whole +split):\n%s", expr, data, cmp.Diff(whole, split))
		}
	})
}

// modelScan returns the offsets of the match the contract says the first
// expect call on data returns, or nil.
func modelScan(model *regexp.Regexp, data string, eof bool) []int {
	try := func(end int, complete bool) []int {
		n := normalize(data[:end], 0)
		text := n.text
		if complete {
			text += "\r" // the next line has not arrived
		}
		loc := model.FindStringIndex(text)
		if loc == nil || complete && loc[0] >= len(n.text) {
			return nil
		}
		loc[1] = min(loc[1], len(n.text))
		n.toSource(loc)
		return loc
	}
	for end := 0; end < len(data); {
		i := strings.IndexByte(data[end:], '\n')
		if i < 0 {
			if eof {
				return try(len(data), false)
			}
			return nil
		}
		end += i + 1
		if loc := try(end, true); loc != nil {
			return loc
		}
	}
	return nil
}
