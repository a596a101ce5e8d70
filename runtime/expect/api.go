// Package expect is the matching engine of mailexpect: a bounded receive
// buffer and a line-at-a-time matcher over it. It does no I/O; the session
// package feeds it bytes and asks it for decisions.
//
// The rules are those of docs/DESIGN.md "Matching rules": matching is decided at
// line ends; at the first line where any case matches, the earliest match
// start wins and a tie goes to the case listed first; a match consumes the
// buffer through the end of the line it ends in. Because decisions are made
// only at line ends, the outcome never depends on how TCP split the bytes.
package expect

// Pattern is a compiled case pattern: a Go RE2 expression in multi-line
// mode with the CR/LF rules of the contract, or an exact literal.
type Pattern struct {
	// implementation fields (see pattern.go)
	p *pattern
}

// Compile compiles a RE2 expression with the contract's rules: '^'/'$' are
// line anchors, '$' matches before a line's CR LF, '.', '\s' and character
// classes never match CR or LF unless the pattern uses (?s). A bad
// expression returns a *failure.Error of kind Usage naming the pattern.
func Compile(expr string) (*Pattern, error) { return compile(expr) }

// Exact returns a pattern that matches text literally.
func Exact(text string) *Pattern { return exact(text) }

// String returns the pattern as the user wrote it (exact"..." for literals).
func (p *Pattern) String() string { return p.p.source }

// LineLocal reports whether the pattern can never match a line feed, so it
// is run on each line alone, without its terminator.
func (p *Pattern) LineLocal() bool { return p.p.lineLocal }

// Window is the number of lines a match can span (1 for line-local
// patterns), or 0 when the tree allows unboundedly many line feeds and the
// case must give Lines.
func (p *Pattern) Window() int { return p.p.window }

// NumGroups returns the number of capture groups.
func (p *Pattern) NumGroups() int { return p.p.numGroups }

// GroupNames returns the group names indexed like Match.Groups ("" for
// unnamed groups and for index 0).
func (p *Pattern) GroupNames() []string { return p.p.names }

// FindString matches p against a whole string, as the regex module does
// (CRLF line ends in s are handled like those in the buffer). It returns
// nil when there is no match.
func (p *Pattern) FindString(s string) *Match { return p.p.findString(s, 0) }

// FindStringFrom is FindString starting at byte offset start; '^' still
// only matches at a line start of s.
func (p *Pattern) FindStringFrom(s string, start int) *Match { return p.p.findString(s, start) }

// Case is one alternative of an expect call.
type Case struct {
	Pattern *Pattern
	// Partial cases are also tried against an incomplete last line
	// (prompts); a partial match consumes only through its end.
	Partial bool
	// Lines is the window (in lines) for a multi-line pattern whose number
	// of line feeds is unbounded; it overrides Pattern.Window when > 0.
	Lines int
}

// Match is the outcome of a successful expect, or of Pattern.FindString.
type Match struct {
	Case    int      // index of the winning case in the cases given to Scan
	Groups  []string // Groups[0] is the whole match; unmatched groups are ""
	Matched []bool   // Matched[i] is false for an unmatched optional group
	Names   []string // group names, "" for unnamed (index 0 is always "")
	Start   int      // byte offset of the match start (FindString: in s)
	End     int      // byte offset just past the match end
	Before  string   // unconsumed data before the match start
	Line    string   // the line in which the match ends, without its terminator
}

// DefaultMatchMax is the default bound of the receive buffer.
const DefaultMatchMax = 8 << 20
