package pm_test

import (
	"flag"
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/mailexpect/mailexpect/third_party/gopher-lua/pm"
)

// The matcher of patch 0040 against the one before it (oldpm_test.go),
// over generated patterns and subjects: the same matches with the same
// captures, or the same error, for one match and for all of them, from
// several offsets.

// patternAtoms are the pieces patterns are made of: literals, classes,
// sets (well and badly formed), anchors, captures, %b and back
// references, and bytes that make patterns malformed.
var patternAtoms = []string{
	"a", "b", "a", "b", " ", "\n", "\r", "-", "1", "x", "<", ">", "@",
	".", "%a", "%d", "%s", "%w", "%S", "%D", "%p", "%x", "%l", "%u", "%c", "%z", "%A", "%W",
	"%%", "%.", "%-", "%[", "%]", "%(", "%)",
	"[ab]", "[^ab]", "[a-c]", "[%d%-]", "[]]", "[^]]", "[a-]", "[-a]", "[%a_]", "[^%s]", "[ \t]",
	"(", ")", "()", "(", ")", "^", "$", "%b()", "%b<>", "%1", "%2", "%0", "%f", "%",
	"[", "]", "[^", "*", "+", "-", "?",
}

var quantifiers = []string{"", "", "", "*", "+", "-", "?"}

func genPattern(r *rand.Rand) string {
	var b strings.Builder
	if r.Intn(3) == 0 {
		b.WriteByte('^')
	}
	open := 0
	for n := r.Intn(7); n >= 0; n-- {
		switch k := r.Intn(10); {
		case k == 0:
			b.WriteByte('(')
			open++
		case k == 1 && open > 0:
			b.WriteByte(')')
			open--
		default:
			b.WriteString(patternAtoms[r.Intn(len(patternAtoms))])
			b.WriteString(quantifiers[r.Intn(len(quantifiers))])
		}
	}
	for ; open > 0 && r.Intn(4) != 0; open-- {
		b.WriteByte(')')
	}
	if r.Intn(4) == 0 {
		b.WriteByte('$')
	}
	return b.String()
}

const subjectBytes = "aab b\n\r\t-1x<>@()[]%A_\x00\xff"

func genSubject(r *rand.Rand) string {
	b := make([]byte, r.Intn(24))
	for i := range b {
		b[i] = subjectBytes[r.Intn(len(subjectBytes))]
	}
	return string(b)
}

// outcome is a Find's result as text: each match's captures, or the
// error, or the Go panic.
func outcome(find func() (int, func(i int) (int, []int, []bool), error)) (s string) {
	defer func() {
		if v := recover(); v != nil {
			s = fmt.Sprintf("panic: %v", v)
		}
	}()
	n, match, err := find()
	if err != nil {
		return "error: " + err.Error()
	}
	var b strings.Builder
	for i := 0; i < n; i++ {
		_, caps, pos := match(i)
		fmt.Fprintf(&b, "%v%v;", caps, pos)
	}
	return b.String()
}

func newOutcome(p, s string, offset, limit int) string {
	return outcome(func() (int, func(int) (int, []int, []bool), error) {
		ms, err := pm.Find(p, []byte(s), offset, limit)
		return len(ms), func(i int) (int, []int, []bool) {
			m := ms[i]
			caps, pos := make([]int, m.CaptureLength()), make([]bool, m.CaptureLength())
			for j := range caps {
				caps[j], pos[j] = m.Capture(j), m.IsPosCapture(j)
			}
			return len(caps), caps, pos
		}, err
	})
}

func oldOutcome(p, s string, offset, limit int) string {
	return outcome(func() (int, func(int) (int, []int, []bool), error) {
		ms, err := oldFind(p, append(make([]byte, 0, len(s)+64), s...), offset, limit) // room past the end: see pm.go, opNumber
		return len(ms), func(i int) (int, []int, []bool) {
			m := ms[i]
			caps, pos := make([]int, m.CaptureLength()), make([]bool, m.CaptureLength())
			for j := range caps {
				caps[j], pos[j] = m.Capture(j), m.IsPosCapture(j)
			}
			return len(caps), caps, pos
		}, err
	})
}

// matchOutcome is the first match through Pattern.Match, the path
// string.match, find and gmatch take, in FindCancel's form.
func matchOutcome(p, s string, offset int) string {
	c, err := pm.Compile(p)
	if err != nil {
		return "error: " + err.Error()
	}
	var m pm.MatchData
	return outcome(func() (int, func(int) (int, []int, []bool), error) {
		ok, err := c.Match(s, offset, &m, nil)
		n := 0
		if ok {
			n = 1
		}
		return n, func(int) (int, []int, []bool) {
			caps, pos := make([]int, m.CaptureLength()), make([]bool, m.CaptureLength())
			for j := range caps {
				caps[j], pos[j] = m.Capture(j), m.IsPosCapture(j)
			}
			return len(caps), caps, pos
		}, err
	})
}

// luaOnly reports whether p uses what the matcher has done as Lua 5.1.5
// since patch 0045 and the old one did not: a frontier (%f) or a back
// reference to a position capture (it matched ""). The old matcher is no
// reference there; stringlib_lua51_test.go asserts lua5.1's results.
func luaOnly(p string) bool {
	var pos []bool // per capture in order: a position capture
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '%':
			if i++; i == len(p) {
				break
			}
			switch c := p[i]; {
			case c == 'f':
				return true
			case c == 'b':
				i += 2
			case c >= '1' && c <= '9' && int(c-'1') < len(pos) && pos[c-'1']:
				return true
			}
		case '[':
			i++
			if i < len(p) && p[i] == '^' {
				i++
			}
			if i < len(p) && p[i] == ']' {
				i++
			}
			for ; i < len(p) && p[i] != ']'; i++ {
				if p[i] == '%' {
					i++
				}
			}
		case '(':
			pos = append(pos, i+1 < len(p) && p[i+1] == ')')
		}
	}
	return false
}

func checkSame(t *testing.T, p, s string) bool {
	t.Helper()
	if luaOnly(p) {
		return true
	}
	for _, offset := range []int{0, 1, len(s), len(s) + 1} {
		for _, limit := range []int{1, -1, 0, 2} {
			want, got := oldOutcome(p, s, offset, limit), newOutcome(p, s, offset, limit)
			if got != want {
				t.Errorf("Find(%q, %q, %d, %d):\n got %s\nwant %s", p, s, offset, limit, got, want)
				return false
			}
		}
		if want, got := oldOutcome(p, s, offset, 1), matchOutcome(p, s, offset); got != want {
			t.Errorf("Compile(%q).Match(%q, %d):\n got %s\nwant %s", p, s, offset, got, want)
			return false
		}
	}
	return true
}

// diffN: go test -run Differential -diffn 1000000 for a longer run.
var diffN = flag.Int("diffn", 20000, "patterns TestDifferential generates (-short: a tenth)")

func TestDifferential(t *testing.T) {
	n := *diffN
	if testing.Short() {
		n /= 10
	}
	r := rand.New(rand.NewSource(40))
	fails := 0
	for i := 0; i < n && fails < 10; i++ {
		p := genPattern(r)
		for j := 0; j < 3; j++ {
			if !checkSame(t, p, genSubject(r)) {
				fails++
				break
			}
		}
	}
}

// TestDifferentialProtocol: the patterns the protocol modules run,
// against lines like the servers' and bytes around them.
func TestDifferentialProtocol(t *testing.T) {
	patterns := []string{
		"^%[([%w/%-]+)%]", "^([%+%-]%a+)(.*)$", "^(%d+)%s+(%d+)", "\n(%d+)[ \t]+(%S+)",
		"\n(%d+)[ \t]+(%d+)", "^%d+%s+(%S+)", "^%s*(%S*)%s*(.-)%s*$", "^(%S+)%s*(.-)%s*$",
		"(.-)\r\n", "(<[^<>]*@[^<>]*>)", ",p=([^,]+)$", "^e=([^,]*)", "%S+", "^(%d+)", "=",
		"^%d+%s+(%d+)", "^(%d%d%d)([ -])(.*)", "^%* (%d+) EXISTS", "^(%u+) (.*)",
	}
	subjects := []string{
		"", "+OK", "+OK logged in", "-ERR [IN-USE] locked", "[SYS/TEMP] x", "+ok 2 320",
		"2 320", "10   3200\r\n", "\n1 box5-m1\r\n2 box5-m2\r\n3\tx\r\n4\r\n", "  RETR 1  ", "RETR",
		"SASL PLAIN LOGIN", "POP3 ready <1896.697170952@dbc.mtview.ca.us>", "<a@b> <c@d>", "<<@>>",
		"c=biws,r=abc,p=dHp3", "e=invalid-proof", "250-SIZE 1000\r\n250 OK", "* 3 EXISTS", "x\r\ny\r\n",
		"user=a,b", "\xff\x00+OK\r\n",
	}
	for _, p := range patterns {
		for _, s := range subjects {
			checkSame(t, p, s)
		}
	}
}

func FuzzDifferential(f *testing.F) {
	f.Add("^([%+%-]%a+)(.*)$", "+OK logged in")
	f.Add("\n(%d+)[ \t]+(%S+)", "\n1 a\r\n2 b\r\n")
	f.Add("(a*%1)", "aaa")
	f.Add("%b()", "((a)(b)")
	f.Fuzz(func(t *testing.T, p, s string) {
		if len(p) > 64 || len(s) > 256 {
			return
		}
		checkSame(t, p, s)
	})
}
