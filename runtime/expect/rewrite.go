package expect

import (
	"fmt"
	"regexp/syntax"
	"slices"
	"unicode"
	"unicode/utf8"
)

// The rewrites below turn a parse tree (of a source marked by
// markExplicitLineEnds) into one whose semantics over "window text" (lines
// joined by a single "\n", CRs inside lines kept) are the contract's.

// notCRLF is the class of everything but CR and LF: what '.' means here.
var notCRLF = []rune{0, '\n' - 1, '\n' + 1, '\r' - 1, '\r' + 1, unicode.MaxRune}

// applyLineRules rewrites re in place:
//   - '.' (and classes outside (?s)) never match CR or LF, unless the user
//     wrote \n or \r explicitly in the class;
//   - explicit markers become CR and LF again;
//   - \A and \z become ^ and $: every text the engine runs a pattern on is
//     a line or a window of lines, so "start of text" would otherwise mean
//     "wherever the window happens to start";
//   - x{1} (left by the marking step) becomes x.
//
// It returns an error for a class that could only match CR or LF, which
// would silently never match.
func applyLineRules(re *syntax.Regexp) error {
	for _, sub := range re.Sub {
		if err := applyLineRules(sub); err != nil {
			return err
		}
	}
	switch re.Op {
	case syntax.OpRepeat:
		if re.Min == 1 && re.Max == 1 {
			*re = *re.Sub[0]
		}
	case syntax.OpLiteral:
		for i, r := range re.Rune {
			switch r {
			case markLF:
				re.Rune[i] = '\n'
			case markCR:
				re.Rune[i] = '\r'
			}
		}
	case syntax.OpCharClass:
		return rewriteClass(re)
	case syntax.OpAnyCharNotNL:
		re.Op, re.Rune = syntax.OpCharClass, slices.Clone(notCRLF)
	case syntax.OpAnyChar:
		// Outside (?s) "any character" comes from a full class such as
		// [\s\S]: a class, so it does not match CR or LF either.
		if re.Flags&syntax.DotNL == 0 {
			re.Op, re.Rune = syntax.OpCharClass, slices.Clone(notCRLF)
		}
	case syntax.OpBeginText:
		re.Op = syntax.OpBeginLine
	case syntax.OpEndText:
		re.Op, re.Flags = syntax.OpEndLine, re.Flags&^syntax.WasDollar
	}
	return nil
}

func rewriteClass(re *syntax.Regexp) error {
	explicitLF := isolated(re.Rune, markLF)
	explicitCR := isolated(re.Rune, markCR)
	rs := removeRune(re.Rune, markLF)
	rs = removeRune(rs, markCR)
	if re.Flags&syntax.DotNL == 0 {
		// Not under (?s): CR and LF covered by ranges, negation, \s or
		// [[:space:]] are dropped; only explicit ones stay.
		rs = removeRune(rs, '\n')
		rs = removeRune(rs, '\r')
	}
	if explicitLF {
		rs = addRune(rs, '\n')
	}
	if explicitCR {
		rs = addRune(rs, '\r')
	}
	if len(rs) == 0 && len(re.Rune) > 0 {
		return fmt.Errorf("character class %s can only match CR or LF, which classes never match here; "+
			`write \n or \r\n outside the class, or use (?s)`, re)
	}
	re.Rune = rs
	return nil
}

// classHas reports whether the class ranges rs contain r.
func classHas(rs []rune, r rune) bool {
	for i := 0; i+1 < len(rs); i += 2 {
		if rs[i] <= r && r <= rs[i+1] {
			return true
		}
	}
	return false
}

// isolated reports whether r is in the class but its neighbours are not:
// the mark of a line end written explicitly in brackets.
func isolated(rs []rune, r rune) bool {
	return classHas(rs, r) && !classHas(rs, r-1) && !classHas(rs, r+1)
}

// removeRune returns the ranges rs without r.
func removeRune(rs []rune, r rune) []rune {
	out := rs[:0:0]
	for i := 0; i+1 < len(rs); i += 2 {
		lo, hi := rs[i], rs[i+1]
		if r < lo || r > hi {
			out = append(out, lo, hi)
			continue
		}
		if lo < r {
			out = append(out, lo, r-1)
		}
		if r < hi {
			out = append(out, r+1, hi)
		}
	}
	return out
}

// addRune returns the sorted ranges rs with r added.
func addRune(rs []rune, r rune) []rune {
	if classHas(rs, r) {
		return rs
	}
	i := 0
	for i+1 < len(rs) && rs[i] < r {
		i += 2
	}
	return slices.Insert(rs, i, r, r)
}

// maxNewlines returns the largest number of line feeds a match of re can
// contain, or bounded == false when it is unbounded.
func maxNewlines(re *syntax.Regexp) (n int, bounded bool) {
	switch re.Op {
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			if r == '\n' {
				n++
			}
		}
		return n, true
	case syntax.OpCharClass:
		if classHas(re.Rune, '\n') {
			return 1, true
		}
		return 0, true
	case syntax.OpAnyChar:
		return 1, true
	case syntax.OpCapture, syntax.OpQuest:
		return maxNewlines(re.Sub[0])
	case syntax.OpStar, syntax.OpPlus:
		n, ok := maxNewlines(re.Sub[0])
		return 0, ok && n == 0
	case syntax.OpRepeat:
		n, ok := maxNewlines(re.Sub[0])
		if !ok || n > 0 && re.Max < 0 {
			return 0, false
		}
		return n * re.Max, true
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			m, ok := maxNewlines(sub)
			if !ok {
				return 0, false
			}
			n += m
		}
		return n, true
	case syntax.OpAlternate:
		for _, sub := range re.Sub {
			m, ok := maxNewlines(sub)
			if !ok {
				return 0, false
			}
			n = max(n, m)
		}
		return n, true
	}
	return 0, true
}

// lineAnchors rewrites ^ and $ of a line-local tree into \A and \z: the
// tree is run on one line without its terminator, where they mean the same
// and Go's matcher can then anchor the search instead of trying every
// position.
func lineAnchors(re *syntax.Regexp) {
	for _, sub := range re.Sub {
		lineAnchors(sub)
	}
	switch re.Op {
	case syntax.OpBeginLine:
		re.Op = syntax.OpBeginText
	case syntax.OpEndLine:
		re.Op = syntax.OpEndText
	}
}

// windowCR adapts explicit CRs to window text, where each line end is a
// single "\n": a CR right before an LF in a literal (\r\n) is dropped, and a
// CR at the end of a literal that may be followed by an LF (\r(\n|x), \r?\n
// is already fine) becomes optional. Other CRs stay: they match CRs inside
// a line. followNL says whether what follows re can begin with an LF.
func windowCR(re *syntax.Regexp, followNL bool) {
	switch re.Op {
	case syntax.OpLiteral:
		windowCRLiteral(re, followNL)
	case syntax.OpConcat:
		for i := len(re.Sub) - 1; i >= 0; i-- {
			windowCR(re.Sub[i], followNL)
			followNL = canBeginNL(re.Sub[i]) || nullable(re.Sub[i]) && followNL
		}
	case syntax.OpAlternate:
		for _, sub := range re.Sub {
			windowCR(sub, followNL)
		}
	case syntax.OpCapture, syntax.OpQuest:
		windowCR(re.Sub[0], followNL)
	case syntax.OpStar, syntax.OpPlus, syntax.OpRepeat:
		// The end of one iteration may be followed by the next one.
		n, ok := maxNewlines(re.Sub[0])
		windowCR(re.Sub[0], followNL || !ok || n > 0)
	}
}

func windowCRLiteral(re *syntax.Regexp, followNL bool) {
	rs := re.Rune[:0:0]
	for i, r := range re.Rune {
		if r == '\r' && i+1 < len(re.Rune) && re.Rune[i+1] == '\n' {
			continue
		}
		rs = append(rs, r)
	}
	if !followNL || len(rs) == 0 || rs[len(rs)-1] != '\r' {
		re.Rune = rs
		return
	}
	cr := &syntax.Regexp{Op: syntax.OpLiteral, Flags: re.Flags, Rune: []rune{'\r'}}
	optionalCR := &syntax.Regexp{Op: syntax.OpQuest, Flags: re.Flags, Sub: []*syntax.Regexp{cr}}
	if len(rs) == 1 {
		*re = *optionalCR
		return
	}
	prefix := &syntax.Regexp{Op: syntax.OpLiteral, Flags: re.Flags, Rune: rs[:len(rs)-1]}
	*re = syntax.Regexp{Op: syntax.OpConcat, Flags: re.Flags, Sub: []*syntax.Regexp{prefix, optionalCR}}
}

// canBeginNL reports whether a match of re can begin with an LF.
func canBeginNL(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpLiteral:
		return len(re.Rune) > 0 && re.Rune[0] == '\n'
	case syntax.OpCharClass:
		return classHas(re.Rune, '\n')
	case syntax.OpAnyChar:
		return true
	case syntax.OpCapture, syntax.OpQuest, syntax.OpStar, syntax.OpPlus:
		return canBeginNL(re.Sub[0])
	case syntax.OpRepeat:
		return re.Max != 0 && canBeginNL(re.Sub[0])
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			if canBeginNL(sub) {
				return true
			}
			if !nullable(sub) {
				return false
			}
		}
	case syntax.OpAlternate:
		return slices.ContainsFunc(re.Sub, canBeginNL)
	}
	return false
}

// nullable reports whether re can match the empty string.
func nullable(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpLiteral, syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL, syntax.OpNoMatch:
		return false
	case syntax.OpCapture, syntax.OpPlus:
		return nullable(re.Sub[0])
	case syntax.OpRepeat:
		return re.Min == 0 || nullable(re.Sub[0])
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			if !nullable(sub) {
				return false
			}
		}
		return true
	case syntax.OpAlternate:
		return slices.ContainsFunc(re.Sub, nullable)
	}
	return true // empty match, anchors, word boundaries, star, quest
}

// continued wraps re so that it finds the leftmost match of re starting at
// offset 1 or later of a text whose byte 0 stands for the consumed data
// before it: '^' and '\b' there then see real context, which a match simply
// started at offset 1 would not. Group 1 is the match of re; re's own
// groups follow.
func continued(re *syntax.Regexp) *syntax.Regexp {
	any := func() *syntax.Regexp { return &syntax.Regexp{Op: syntax.OpAnyChar, Flags: syntax.DotNL} }
	return &syntax.Regexp{Op: syntax.OpConcat, Sub: []*syntax.Regexp{
		{Op: syntax.OpBeginText},
		any(),
		{Op: syntax.OpStar, Flags: syntax.NonGreedy, Sub: []*syntax.Regexp{any()}},
		{Op: syntax.OpCapture, Cap: 1, Sub: []*syntax.Regexp{re}},
	}}
}

// leadingLiteral returns the text every match of re begins with (after
// zero-width assertions), or "" when there is none to rely on. A text
// without it cannot match, which is much cheaper to find out with
// bytes.Contains than with the regexp.
func leadingLiteral(re *syntax.Regexp) string {
	for {
		switch re.Op {
		case syntax.OpCapture, syntax.OpPlus:
			re = re.Sub[0]
		case syntax.OpRepeat:
			if re.Min < 1 {
				return ""
			}
			re = re.Sub[0]
		case syntax.OpConcat:
			i := 0
			for i < len(re.Sub) && zeroWidth(re.Sub[i]) {
				i++
			}
			if i == len(re.Sub) {
				return ""
			}
			re = re.Sub[i]
		case syntax.OpLiteral:
			// Invalid UTF-8 in the text decodes as U+FFFD, which a
			// byte search would not find.
			if re.Flags&syntax.FoldCase != 0 || slices.Contains(re.Rune, utf8.RuneError) {
				return ""
			}
			return string(re.Rune)
		default:
			return ""
		}
	}
}

// beginsAtLineStart reports whether every match of re begins with '^'.
func beginsAtLineStart(re *syntax.Regexp) bool { return beginsWith(re, syntax.OpBeginLine) }

// beginsAtTextStart reports whether every match of re begins at the start
// of the text: \A, which a line-local pattern's '^' has become.
func beginsAtTextStart(re *syntax.Regexp) bool { return beginsWith(re, syntax.OpBeginText) }

// beginsWith reports whether every match of re begins with the anchor op.
func beginsWith(re *syntax.Regexp, op syntax.Op) bool {
	switch re.Op {
	case op:
		return true
	case syntax.OpCapture:
		return beginsWith(re.Sub[0], op)
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			if beginsWith(sub, op) {
				return true
			}
			if !zeroWidth(sub) {
				return false
			}
		}
	case syntax.OpAlternate:
		return !slices.ContainsFunc(re.Sub, func(sub *syntax.Regexp) bool { return !beginsWith(sub, op) })
	}
	return false
}

func zeroWidth(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return true
	}
	return false
}

// atTextStart anchors re at the start of the text.
func atTextStart(re *syntax.Regexp) *syntax.Regexp {
	return &syntax.Regexp{Op: syntax.OpConcat, Sub: []*syntax.Regexp{{Op: syntax.OpBeginText}, re}}
}
