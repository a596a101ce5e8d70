package expect

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mailexpect/mailexpect/runtime/failure"
)

// The conformance table: one row per matching rule of docs/DESIGN.md "Matching
// rules". Every row without a partial case is run with the server's bytes
// whole, one byte at a time, at seeded random splits, and already buffered
// before the call (replay): the outcome must be identical.

// pat describes a case: a regexp (or exact text) and its options.
type pat struct {
	re      string
	exact   bool
	partial bool
	lines   int
}

func re(s string) pat     { return pat{re: s} }
func lit(s string) pat    { return pat{re: s, exact: true} }
func prompt(s string) pat { return pat{re: s, partial: true} }

// result is what a test compares of a Match.
type result struct {
	Case      int
	Groups    []string
	Unmatched []int             // groups that did not match
	Named     map[string]string // named groups that matched
	Before    string
	Line      string
}

// outcome is everything a run produces.
type outcome struct {
	Results []result // one per expect call that matched, in order
	Rest    string   // left in the buffer
	Err     failure.Kind
}

type row struct {
	name   string
	server string
	chunks []string // fixed chunking (partial rows); overrides server
	eof    bool
	calls  [][]pat // expect calls made one after the other
	want   []result
	rest   string
	err    failure.Kind
}

var conformance = []row{
	// Line at a time; which case wins.
	{
		name:   "earliest start wins across cases",
		server: "220 mx ESMTP ready\r\n",
		calls:  [][]pat{{re(`ready`), re(`^220`)}},
		want:   []result{{Case: 1, Groups: []string{"220"}, Line: "220 mx ESMTP ready"}},
	},
	{
		name:   "tie goes to the case listed first",
		server: "220 mx ESMTP ready\r\n",
		calls:  [][]pat{{re(`^220 mx`), re(`^220`)}},
		want:   []result{{Case: 0, Groups: []string{"220 mx"}, Line: "220 mx ESMTP ready"}},
	},
	{
		name:   "the first line at which any case matches decides",
		server: "220 ready\r\n250 OK\r\n",
		calls:  [][]pat{{re(`OK`), re(`^220`)}},
		want:   []result{{Case: 1, Groups: []string{"220"}, Line: "220 ready"}},
		rest:   "250 OK\r\n",
	},
	{
		name:   "a multi-line match starting on an earlier line beats a later start",
		server: "250-x\r\n250 OK\r\n",
		calls:  [][]pat{{re(`^250 `), re(`^250-x\r\n250 `)}},
		want:   []result{{Case: 1, Groups: []string{"250-x\r\n250 "}, Line: "250 OK"}},
	},
	{
		name:   "^250 space after EHLO: before holds the 250- lines",
		server: "250-mx.example.com\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 HELP\r\n",
		calls:  [][]pat{{re(`^250 (.*)$`)}},
		want: []result{{Groups: []string{"250 HELP", "HELP"},
			Before: "250-mx.example.com\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n", Line: "250 HELP"}},
	},
	{
		name:   "^250 without space eats only the first 250- line",
		server: "250-mx.example.com\r\n250-PIPELINING\r\n250 HELP\r\n",
		calls:  [][]pat{{re(`^250`)}, {re(`^250`)}},
		want: []result{
			{Groups: []string{"250"}, Line: "250-mx.example.com"},
			{Groups: []string{"250"}, Line: "250-PIPELINING"},
		},
		rest: "250 HELP\r\n",
	},
	{
		name:   "^$ needs CRLF CRLF",
		server: "+OK\r\nFrom: a\r\n\r\nbody\r\n",
		calls:  [][]pat{{re(`^$`)}},
		want:   []result{{Groups: []string{""}, Before: "+OK\r\nFrom: a\r\n"}},
		rest:   "body\r\n",
	},
	{
		name:   "^$ does not match at the end of a line",
		server: "+OK\r\n",
		calls:  [][]pat{{re(`^$`)}},
		rest:   "+OK\r\n",
	},
	{
		name:   "an empty match may not start at the very end (multi-line)",
		server: "b\r\n",
		calls:  [][]pat{{re(`^(?:x\r\n)?$`)}},
		rest:   "b\r\n",
	},
	{
		name:   "the same empty match on a real empty line",
		server: "b\r\n\r\n",
		calls:  [][]pat{{re(`^(?:x\r\n)?$`)}},
		want:   []result{{Groups: []string{""}, Before: "b\r\n"}},
	},
	{
		name:   "an empty-matching pattern matches at a line start",
		server: "abc\r\n",
		calls:  [][]pat{{re(`x*`)}},
		want:   []result{{Groups: []string{""}, Line: "abc"}},
	},
	{
		name:   "$ after a line end waits for the next line",
		server: "x\r\ny\r\nx\r\n\r\n",
		calls:  [][]pat{{re(`^x\r\n$`)}},
		want:   []result{{Groups: []string{"x\r\n"}, Before: "x\r\ny\r\n", Line: "x"}},
		rest:   "\r\n",
	},

	// Patterns and CR.
	{
		name:   "$ matches before CR LF",
		server: "250 OK\r\n",
		calls:  [][]pat{{re(`^250 (.*)$`)}},
		want:   []result{{Groups: []string{"250 OK", "OK"}, Line: "250 OK"}},
	},
	{
		name:   "dot does not match a CR inside a line",
		server: "a\rb\r\n",
		calls:  [][]pat{{re(`a.b`), re(`^a(.*)$`)}},
		rest:   "a\rb\r\n",
	},
	{
		name:   "an explicit \\r matches a CR inside a line",
		server: "a\rb\r\n",
		calls:  [][]pat{{re(`a\rb`)}},
		want:   []result{{Groups: []string{"a\rb"}, Line: "a\rb"}},
	},
	{
		name:   "CR inside a line is content",
		server: "a\rb\r\n",
		calls:  [][]pat{{re(`b$`)}},
		want:   []result{{Groups: []string{"b"}, Before: "a\r", Line: "a\rb"}},
	},
	{
		name:   "a line of a lone CR",
		server: "\r\r\n",
		calls:  [][]pat{{re(`^$`), re(`^\r$`)}},
		want:   []result{{Case: 1, Groups: []string{"\r"}, Line: "\r"}},
	},
	{
		name:   "an explicit \\r before $ does not eat the line end's CR",
		server: "OK\r\n",
		calls:  [][]pat{{re(`OK\r`), lit("OK\r")}},
		rest:   "OK\r\n",
	},
	{
		name:   "[^ ]+ does not cross a line end",
		server: "abc\r\ndef ghi\r\n",
		calls:  [][]pat{{re(`c[^ ]*d`)}},
		rest:   "abc\r\ndef ghi\r\n",
	},
	{
		name:   "[^ ]+ stops before CR",
		server: "EHLO\r\n",
		calls:  [][]pat{{re(`^([^ ]+)$`)}},
		want:   []result{{Groups: []string{"EHLO", "EHLO"}, Line: "EHLO"}},
	},
	{
		name:   `\s does not cross a line end`,
		server: "abc\r\n def\r\n",
		calls:  [][]pat{{re(`c\s+d`), re(`c\s*\r\n\s*d`)}},
		want:   []result{{Case: 1, Groups: []string{"c\r\n d"}, Before: "ab", Line: " def"}},
	},
	{
		name:   `\S and \W do not match CR`,
		server: "ab\r\n",
		calls:  [][]pat{{re(`b\S`), re(`b\W`)}},
		rest:   "ab\r\n",
	},
	{
		name:   "explicit \\r\\n spans two lines",
		server: "250-x\r\n250 END\r\n",
		calls:  [][]pat{{re(`^250-x\r\n250 END$`)}},
		want:   []result{{Groups: []string{"250-x\r\n250 END"}, Line: "250 END"}},
	},
	{
		name:   "explicit \\n spans a CR LF line end too",
		server: "250-x\r\n250 END\r\n",
		calls:  [][]pat{{re(`x\n250`)}},
		want:   []result{{Groups: []string{"x\r\n250"}, Before: "250-", Line: "250 END"}},
	},
	{
		name:   "explicit \\r\\n spans a bare LF line end",
		server: "x\ny\n",
		calls:  [][]pat{{re(`x\r\ny`)}},
		want:   []result{{Groups: []string{"x\ny"}, Line: "y"}},
	},
	{
		name:   "a window of three lines from the tree",
		server: "0\r\n1\r\n2\r\n3\r\n4\r\n",
		calls:  [][]pat{{re(`^1\r\n2\r\n3$`)}},
		want:   []result{{Groups: []string{"1\r\n2\r\n3"}, Before: "0\r\n", Line: "3"}},
		rest:   "4\r\n",
	},
	{
		name:   "(?s) dot matches a whole CR LF",
		server: "BEGIN\r\nEND\r\n",
		calls:  [][]pat{{re(`(?s)BEGIN.END`)}},
		want:   []result{{Groups: []string{"BEGIN\r\nEND"}, Line: "END"}},
	},
	{
		name:   "unbounded (?s) needs lines",
		server: "a1\r\nx\r\nb1\r\n",
		calls:  [][]pat{{re(`(?s)a.*b`)}},
		err:    failure.Usage,
		rest:   "a1\r\nx\r\nb1\r\n",
	},
	{
		name:   "unbounded (?s) with lines",
		server: "a1\r\nx\r\nb1\r\n",
		calls:  [][]pat{{pat{re: `(?s)a.*b`, lines: 3}}},
		want:   []result{{Groups: []string{"a1\r\nx\r\nb"}, Line: "b1"}},
	},
	{
		name:   "lines bounds what an unbounded case sees",
		server: "a1\r\nx\r\nb1\r\n",
		calls:  [][]pat{{pat{re: `(?s)a.*b`, lines: 2}}},
		rest:   "a1\r\nx\r\nb1\r\n",
	},
	{
		name:   "(?:.|\\n) is an explicit line end",
		server: "a\r\nb\r\n",
		calls:  [][]pat{{re(`a(?:.|\n)b`)}},
		want:   []result{{Groups: []string{"a\r\nb"}, Line: "b"}},
	},
	{
		name:   "\\n in a class is explicit",
		server: "a\r\nb\r\n",
		calls:  [][]pat{{re(`a[\r\n]b`)}},
		want:   []result{{Groups: []string{"a\r\nb"}, Line: "b"}},
	},
	{
		name:   "\\A and \\z are line anchors",
		server: "x a\r\na b\r\n",
		calls:  [][]pat{{re(`\Aa`), re(`x\z`)}},
		want:   []result{{Groups: []string{"a"}, Before: "x a\r\n", Line: "a b"}},
		rest:   "",
	},
	{
		name:   "case-insensitive",
		server: "250 ok\r\n",
		calls:  [][]pat{{re(`(?i)^250 OK$`)}},
		want:   []result{{Groups: []string{"250 ok"}, Line: "250 ok"}},
	},

	// Consumption.
	{
		name:   "Ready then TLS on one line waits for a new line",
		server: "220 Ready to start TLS\r\n",
		calls:  [][]pat{{re(`Ready`)}, {re(`TLS`)}},
		want:   []result{{Groups: []string{"Ready"}, Before: "220 ", Line: "220 Ready to start TLS"}},
	},
	{
		name:   "unmatched data stays for the next call",
		server: "foo\r\nbar",
		calls:  [][]pat{{re(`nomatch`)}},
		rest:   "foo\r\nbar",
	},

	// EOF.
	{
		name:   "at eof the incomplete last line counts as a line",
		server: "+OK\r\n+OK bye",
		eof:    true,
		calls:  [][]pat{{re(`bye$`)}},
		want:   []result{{Groups: []string{"bye"}, Before: "+OK\r\n+OK ", Line: "+OK bye"}},
	},
	{
		name:   "without eof the incomplete line waits",
		server: "+OK bye",
		calls:  [][]pat{{re(`bye$`)}},
		rest:   "+OK bye",
	},
	{
		name:   "at eof a CR ending the data is a line end",
		server: "+OK bye\r",
		eof:    true,
		calls:  [][]pat{{re(`^\+OK (.*)$`)}},
		want:   []result{{Groups: []string{"+OK bye", "bye"}, Line: "+OK bye"}},
	},
	{
		name:   "at eof a multi-line case sees the last line",
		server: "a\r\nb",
		eof:    true,
		calls:  [][]pat{{re(`a\r\nb$`)}},
		want:   []result{{Groups: []string{"a\r\nb"}, Line: "b"}},
	},

	// Groups.
	{
		name:   "an unmatched optional group",
		server: "250 OK\r\n",
		calls:  [][]pat{{re(`^(\d{3})(-)?( .*)?$`)}},
		want:   []result{{Groups: []string{"250 OK", "250", "", " OK"}, Unmatched: []int{2}, Line: "250 OK"}},
	},
	{
		name:   "named groups",
		server: "250-SIZE 100\r\n250 OK\r\n",
		calls:  [][]pat{{re(`^(?P<code>\d{3}) (?P<text>.*)$`)}},
		want: []result{{Groups: []string{"250 OK", "250", "OK"}, Named: map[string]string{"code": "250", "text": "OK"},
			Before: "250-SIZE 100\r\n", Line: "250 OK"}},
	},
	{
		name:   "a group named like a match field is a compile error",
		server: "250 OK\r\n",
		calls:  [][]pat{{re(`(?P<before>\d+)`)}},
		err:    failure.Usage,
		rest:   "250 OK\r\n",
	},
	{
		name:   "a bad regexp is a usage error",
		server: "250 OK\r\n",
		calls:  [][]pat{{re(`(`)}},
		err:    failure.Usage,
		rest:   "250 OK\r\n",
	},

	// Exact text.
	{
		name:   "exact text with regexp metacharacters",
		server: "2\r\nis (1+1)? [yes]\r\n",
		calls:  [][]pat{{lit(`(1+1)? [yes]`)}},
		want:   []result{{Groups: []string{"(1+1)? [yes]"}, Before: "2\r\nis ", Line: "is (1+1)? [yes]"}},
	},
	{
		name:   "exact text spanning lines",
		server: "250-x\r\n250 END\r\n",
		calls:  [][]pat{{lit("250-x\r\n250 END")}},
		want:   []result{{Groups: []string{"250-x\r\n250 END"}, Line: "250 END"}},
	},
	{
		name:   "exact text is bytes, not UTF-8",
		server: "a\xff\xfeb\r\n",
		calls:  [][]pat{{lit("\xff\xfe")}},
		want:   []result{{Groups: []string{"\xff\xfe"}, Before: "a", Line: "a\xff\xfeb"}},
	},
	{
		name:   "invalid UTF-8 in the data",
		server: "\xff\xfe 250 OK\r\n",
		calls:  [][]pat{{re(`250 (.*)$`)}},
		want:   []result{{Groups: []string{"250 OK", "OK"}, Before: "\xff\xfe ", Line: "\xff\xfe 250 OK"}},
	},

	// Bare LF.
	{
		name:   "bare LF lines",
		server: "220 a\n250-b\n250 c\n",
		calls:  [][]pat{{re(`^250 (.*)$`)}},
		want:   []result{{Groups: []string{"250 c", "c"}, Before: "220 a\n250-b\n", Line: "250 c"}},
	},
	{
		name:   "mixed line ends",
		server: "220 a\n250-b\r\n250 c\n",
		calls:  [][]pat{{re(`^250-b\r\n250 (.)$`)}},
		want:   []result{{Groups: []string{"250-b\r\n250 c", "c"}, Before: "220 a\n", Line: "250 c"}},
	},

	// Line skipping: when every case is line-local with a literal every
	// match begins with (^-anchored or not), the lines holding none of
	// the literals are skipped with a byte search; the winner must be the
	// one line-at-a-time matching gives.
	{
		name:   "skip: a dot-terminated body ends at the lone dot line",
		server: "+OK\r\nline 1\r\n..stuffed\r\n.\tdot tab\r\nend .\r\n.\r\n+OK bye\r\n",
		calls:  [][]pat{{re(`^\+OK`)}, {re(`^\.$`)}},
		want: []result{
			{Groups: []string{"+OK"}, Line: "+OK"},
			{Groups: []string{"."}, Before: "line 1\r\n..stuffed\r\n.\tdot tab\r\nend .\r\n", Line: "."},
		},
		rest: "+OK bye\r\n",
	},
	{
		name:   "skip: an anchored literal later in a line is no candidate",
		server: "x250 no\r\n 250 no\r\n250\r\n250 yes\r\n",
		calls:  [][]pat{{re(`^250 `)}},
		want:   []result{{Groups: []string{"250 "}, Before: "x250 no\r\n 250 no\r\n250\r\n", Line: "250 yes"}},
	},
	{
		name:   "skip: competing cases, the earliest line wins over the case order",
		server: "a\r\nb 354\r\nc\r\n250 ok\r\n",
		calls:  [][]pat{{re(`^250 `), re(`354`)}},
		want:   []result{{Case: 1, Groups: []string{"354"}, Before: "a\r\nb ", Line: "b 354"}},
		rest:   "c\r\n250 ok\r\n",
	},
	{
		name:   "skip: a candidate line that does not match is passed over",
		server: ".x\r\n.\r\n",
		calls:  [][]pat{{re(`^\.$`), lit("nowhere")}},
		want:   []result{{Groups: []string{"."}, Before: ".x\r\n", Line: "."}},
	},
	{
		name:   "skip: the needle across a CR LF is no match",
		server: "a\r\nb\r\nab\r\n",
		calls:  [][]pat{{lit("ab"), re(`^ab$`)}},
		want:   []result{{Groups: []string{"ab"}, Before: "a\r\nb\r\n", Line: "ab"}},
	},
	{
		name:   "skip: a CR in the needle only inside a line",
		server: "x\r\n\ra\r\nb\ra\r\n",
		calls:  [][]pat{{re(`b\ra$`)}},
		want:   []result{{Groups: []string{"b\ra"}, Before: "x\r\n\ra\r\n", Line: "b\ra"}},
	},
	{
		name:   "skip: case-insensitive patterns have no needle",
		server: "250 a\r\nquit OK\r\n",
		calls:  [][]pat{{re(`(?i)^QUIT`), re(`^250 `)}},
		want:   []result{{Case: 1, Groups: []string{"250 "}, Line: "250 a"}},
		rest:   "quit OK\r\n",
	},
	{
		name:   "skip: the incomplete last line at eof is tried",
		server: "a\r\n.",
		eof:    true,
		calls:  [][]pat{{re(`^\.$`)}},
		want:   []result{{Groups: []string{"."}, Before: "a\r\n", Line: "."}},
	},
	{
		name:   "whole-line literal: a CR inside the line is content",
		server: ".\r\r\n.x\r\n.\n",
		calls:  [][]pat{{re(`^\.$`)}},
		want:   []result{{Groups: []string{"."}, Before: ".\r\r\n.x\r\n", Line: "."}},
	},
	{
		name:   "anchored literal with groups and a regexp case beside it",
		server: "250-a\r\n250 b\r\n",
		calls:  [][]pat{{re(`^250 (b)$`), re(`^(\d+)-`)}},
		want:   []result{{Case: 1, Groups: []string{"250-", "250"}, Line: "250-a"}},
		rest:   "250 b\r\n",
	},
	{
		name:   "skip: no candidate at all",
		server: "one\r\ntwo\r\n",
		calls:  [][]pat{{re(`^\.$`), lit("three")}},
		rest:   "one\r\ntwo\r\n",
	},

	// Partial cases (not re-split: they see whatever has arrived).
	{
		name:   "a partial case matches an incomplete line",
		chunks: []string{"login: "},
		calls:  [][]pat{{prompt(`^login: $`)}},
		want:   []result{{Groups: []string{"login: "}, Line: "login: "}},
	},
	{
		name:   "a normal case does not match an incomplete line",
		chunks: []string{"login: "},
		calls:  [][]pat{{re(`^login: $`)}},
		rest:   "login: ",
	},
	{
		name:   "^ never matches mid-line after a partial match",
		chunks: []string{"> ", "abc\r\nabc def\r\n"},
		calls:  [][]pat{{prompt(`^> `)}, {re(`^abc`)}},
		want: []result{
			{Groups: []string{"> "}, Line: "> "},
			{Groups: []string{"abc"}, Before: "abc\r\n", Line: "abc def"},
		},
	},
	{
		name:   "^ never matches mid-line after a partial match (multi-line case)",
		chunks: []string{"> ", "a\r\nb\r\n"},
		calls:  [][]pat{{prompt(`^> `)}, {re(`^a\r\nb`)}},
		want:   []result{{Groups: []string{"> "}, Line: "> "}},
		rest:   "a\r\nb\r\n",
	},
	{
		name:   "a multi-line case may start mid-line",
		chunks: []string{"> ", "a\r\nb\r\n"},
		calls:  [][]pat{{prompt(`^> `)}, {re(`a\r\nb`)}},
		want: []result{
			{Groups: []string{"> "}, Line: "> "},
			{Groups: []string{"a\r\nb"}, Line: "b"},
		},
	},
	{
		name:   "\\b sees the consumed byte after a partial match",
		chunks: []string{"foo", "bar\r\nbar\r\n"},
		calls:  [][]pat{{prompt(`foo`)}, {re(`\bbar`)}},
		want: []result{
			{Groups: []string{"foo"}, Line: "foo"},
			{Groups: []string{"bar"}, Before: "bar\r\n", Line: "bar"},
		},
	},
	{
		name:   "a partial case on a complete line consumes the line",
		chunks: []string{"> \r\nnext\r\n"},
		calls:  [][]pat{{prompt(`^> `)}},
		want:   []result{{Groups: []string{"> "}, Line: "> "}},
		rest:   "next\r\n",
	},
	{
		name:   "a CR ending an incomplete line is not content",
		chunks: []string{"> \r"},
		calls:  [][]pat{{prompt(`> $`)}},
		want:   []result{{Groups: []string{"> "}, Line: "> "}},
		rest:   "\r",
	},
	{
		name:   "a partial match is never empty",
		chunks: []string{"ab"},
		calls:  [][]pat{{prompt(`x*`)}},
		rest:   "ab",
	},
	{
		name:   "skip: a partial case beside a skipping case sees the incomplete line",
		chunks: []string{"a\r\nb\r\nlogin: "},
		calls:  [][]pat{{re(`^\.$`), prompt(`^login: `)}},
		want:   []result{{Case: 1, Groups: []string{"login: "}, Before: "a\r\nb\r\n", Line: "login: "}},
	},
	{
		name:   "skip: ^ after a partial match is no line start",
		chunks: []string{"> ", ".\r\nx\r\n.\r\n"},
		calls:  [][]pat{{prompt(`^> `)}, {re(`^\.$`)}},
		want: []result{
			{Groups: []string{"> "}, Line: "> "},
			{Groups: []string{"."}, Before: ".\r\nx\r\n", Line: "."},
		},
	},
	{
		name:   "Ready then TLS after a partial match",
		chunks: []string{"220 Ready", " to start TLS\r\n"},
		calls:  [][]pat{{prompt(`Ready`)}, {re(`TLS`)}},
		want: []result{
			{Groups: []string{"Ready"}, Before: "220 ", Line: "220 Ready"},
			{Groups: []string{"TLS"}, Before: " to start ", Line: " to start TLS"},
		},
	},
}

// hasPartial reports whether a row uses partial cases (which the contract
// exempts from the re-split promise).
func (r row) hasPartial() bool {
	for _, call := range r.calls {
		for _, c := range call {
			if c.partial {
				return true
			}
		}
	}
	return false
}

func (r row) data() string {
	if r.chunks == nil {
		return r.server
	}
	s := ""
	for _, c := range r.chunks {
		s += c
	}
	return s
}

func compileCases(ps []pat) ([]Case, error) {
	cases := make([]Case, len(ps))
	for i, p := range ps {
		if p.exact {
			cases[i].Pattern = Exact(p.re)
		} else {
			cp, err := Compile(p.re)
			if err != nil {
				return nil, err
			}
			cases[i].Pattern = cp
		}
		cases[i].Partial, cases[i].Lines = p.partial, p.lines
	}
	return cases, nil
}

func toResult(m *Match) result {
	r := result{Case: m.Case, Groups: m.Groups, Before: m.Before, Line: m.Line}
	for i, ok := range m.Matched {
		if !ok {
			r.Unmatched = append(r.Unmatched, i)
		}
	}
	for i, name := range m.Names {
		if name != "" && m.Matched[i] {
			if r.Named == nil {
				r.Named = map[string]string{}
			}
			r.Named[name] = m.Groups[i]
		}
	}
	return r
}

// run plays the expect calls of r against the server's bytes given in
// chunks. With buffered, all bytes arrive before the first call (replay).
func run(t testing.TB, r row, chunks []string, buffered bool) outcome {
	n := 0
	if buffered {
		n = len(chunks)
	}
	return runBuffered(t, r, chunks, n)
}

// runBuffered is run with the first n chunks buffered before the first call.
func runBuffered(t testing.TB, r row, chunks []string, n int) outcome {
	t.Helper()
	calls := make([][]Case, len(r.calls))
	for i, ps := range r.calls {
		cases, err := compileCases(ps)
		if err != nil {
			return outcome{Err: failure.KindOf(err), Rest: r.data()}
		}
		calls[i] = cases
	}
	return play(t, calls, r.eof, chunks, n)
}

// play makes the expect calls one after the other while the chunks arrive;
// chunks[:buffered] arrive before the first call.
func play(t testing.TB, calls [][]Case, eof bool, chunks []string, buffered int) outcome {
	t.Helper()
	out, _ := playMode(t, calls, eof, chunks, buffered, false)
	return out
}

// playMode is play, with lean calls (Scanner.WithoutText: the results hold
// only Case); spans are where each match was, [Start, End).
func playMode(t testing.TB, calls [][]Case, eof bool, chunks []string, buffered int, lean bool) (out outcome, spans [][2]int) {
	t.Helper()
	b := NewBuffer(0)
	var sc *Scanner
	call, ok := 0, true
	// step asks the current call for a decision, starting the next call
	// after each match (which replays what is buffered). An error ends
	// the run; the bytes still arrive.
	step := func(eof bool) {
		for ok && call < len(calls) {
			if sc == nil {
				sc = b.Scan(calls[call])
				if lean {
					sc.WithoutText()
				}
			}
			m, err := sc.Next(eof)
			if err != nil {
				out.Err, ok = failure.KindOf(err), false
				return
			}
			if m == nil {
				return
			}
			spans = append(spans, [2]int{m.Start, m.End})
			if lean {
				out.Results = append(out.Results, result{Case: m.Case})
				call, sc = call+1, nil
				continue
			}
			if m.Start != len(m.Before) || m.End-m.Start != len(m.Groups[0]) {
				t.Fatalf("match at [%d,%d] with before %q and match %q", m.Start, m.End, m.Before, m.Groups[0])
			}
			out.Results = append(out.Results, toResult(m))
			call, sc = call+1, nil
		}
	}
	write := func(c string) {
		if err := b.Write([]byte(c)); err != nil {
			t.Fatalf("Write: %v", err)
		}
	}
	for _, c := range chunks[:buffered] {
		write(c)
	}
	step(false)
	for _, c := range chunks[buffered:] {
		write(c)
		step(false)
	}
	if eof {
		step(true)
	}
	out.Rest = string(b.Bytes())
	return out, spans
}

// splits returns the named ways of cutting data into chunks.
func splits(data string) map[string][]string {
	ways := map[string][]string{"whole": {data}}
	var bytewise []string
	for i := range len(data) {
		bytewise = append(bytewise, data[i:i+1])
	}
	ways["bytewise"] = bytewise
	for seed := uint64(1); seed <= 8; seed++ {
		ways[fmt.Sprintf("seed%d", seed)] = randomSplit(data, seed)
	}
	return ways
}

func randomSplit(data string, seed uint64) []string {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	var chunks []string
	for len(data) > 0 {
		n := 1 + rng.IntN(min(len(data), 7))
		chunks = append(chunks, data[:n])
		data = data[n:]
	}
	return chunks
}

func TestConformance(t *testing.T) {
	for _, r := range conformance {
		t.Run(r.name, func(t *testing.T) {
			want := outcome{Rest: r.rest, Err: r.err}
			want.Results = r.want
			if r.hasPartial() || r.chunks != nil {
				got := run(t, r, r.chunks, false)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("chunks %q: (-want +got)\n%s", r.chunks, diff)
				}
				return
			}
			for name, chunks := range splits(r.server) {
				got := run(t, r, chunks, false)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s: (-want +got)\n%s", name, diff)
				}
			}
			// Replay: the same bytes buffered before the first call.
			got := run(t, r, []string{r.server}, true)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("buffered before the call: (-want +got)\n%s", diff)
			}
		})
	}
}

// TestReplay: whatever part of the server's bytes was already buffered when
// the first call started (a previous call timed out, or the data came with
// the greeting), the outcome is the same as when it all arrives during the
// call.
func TestReplay(t *testing.T) {
	for _, r := range conformance {
		if r.hasPartial() || r.chunks != nil {
			continue
		}
		t.Run(r.name, func(t *testing.T) {
			want := run(t, r, []string{r.server}, false)
			for cut := range len(r.server) + 1 {
				before, after := r.server[:cut], r.server[cut:]
				got := runBuffered(t, r, []string{before, after}, 1)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%q buffered, %q arriving: (-want +got)\n%s", before, after, diff)
				}
			}
		})
	}
}

// TestConformanceWithoutText: a call that builds no match text
// (Scanner.WithoutText, s:expect as a Lua statement) picks the same case
// at the same place and consumes the same bytes, for every row and split.
func TestConformanceWithoutText(t *testing.T) {
	for _, r := range conformance {
		t.Run(r.name, func(t *testing.T) {
			calls := make([][]Case, len(r.calls))
			for i, ps := range r.calls {
				cases, err := compileCases(ps)
				if err != nil {
					return // a usage error: no scanner runs
				}
				calls[i] = cases
			}
			ways := splits(r.server)
			if r.hasPartial() || r.chunks != nil {
				ways = map[string][]string{"chunks": r.chunks}
			}
			for name, chunks := range ways {
				full, fullSpans := playMode(t, calls, r.eof, chunks, 0, false)
				lean, leanSpans := playMode(t, calls, r.eof, chunks, 0, true)
				for i := range full.Results {
					full.Results[i] = result{Case: full.Results[i].Case}
				}
				if diff := cmp.Diff(full, lean); diff != "" {
					t.Errorf("%s: (-full +without text)\n%s", name, diff)
				}
				if diff := cmp.Diff(fullSpans, leanSpans); diff != "" {
					t.Errorf("%s: match positions (-full +without text)\n%s", name, diff)
				}
			}
		})
	}
}
