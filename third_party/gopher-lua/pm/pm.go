// Lua pattern match functions for Go
package pm

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"
)

const (
	EOS               = -1
	_UNKNOWN          = -2
	maxRecursionLevel = 1000000
)

/* Error {{{ */

type Error struct {
	Pos     int
	Message string
}

func newError(pos int, message string, args ...interface{}) *Error {
	if len(args) == 0 {
		return &Error{pos, message}
	}
	return &Error{pos, fmt.Sprintf(message, args...)}
}

func (e *Error) Error() string {
	switch e.Pos {
	case EOS:
		return fmt.Sprintf("%s at EOS", e.Message)
	case _UNKNOWN:
		return fmt.Sprintf("%s", e.Message)
	default:
		return fmt.Sprintf("%s at %d", e.Message, e.Pos)
	}
}

/* }}} */

/* MatchData {{{ */

type MatchData struct {
	// captured positions
	// layout
	// xxxx xxxx xxxx xxx0 : caputured positions
	// xxxx xxxx xxxx xxx1 : position captured positions
	captures []uint32
	buf      [8]uint32 // mailexpect patch: captures' first room (3 captures), in the same allocation
}

func newMatchState() *MatchData { // mailexpect patch: one allocation, not two
	m := &MatchData{}
	m.captures = m.buf[:0]
	return m
}

func (st *MatchData) addPosCapture(s, pos int) {
	for s+1 >= len(st.captures) {
		st.captures = append(st.captures, 0)
	}
	st.captures[s] = (uint32(pos) << 1) | 1
	st.captures[s+1] = (uint32(pos) << 1) | 1
}

func (st *MatchData) setCapture(s, pos int) uint32 {
	for s >= len(st.captures) {
		st.captures = append(st.captures, 0)
	}
	v := st.captures[s]
	st.captures[s] = (uint32(pos) << 1)
	return v
}

func (st *MatchData) restoreCapture(s int, pos uint32) { st.captures[s] = pos }

func (st *MatchData) CaptureLength() int { return len(st.captures) }

func (st *MatchData) IsPosCapture(idx int) bool { return (st.captures[idx] & 1) == 1 }

func (st *MatchData) Capture(idx int) int { return int(st.captures[idx] >> 1) }

/* }}} */

/* scanner {{{ */

type scannerState struct {
	Pos     int
	started bool
}

type scanner struct {
	src   []byte
	State scannerState
	saved scannerState
}

func newScanner(src []byte) *scanner {
	return &scanner{
		src: src,
		State: scannerState{
			Pos:     0,
			started: false,
		},
		saved: scannerState{},
	}
}

func (sc *scanner) Length() int { return len(sc.src) }

func (sc *scanner) Next() int {
	if !sc.State.started {
		sc.State.started = true
		if len(sc.src) == 0 {
			sc.State.Pos = EOS
		}
	} else {
		sc.State.Pos = sc.NextPos()
	}
	if sc.State.Pos == EOS {
		return EOS
	}
	return int(sc.src[sc.State.Pos])
}

func (sc *scanner) CurrentPos() int {
	return sc.State.Pos
}

func (sc *scanner) NextPos() int {
	if sc.State.Pos == EOS || sc.State.Pos >= len(sc.src)-1 {
		return EOS
	}
	if !sc.State.started {
		return 0
	} else {
		return sc.State.Pos + 1
	}
}

func (sc *scanner) Peek() int {
	cureof := sc.State.Pos == EOS
	ch := sc.Next()
	if !cureof {
		if sc.State.Pos == EOS {
			sc.State.Pos = len(sc.src) - 1
		} else {
			sc.State.Pos--
			if sc.State.Pos < 0 {
				sc.State.Pos = 0
				sc.State.started = false
			}
		}
	}
	return ch
}

func (sc *scanner) Save() { sc.saved = sc.State }

func (sc *scanner) Restore() { sc.State = sc.saved }

/* }}} */

/* bytecode {{{ */

type opCode int

const (
	opChar opCode = iota
	opMatch
	opTailMatch
	opSave
	opPSave
	opBrace
	opNumber
	// mailexpect patch: a single-class repetition is one instruction
	// (it was a split, a char and a jump), see recursiveVM.
	opStar // greedy *
	opPlus // greedy +
	opMin  // lazy -
	opOpt  // ?
	// mailexpect patch: the frontier %f[set], as Lua 5.1.5's lstrlib
	// (undocumented there, but implemented): matches the empty string
	// where the byte before (NUL at the start) is not in the set and the
	// byte at (NUL at the end) is.
	opFrontier
)

type inst struct {
	OpCode   opCode
	Operand1 int
	Operand2 int
	// mailexpect patch: the bytes the instruction's class matches, as a
	// bitmap made once from class.Matches (opChar and the repetitions).
	set *byteSet
	// mailexpect patch: for a repetition, the bytes the rest of the
	// pattern can start with (nil: any, or none needed), so that a
	// continuation bound to fail is not tried.
	next *byteSet
	// seek: a lazy repetition of any byte (.-) whose rest starts with one
	// byte, seekByte, jumps to that byte's next occurrence
	// (strings.IndexByte) instead of testing each byte on the way.
	seek     bool
	seekByte byte
}

// byteSet is a set of bytes, one bit each. mailexpect patch: a class is
// tested with a load and a mask instead of an interface call.
type byteSet [4]uint64

func (s *byteSet) has(c byte) bool { return s[c>>6]&(1<<(c&63)) != 0 }

// single is the one byte in s and true, or false if s holds more or none.
func (s *byteSet) single() (byte, bool) {
	n, b := 0, byte(0)
	for c := 0; c < 256; c++ {
		if s.has(byte(c)) {
			n, b = n+1, byte(c)
		}
	}
	return b, n == 1
}

func setOf(cl class) *byteSet {
	var s byteSet
	for c := 0; c < 256; c++ {
		if cl.Matches(c) {
			s[c>>6] |= 1 << (c & 63)
		}
	}
	return &s
}

func byteSetOf(b byte) *byteSet {
	var s byteSet
	s[b>>6] |= 1 << (b & 63)
	return &s
}

/* classes {{{ */

type class interface {
	Matches(ch int) bool
}

type dotClass struct{}

func (pn *dotClass) Matches(ch int) bool { return true }

type charClass struct {
	Ch int
}

func (pn *charClass) Matches(ch int) bool { return pn.Ch == ch }

type singleClass struct {
	Class int
}

func (pn *singleClass) Matches(ch int) bool {
	ret := false
	switch pn.Class {
	case 'a', 'A':
		ret = 'A' <= ch && ch <= 'Z' || 'a' <= ch && ch <= 'z'
	case 'c', 'C':
		ret = (0x00 <= ch && ch <= 0x1F) || ch == 0x7F
	case 'd', 'D':
		ret = '0' <= ch && ch <= '9'
	case 'l', 'L':
		ret = 'a' <= ch && ch <= 'z'
	case 'p', 'P':
		ret = (0x21 <= ch && ch <= 0x2f) || (0x3a <= ch && ch <= 0x40) || (0x5b <= ch && ch <= 0x60) || (0x7b <= ch && ch <= 0x7e)
	case 's', 'S':
		switch ch {
		case ' ', '\f', '\n', '\r', '\t', '\v':
			ret = true
		}
	case 'u', 'U':
		ret = 'A' <= ch && ch <= 'Z'
	case 'w', 'W':
		ret = '0' <= ch && ch <= '9' || 'A' <= ch && ch <= 'Z' || 'a' <= ch && ch <= 'z'
	case 'x', 'X':
		ret = '0' <= ch && ch <= '9' || 'a' <= ch && ch <= 'f' || 'A' <= ch && ch <= 'F'
	case 'z', 'Z':
		ret = ch == 0
	default:
		return ch == pn.Class
	}
	if 'A' <= pn.Class && pn.Class <= 'Z' {
		return !ret
	}
	return ret
}

type setClass struct {
	IsNot   bool
	Classes []class
}

func (pn *setClass) Matches(ch int) bool {
	for _, class := range pn.Classes {
		if class.Matches(ch) {
			return !pn.IsNot
		}
	}
	return pn.IsNot
}

type rangeClass struct {
	Begin class
	End   class
}

func (pn *rangeClass) Matches(ch int) bool {
	switch begin := pn.Begin.(type) {
	case *charClass:
		end, ok := pn.End.(*charClass)
		if !ok {
			return false
		}
		return begin.Ch <= ch && ch <= end.Ch
	}
	return false
}

// }}}

// patterns {{{

type pattern interface{}

type singlePattern struct {
	Class class
}

type seqPattern struct {
	MustHead bool
	MustTail bool
	Patterns []pattern
}

type repeatPattern struct {
	Type  int
	Class class
}

type posCapPattern struct{}

type capPattern struct {
	Pattern pattern
}

type numberPattern struct {
	N int
}

type frontierPattern struct {
	Class class
}

type bracePattern struct {
	Begin int
	End   int
}

// }}}

/* parse {{{ */

func parseClass(sc *scanner, allowset bool) class {
	ch := sc.Next()
	switch ch {
	case '%':
		return &singleClass{sc.Next()}
	case '.':
		if allowset {
			return &dotClass{}
		}
		return &charClass{ch}
	case '[':
		if allowset {
			return parseClassSet(sc)
		}
		return &charClass{ch}
	//case '^' '$', '(', ')', ']', '*', '+', '-', '?':
	//	panic(newError(sc.CurrentPos(), "invalid %c", ch))
	case EOS:
		panic(newError(sc.CurrentPos(), "unexpected EOS"))
	default:
		return &charClass{ch}
	}
}

func parseClassSet(sc *scanner) class {
	set := &setClass{false, []class{}}
	if sc.Peek() == '^' {
		set.IsNot = true
		sc.Next()
	}
	isrange := false
	for {
		ch := sc.Peek()
		switch ch {
		// case '[':
		// 	panic(newError(sc.CurrentPos(), "'[' can not be nested"))
		case EOS:
			panic(newError(sc.CurrentPos(), "unexpected EOS"))
		case ']':
			if len(set.Classes) > 0 {
				sc.Next()
				goto exit
			}
			fallthrough
		case '-':
			if len(set.Classes) > 0 {
				sc.Next()
				isrange = true
				continue
			}
			fallthrough
		default:
			set.Classes = append(set.Classes, parseClass(sc, false))
		}
		if isrange {
			begin := set.Classes[len(set.Classes)-2]
			end := set.Classes[len(set.Classes)-1]
			set.Classes = set.Classes[0 : len(set.Classes)-2]
			set.Classes = append(set.Classes, &rangeClass{begin, end})
			isrange = false
		}
	}
exit:
	if isrange {
		set.Classes = append(set.Classes, &charClass{'-'})
	}

	return set
}

func parsePattern(sc *scanner, toplevel bool) *seqPattern {
	pat := &seqPattern{}
	if toplevel {
		if sc.Peek() == '^' {
			sc.Next()
			pat.MustHead = true
		}
	}
	for {
		ch := sc.Peek()
		switch ch {
		case '%':
			sc.Save()
			sc.Next()
			switch sc.Peek() {
			case '0':
				panic(newError(sc.CurrentPos(), "invalid capture index"))
			case '1', '2', '3', '4', '5', '6', '7', '8', '9':
				pat.Patterns = append(pat.Patterns, &numberPattern{sc.Next() - 48})
			case 'b':
				sc.Next()
				pat.Patterns = append(pat.Patterns, &bracePattern{sc.Next(), sc.Next()})
			case 'f': // mailexpect patch: the frontier, as Lua 5.1.5
				sc.Next()
				if sc.Peek() != '[' {
					panic(newError(_UNKNOWN, "%s", "missing '[' after '%f' in pattern"))
				}
				pat.Patterns = append(pat.Patterns, &frontierPattern{parseClass(sc, true)})
			default:
				sc.Restore()
				pat.Patterns = append(pat.Patterns, &singlePattern{parseClass(sc, true)})
			}
		case '.', '[', ']':
			pat.Patterns = append(pat.Patterns, &singlePattern{parseClass(sc, true)})
		//case ']':
		//	panic(newError(sc.CurrentPos(), "invalid ']'"))
		case ')':
			if toplevel {
				panic(newError(sc.CurrentPos(), "invalid ')'"))
			}
			return pat
		case '(':
			sc.Next()
			if sc.Peek() == ')' {
				sc.Next()
				pat.Patterns = append(pat.Patterns, &posCapPattern{})
			} else {
				ret := &capPattern{parsePattern(sc, false)}
				if sc.Peek() != ')' {
					panic(newError(sc.CurrentPos(), "unfinished capture"))
				}
				sc.Next()
				pat.Patterns = append(pat.Patterns, ret)
			}
		case '*', '+', '-', '?':
			sc.Next()
			if len(pat.Patterns) > 0 {
				spat, ok := pat.Patterns[len(pat.Patterns)-1].(*singlePattern)
				if ok {
					pat.Patterns = pat.Patterns[0 : len(pat.Patterns)-1]
					pat.Patterns = append(pat.Patterns, &repeatPattern{ch, spat.Class})
					continue
				}
			}
			pat.Patterns = append(pat.Patterns, &singlePattern{&charClass{ch}})
		case '$':
			if toplevel && (sc.NextPos() == sc.Length()-1 || sc.NextPos() == EOS) {
				pat.MustTail = true
			} else {
				pat.Patterns = append(pat.Patterns, &singlePattern{&charClass{ch}})
			}
			sc.Next()
		case EOS:
			sc.Next()
			goto exit
		default:
			sc.Next()
			pat.Patterns = append(pat.Patterns, &singlePattern{&charClass{ch}})
		}
	}
exit:
	return pat
}

type iptr struct {
	insts   []inst
	capture int
}

func compilePattern(p pattern, ps ...*iptr) []inst {
	var ptr *iptr
	toplevel := false
	if len(ps) == 0 {
		toplevel = true
		ptr = &iptr{[]inst{inst{OpCode: opSave, Operand1: 0, Operand2: -1}}, 2}
	} else {
		ptr = ps[0]
	}
	switch pat := p.(type) {
	case *singlePattern:
		ptr.insts = append(ptr.insts, inst{OpCode: opChar, Operand1: -1, Operand2: -1, set: setOf(pat.Class)})
	case *seqPattern:
		for _, cp := range pat.Patterns {
			compilePattern(cp, ptr)
		}
	case *repeatPattern:
		// mailexpect patch: one instruction per repetition (see recursiveVM).
		op := opOpt
		switch pat.Type {
		case '*':
			op = opStar
		case '+':
			op = opPlus
		case '-':
			op = opMin
		}
		ptr.insts = append(ptr.insts, inst{OpCode: op, Operand1: -1, Operand2: -1, set: setOf(pat.Class)})
	case *posCapPattern:
		ptr.insts = append(ptr.insts, inst{OpCode: opPSave, Operand1: ptr.capture, Operand2: -1})
		ptr.capture += 2
	case *capPattern:
		c0, c1 := ptr.capture, ptr.capture+1
		ptr.capture += 2
		ptr.insts = append(ptr.insts, inst{OpCode: opSave, Operand1: c0, Operand2: -1})
		compilePattern(pat.Pattern, ptr)
		ptr.insts = append(ptr.insts, inst{OpCode: opSave, Operand1: c1, Operand2: -1})
	case *frontierPattern:
		ptr.insts = append(ptr.insts, inst{OpCode: opFrontier, Operand1: -1, Operand2: -1, set: setOf(pat.Class)})
	case *bracePattern:
		ptr.insts = append(ptr.insts, inst{OpCode: opBrace, Operand1: pat.Begin, Operand2: pat.End})
	case *numberPattern:
		ptr.insts = append(ptr.insts, inst{OpCode: opNumber, Operand1: pat.N, Operand2: -1})
	}
	if toplevel {
		if p.(*seqPattern).MustTail {
			ptr.insts = append(ptr.insts, inst{OpCode: opSave, Operand1: 1, Operand2: -1}, inst{OpCode: opTailMatch, Operand1: -1, Operand2: -1})
		}
		ptr.insts = append(ptr.insts, inst{OpCode: opSave, Operand1: 1, Operand2: -1}, inst{OpCode: opMatch, Operand1: -1, Operand2: -1})
		for i := range ptr.insts {
			switch ptr.insts[i].OpCode {
			case opStar, opPlus, opMin, opOpt:
				in := &ptr.insts[i]
				in.next = firstSet(ptr.insts, i+1)
				if in.OpCode == opMin && in.next != nil && *in.set == (byteSet{^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0)}) {
					in.seekByte, in.seek = in.next.single()
				}
			}
		}
	}
	return ptr.insts
}

// firstSet is the set of bytes a match of insts[pc:] must start with, or
// nil when it may start with any byte or none (mailexpect patch).
// Captures consume nothing and are looked through.
func firstSet(insts []inst, pc int) *byteSet {
	for ; pc < len(insts); pc++ {
		switch in := insts[pc]; in.OpCode {
		case opSave, opPSave:
			continue
		case opChar, opPlus:
			return in.set
		case opBrace:
			if in.Operand1 < 0 || in.Operand1 > 255 {
				return nil
			}
			return byteSetOf(byte(in.Operand1))
		}
		return nil
	}
	return nil
}

/* }}} parse */

/* VM {{{ */

// recursiveVM runs insts from pc at sp and reports whether they match,
// and where the match ends. It started from a VM based on "Regular
// Expression Matching: the Virtual Machine Approach"
// (https://swtch.com/~rsc/regexp/regexp2.html); mailexpect patch 0040
// made it Lua's own matcher in shape (lstrlib.c, match):
//
//   - a repetition of a single class is one instruction: * and + count
//     the longest run and try the rest from the longest to the shortest,
//     the lazy one tries the rest before each byte it takes, ? with the
//     byte first and then without. That is the order in which the split/char/jump
//     program explored the same alternatives, without a recursion per
//     byte taken (which also ended a run of 1,000,000 bytes with "too
//     complex"), and a try whose rest cannot start at that byte (next)
//     is skipped;
//   - in a pattern without a back reference (%1), a capture's start and
//     end are written without a recursion to restore them on failure:
//     Lua patterns have no alternation and repeat single classes only,
//     so every successful path writes every capture again before it
//     returns it. A back reference reads them on the way, even one of a
//     capture still open (which the old engine allowed, reading the
//     restored end), so such a pattern restores them as before;
//   - classes are byte sets (byteSet), made from class.Matches.
//
// m is written as the match goes; its captures are those of the match
// when it returns true.
func recursiveVM(vm *matcher, pc, sp, recLevel int, m *MatchData) (bool, int) {
	src, insts := vm.src, vm.insts
	recLevel++
	if recLevel > maxRecursionLevel {
		panic(newError(_UNKNOWN, "pattern/input too complex"))
	}
	for {
		in := &insts[pc]
		switch in.OpCode {
		case opChar:
			if sp >= len(src) || !in.set.has(src[sp]) {
				return false, sp
			}
			pc++
			sp++
		case opMatch:
			return true, sp
		case opTailMatch:
			return sp >= len(src), sp
		case opSave:
			if !vm.restore {
				m.setCapture(in.Operand1, sp)
				pc++
				continue
			}
			s := m.setCapture(in.Operand1, sp)
			if ok, e := recursiveVM(vm, pc+1, sp, recLevel, m); ok {
				return true, e
			}
			m.restoreCapture(in.Operand1, s)
			return false, sp
		case opPSave:
			m.addPosCapture(in.Operand1, sp+1)
			pc++
		case opStar, opPlus:
			n := 0
			for sp+n < len(src) && in.set.has(src[sp+n]) {
				n++
			}
			least := 0
			if in.OpCode == opPlus {
				least = 1
			}
			for i := n; i >= least; i-- {
				if in.next != nil && (sp+i >= len(src) || !in.next.has(src[sp+i])) {
					continue
				}
				vm.poll() // backtracking can run for hours
				if ok, e := recursiveVM(vm, pc+1, sp+i, recLevel, m); ok {
					return true, e
				}
			}
			return false, sp
		case opMin:
			for in.seek {
				i := strings.IndexByte(src[sp:], in.seekByte)
				if i < 0 {
					return false, sp // the rest cannot start anywhere ahead
				}
				sp += i
				vm.poll()
				if ok, e := recursiveVM(vm, pc+1, sp, recLevel, m); ok {
					return true, e
				}
				sp++
			}
			for {
				if in.next == nil || (sp < len(src) && in.next.has(src[sp])) {
					vm.poll()
					if ok, e := recursiveVM(vm, pc+1, sp, recLevel, m); ok {
						return true, e
					}
				}
				if sp >= len(src) || !in.set.has(src[sp]) {
					return false, sp
				}
				sp++
			}
		case opOpt:
			if sp < len(src) && in.set.has(src[sp]) {
				vm.poll()
				if ok, e := recursiveVM(vm, pc+1, sp+1, recLevel, m); ok {
					return true, e
				}
			}
			pc++
		case opFrontier:
			var prev, cur byte // NUL before the start and at the end, as in C
			if sp > 0 {
				prev = src[sp-1]
			}
			if sp < len(src) {
				cur = src[sp]
			}
			if in.set.has(prev) || !in.set.has(cur) {
				return false, sp
			}
			pc++
		case opBrace:
			if sp >= len(src) || int(src[sp]) != in.Operand1 {
				return false, sp
			}
			count := 1
			for sp = sp + 1; sp < len(src); sp++ {
				if int(src[sp]) == in.Operand2 {
					count--
				}
				if count == 0 {
					break
				}
				if int(src[sp]) == in.Operand1 {
					count++
				}
			}
			if count != 0 {
				return false, sp
			}
			pc++
			sp++
		case opNumber:
			idx := in.Operand1 * 2
			if idx >= m.CaptureLength()-1 {
				panic(newError(_UNKNOWN, "invalid capture index"))
			}
			if m.IsPosCapture(idx) {
				// mailexpect patch: a back reference to a position capture
				// never matches, as in Lua 5.1.5 (match_capture compares
				// CAP_POSITION's length as a size_t); it matched "".
				return false, sp
			}
			capture := src[m.Capture(idx):m.Capture(idx+1)]
			if len(src)-sp < len(capture) || src[sp:sp+len(capture)] != capture {
				return false, sp
			}
			pc++
			sp += len(capture)
		default:
			panic("should not reach here")
		}
	}
}

/* }}} */

/* API {{{ */

// Pattern is a compiled Lua pattern (mailexpect patch). It is read-only,
// so states running in parallel share it.
type Pattern struct {
	insts    []inst
	anchored bool
	backref  bool // it has a back reference (%1): see recursiveVM
	// Where a match can start, for a pattern that is not anchored:
	// prefix, the literal bytes every match starts with (two or more), or
	// else first, the set of its first byte (nil: any byte, or none).
	prefix string
	first  *byteSet
	// first1 is first's only byte when it has one (single1).
	first1  byte
	single1 bool
}

// Anchored reports whether the pattern starts with ^: it is tried at the
// offset only, and a search for more matches ends after it.
func (p *Pattern) Anchored() bool { return p.anchored }

// mailexpect patch: a cache of compiled patterns. string.find, match,
// gmatch and gsub parsed and compiled their pattern on every call; a
// protocol module matching each reply line spent a tenth of its time
// there. Entries are immutable (recursiveVM only reads them), so the
// cache is shared by all states. It holds at most patternCacheMax
// patterns and starts over when full, so patterns built from data cannot
// grow it without bound.
const patternCacheMax = 4096

var (
	patternCache  sync.Map // string -> *Pattern
	patternCached atomic.Int64
)

// Compile returns the compiled pattern p, from the cache when it was
// compiled before. A bad pattern is an *Error, on every use.
func Compile(p string) (c *Pattern, err error) {
	if c, ok := patternCache.Load(p); ok {
		return c.(*Pattern), nil
	}
	defer func() {
		if v := recover(); v != nil {
			perr, ok := v.(*Error)
			if !ok {
				panic(v)
			}
			c, err = nil, perr
		}
	}()
	pat := parsePattern(newScanner([]byte(p)), true) // panics with *Error on a bad pattern
	c = &Pattern{insts: compilePattern(pat), anchored: pat.MustHead}
	for _, in := range c.insts {
		c.backref = c.backref || in.OpCode == opNumber
	}
	c.first = firstSet(c.insts, 0)
	if c.first != nil {
		c.first1, c.single1 = c.first.single()
	}
	// The literal prefix: single-byte classes in a row, captures looked through.
	var prefix []byte
	for _, in := range c.insts {
		if in.OpCode == opSave || in.OpCode == opPSave {
			continue
		}
		b, ok := byte(0), false
		if in.OpCode == opChar {
			b, ok = in.set.single()
		}
		if !ok {
			break
		}
		prefix = append(prefix, b)
	}
	if len(prefix) > 1 {
		c.prefix = string(prefix)
	}
	if patternCached.Add(1) > patternCacheMax {
		patternCache.Clear()
		patternCached.Store(1)
	}
	patternCache.Store(p, c)
	return c, nil
}

// mailexpect patch: cancelling a match. A pattern such as
// ("a*"):rep(30) .. "b" backtracks for longer than any deadline, so the
// matcher polls a done channel (a context's Done) every pollEvery steps
// (a start position, a try of a repetition's rest) and gives up with
// ErrCanceled once it is closed. The subject, the program and the poll
// state travel in one *matcher, so recursiveVM takes few arguments.

// ErrCanceled is returned by FindCancel when done was closed during the match.
var ErrCanceled = errors.New("pattern match canceled")

const pollEvery = 1024 // steps between polls; a power of two

type matcher struct {
	src     string
	insts   []inst
	restore bool // captures are restored on failure (Pattern.backref)
	done    <-chan struct{}
	steps   uint32
}

func (vm *matcher) poll() {
	vm.steps++
	if vm.steps&(pollEvery-1) == 0 {
		select {
		case <-vm.done:
			panic(ErrCanceled)
		default:
		}
	}
}

// Match finds the first match of p in src that starts at or after sp
// (only at sp for an anchored pattern) and leaves its captures in m:
// Capture(0) and Capture(1) are where it starts and ends. It returns
// false when there is none, and ErrCanceled soon after done is closed (a
// nil done never cancels). To find the next match, search again from
// max(start+1, end), unless p is anchored (mailexpect patch: one match
// at a time, without allocations).
func (p *Pattern) Match(src string, sp int, m *MatchData, done <-chan struct{}) (ok bool, err error) {
	return p.match(src, sp, m, done, p.anchored)
}

// MatchHere is Match that tries at sp only, anchored or not.
func (p *Pattern) MatchHere(src string, sp int, m *MatchData, done <-chan struct{}) (ok bool, err error) {
	return p.match(src, sp, m, done, true)
}

// match is Match; once: try at sp only.
func (p *Pattern) match(src string, sp int, m *MatchData, done <-chan struct{}, once bool) (ok bool, err error) {
	defer func() {
		if v := recover(); v != nil {
			if perr, isErr := v.(*Error); isErr {
				ok, err = false, perr
			} else if v == ErrCanceled {
				ok, err = false, ErrCanceled
			} else {
				panic(v)
			}
		}
	}()
	vm := matcher{src: src, insts: p.insts, restore: p.backref, done: done}
	for ; sp <= len(src); sp++ {
		if !once {
			// Skip the start positions where no match can start.
			if p.prefix != "" {
				i := strings.Index(src[sp:], p.prefix)
				if i < 0 {
					return false, nil
				}
				sp += i
			} else if p.single1 {
				i := strings.IndexByte(src[sp:], p.first1)
				if i < 0 {
					return false, nil
				}
				sp += i
			} else if p.first != nil {
				for sp < len(src) && !p.first.has(src[sp]) {
					sp++
				}
				if sp == len(src) {
					return false, nil
				}
			}
		} else if p.first != nil && (sp >= len(src) || !p.first.has(src[sp])) {
			return false, nil
		}
		m.captures = m.buf[:0]
		vm.poll() // each start position is a step too
		if ok, _ := recursiveVM(&vm, 0, sp, 0, m); ok {
			return true, nil
		}
		if once {
			return false, nil
		}
	}
	return false, nil
}

// Find is FindCancel without a way to cancel.
func Find(p string, src []byte, offset, limit int) (matches []*MatchData, err error) {
	return FindCancel(p, src, offset, limit, nil)
}

// FindCancel finds up to limit matches of the pattern p in src from
// offset on (limit < 0: all). It returns ErrCanceled soon after done is
// closed; a nil done never cancels.
func FindCancel(p string, src []byte, offset, limit int, done <-chan struct{}) (matches []*MatchData, err error) {
	// mailexpect patch: each pattern is parsed and compiled once (see
	// PATCHES.md); the result is read-only, so states share it.
	c, err := Compile(p)
	if err != nil {
		return nil, err
	}
	s := unsafe.String(unsafe.SliceData(src), len(src)) // read only, during this call
	matches = []*MatchData{}
	// As before 0040: an anchored pattern is tried once, and a limit of 0
	// is none when the first try (at offset) matches, else no match.
	for sp := offset; sp <= len(s); {
		m := newMatchState()
		ok, err := c.match(s, sp, m, done, c.anchored || limit == 0 && len(matches) == 0)
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		matches = append(matches, m)
		if len(matches) == limit || c.anchored {
			break
		}
		// Each Match counts its own steps; a match is a step here.
		if len(matches)%pollEvery == 0 {
			select {
			case <-done:
				return nil, ErrCanceled
			default:
			}
		}
		sp = max(m.Capture(0)+1, m.Capture(1))
	}
	return matches, nil
}

/* }}} */
