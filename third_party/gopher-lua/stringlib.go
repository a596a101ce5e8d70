package lua

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unsafe"

	"github.com/mailexpect/mailexpect/third_party/gopher-lua/pm"
)

const emptyLString LString = LString("")

func OpenString(L *LState) int {
	var mod *LTable
	//_, ok := L.G.builtinMts[int(LTString)]
	//if !ok {
	mod = L.registerLib(StringLibName, strFuncList).(*LTable) // mailexpect patch: prepared once per process
	gmatch := L.NewFunction(strGmatch)                        // mailexpect patch: its iterator is made per call
	mod.RawSetString("gmatch", gmatch)
	mod.RawSetString("gfind", gmatch)
	mod.RawSetString("__index", mod)
	L.G.builtinMts[int(LTString)] = mod
	//}
	L.Push(mod)
	return 1
}

var strFuncs = map[string]LGFunction{
	"byte":    strByte,
	"char":    strChar,
	"dump":    strDump,
	"find":    strFind,
	"format":  strFormat,
	"gsub":    strGsub,
	"len":     strLen,
	"lower":   strLower,
	"match":   strMatch,
	"rep":     strRep,
	"reverse": strReverse,
	"sub":     strSub,
	"upper":   strUpper,
}

func strByte(L *LState) int {
	str := L.CheckString(1)
	start := L.OptInt(2, 1) - 1
	end := L.OptInt(3, -1)
	l := len(str)
	if start < 0 {
		start = l + start + 1
	}
	if end < 0 {
		end = l + end + 1
	}

	if L.GetTop() == 2 {
		if start < 0 || start >= l {
			return 0
		}
		L.Push(L.reg.alloc.LNumber2I(LNumber(str[start]))) // mailexpect patch
		return 1
	}

	start = intMax(start, 0)
	end = intMin(end, l)
	if end < 0 || end <= start || start >= l {
		return 0
	}

	for i := start; i < end; i++ {
		// mailexpect patch (PATCHES.md): through the state's number
		// allocator (shared boxes for 0..127), not one allocation each.
		L.Push(L.reg.alloc.LNumber2I(LNumber(str[i])))
	}
	return end - start
}

func strChar(L *LState) int {
	top := L.GetTop()
	bytes := make([]byte, L.GetTop())
	for i := 1; i <= top; i++ {
		bytes[i-1] = uint8(L.CheckInt(i))
	}
	L.Push(LString(string(bytes)))
	return 1
}

func strDump(L *LState) int {
	L.RaiseError("GopherLua does not support the string.dump")
	return 0
}

func strFind(L *LState) int {
	str := L.CheckString(1)
	pattern := L.CheckString(2)
	init := strInit(L, str)
	// mailexpect patch: plain as Lua 5.1 reads it (lua_toboolean(L, 4),
	// whatever the number of arguments), and a pattern without specials
	// is searched plainly too; an empty pattern is found at init.
	plain := LVAsBool(L.Get(4)) || strings.IndexAny(pattern, "^$*+?.([%-") < 0

	if plain {
		pos := strings.Index(str[init:], pattern)
		if pos < 0 {
			L.Push(LNil)
			return 1
		}
		L.Push(L.reg.alloc.LNumber2I(LNumber(init+pos) + 1)) // mailexpect patch
		L.Push(L.reg.alloc.LNumber2I(LNumber(init + pos + len(pattern))))
		return 2
	}

	md, ok := matchPattern(L, compiledPattern(L, pattern), str, init, nil) // mailexpect patch
	if !ok {
		L.Push(LNil)
		return 1
	}
	L.Push(L.reg.alloc.LNumber2I(LNumber(md.Capture(0) + 1))) // mailexpect patch
	L.Push(L.reg.alloc.LNumber2I(LNumber(md.Capture(1))))
	for i := 2; i < md.CaptureLength(); i += 2 {
		if md.IsPosCapture(i) {
			L.Push(LNumber(md.Capture(i)))
		} else {
			L.Push(LString(str[md.Capture(i):md.Capture(i+1)]))
		}
	}
	return md.CaptureLength()/2 + 1
}

func strFormat(L *LState) int {
	str := L.CheckString(1)
	// mailexpect patch: "%s" and "%d" of strings and numbers, the common
	// case, without fmt (6 allocations, 2 now); the same text.
	var room [128]byte
	if b, ok := strFormatPlain(L, str, room[:0]); ok {
		L.Push(LString(b))
		return 1
	}
	L.Push(LString(strFormatFmt(L, str)))
	return 1
}

// strFormatPlain writes format with its arguments into b when it has only
// %s of strings and numbers and %d of numbers, an argument for each;
// false: anything else, for fmt (strFormatFmt), whose text it matches.
func strFormatPlain(L *LState, format string, b []byte) (string, bool) {
	arg, top := 2, L.GetTop()
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			b = append(b, c)
			continue
		}
		if i+1 == len(format) || arg > top {
			return "", false
		}
		i++
		v := L.Get(arg)
		arg++
		switch format[i] {
		case 's':
			switch lv := v.(type) {
			case LString:
				b = append(b, lv...)
			case LNumber:
				if !isInteger(lv) {
					return "", false
				}
				b = strconv.AppendInt(b, int64(lv), 10) // LNumber.String
			default:
				return "", false
			}
		case 'd':
			lv, ok := v.(LNumber)
			if !ok {
				return "", false
			}
			b = strconv.AppendInt(b, int64(lv), 10) // defaultFormat's %d
		default:
			return "", false
		}
	}
	return string(b), true
}

// strFormatFmt is string.format as Lua 5.1's str_format (mailexpect
// patch; it handed the format and the Lua values to fmt.Sprintf, so
// "%d" of "x" was "0", "%s" of a table its address, a missing argument
// "%!d(MISSING)"): each conversion checks its argument as Lua does
// (luaL_checknumber for c d i o u x X e E f g G, a number from a string
// included; luaL_checklstring for s and q), takes at most 5 flags of
// "-+ #0" and 2 digits of width and of precision, and an unknown
// conversion is an error. The numbers are written by fmt with the same
// flags, width and precision, which print them as C does for these
// conversions (%g with C's default precision of 6); infinities and NaN
// as C does ("inf", "-nan"), and %c, %s and %q count bytes. Two C
// artifacts are not copied: %s of a string with a NUL byte and %c of 0
// keep the byte (C's sprintf stopped there).
func strFormatFmt(L *LState, format string) string {
	b := make([]byte, 0, len(format)+16)
	top, arg := L.GetTop(), 1
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			b = append(b, c)
			continue
		}
		if i+1 < len(format) && format[i+1] == '%' {
			b = append(b, '%')
			i++
			continue
		}
		if arg++; arg > top {
			L.ArgError(arg, "no value")
		}
		start := i + 1
		j := start
		for j < len(format) && strings.IndexByte("-+ #0", format[j]) >= 0 {
			j++
		}
		if j-start > 5 {
			L.RaiseError("invalid format (repeated flags)")
		}
		digits := func() {
			for k := 0; k < 2 && j < len(format) && '0' <= format[j] && format[j] <= '9'; k++ {
				j++
			}
		}
		digits()
		if j < len(format) && format[j] == '.' {
			j++
			digits()
		}
		if j < len(format) && '0' <= format[j] && format[j] <= '9' {
			L.RaiseError("invalid format (width or precision too long)")
		}
		spec := format[start:j] // flags, width, precision
		var conv byte
		if j < len(format) {
			conv = format[j]
		}
		i = j
		switch conv {
		case 'c':
			b = strFormatPad(b, spec, string([]byte{byte(int(L.CheckNumber(arg)))}))
		case 'd', 'i':
			b = fmt.Appendf(b, "%"+spec+"d", int64(L.CheckNumber(arg)))
		case 'o', 'u', 'x', 'X':
			verb := conv
			if verb == 'u' {
				verb = 'd'
			}
			b = fmt.Appendf(b, "%"+spec+string(verb), uint64(int64(L.CheckNumber(arg))))
		case 'e', 'E', 'f', 'g', 'G':
			v := float64(L.CheckNumber(arg))
			if math.IsInf(v, 0) || math.IsNaN(v) {
				width, _, _ := strings.Cut(spec, ".") // C pads them, never cuts or zero-fills
				b = strFormatPad(b, width, strFormatNonFinite(v, spec, conv))
				break
			}
			if (conv == 'g' || conv == 'G') && strings.IndexByte(spec, '.') < 0 {
				spec += ".6" // C's default; fmt's %g is the shortest text
			}
			b = fmt.Appendf(b, "%"+spec+string(conv), v)
		case 'q':
			b = strFormatQuoted(b, L.CheckString(arg))
		case 's':
			b = strFormatPad(b, spec, L.CheckString(arg))
		default:
			L.RaiseError("invalid option '%%%c' to 'format'", conv)
		}
	}
	return string(b)
}

// strFormatPad appends s with spec's precision (at most that many bytes)
// and width (padded with spaces, on the left unless spec has '-').
func strFormatPad(b []byte, spec, s string) []byte {
	left := strings.IndexByte(spec, '-') >= 0
	spec = strings.TrimLeft(spec, "-+ #0")
	width, prec, hasPrec := spec, "", false
	if k := strings.IndexByte(spec, '.'); k >= 0 {
		width, prec, hasPrec = spec[:k], spec[k+1:], true
	}
	if hasPrec {
		if n, _ := strconv.Atoi(prec); n < len(s) {
			s = s[:n]
		}
	}
	pad, _ := strconv.Atoi(width)
	pad -= len(s)
	if !left {
		for ; pad > 0; pad-- {
			b = append(b, ' ')
		}
	}
	b = append(b, s...)
	for ; pad > 0; pad-- {
		b = append(b, ' ')
	}
	return b
}

// strFormatNonFinite is an infinity or NaN as C's printf writes it.
func strFormatNonFinite(v float64, spec string, conv byte) string {
	s := "inf"
	if math.IsNaN(v) {
		s = "nan"
	}
	switch {
	case math.Signbit(v):
		s = "-" + s
	case strings.IndexByte(spec, '+') >= 0:
		s = "+" + s
	case strings.IndexByte(spec, ' ') >= 0:
		s = " " + s
	}
	if conv == 'E' || conv == 'G' {
		s = strings.ToUpper(s)
	}
	return s
}

// strFormatQuoted appends s as Lua 5.1's %q (addquoted): in double
// quotes, with '"', '\\' and a newline after a backslash, '\r' as \r and
// NUL as \000; every other byte as it is.
func strFormatQuoted(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\', '\n':
			b = append(b, '\\', c)
		case '\r':
			b = append(b, `\r`...)
		case 0:
			b = append(b, `\000`...)
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// mailexpect patch: gsub finds one match at a time (pm.Pattern.Match,
// into one match data) and writes the result as it goes, as Lua does; it
// found all matches first, each in match data of its own, and built a
// list of replacements, with a new scanner and string per match for a
// string replacement.
func strGsub(L *LState) int {
	str := L.CheckString(1)
	pat := L.CheckString(2)
	L.CheckTypes(3, LTString, LTTable, LTFunction)
	repl := L.CheckAny(3)
	// mailexpect patch: as Lua 5.1, at most limit replacements: none for
	// a limit of 0 or less (it replaced all; a limit of 0 all or none).
	limit := L.OptInt(4, len(str)+1)

	p := compiledPattern(L, pat)
	// The state's match data, taken: a replacement function may match too.
	m := L.matchData
	L.matchData = nil
	if m == nil {
		m = &pm.MatchData{}
	}
	var b strings.Builder
	replStr, isStr := repl.(LString)
	expand := isStr && strings.IndexByte(string(replStr), '%') >= 0
	last, n := 0, 0
	for sp := 0; sp <= len(str) && n < limit; {
		if _, ok := matchPatternAt(L, p, str, sp, m, p.Anchored()); !ok {
			break
		}
		if n == 0 {
			b.Grow(len(str))
		}
		n++
		start, end := m.Capture(0), m.Capture(1)
		switch lv := repl.(type) {
		case LString:
			b.WriteString(str[last:start])
			if !expand {
				b.WriteString(string(lv))
			} else {
				strGsubExpand(L, &b, string(lv), str, m)
			}
			last = end
		case *LTable:
			if value := strGsubTableValue(L, str, lv, m); !LVIsFalse(value) {
				b.WriteString(str[last:start])
				b.WriteString(LVAsString(value))
				last = end
			}
		case *LFunction:
			if value := strGsubFuncValue(L, str, lv, m); !LVIsFalse(value) {
				b.WriteString(str[last:start])
				b.WriteString(LVAsString(value))
				last = end
			}
		}
		if n == limit || p.Anchored() {
			break
		}
		sp = max(start+1, end)
		if n%pollEvery == 0 { // each match polls on its own count
			poll := newPoller(L)
			poll.check()
		}
	}
	L.matchData = m
	if n == 0 {
		L.SetTop(1)
		L.Push(LNumber(0))
		return 2
	}
	b.WriteString(str[last:])
	L.Push(LString(b.String()))
	L.Push(L.reg.alloc.LNumber2I(LNumber(n)))
	return 2
}

func checkCaptureIndex(L *LState, m *pm.MatchData, idx int) {
	if idx <= 2 {
		return
	}
	if idx >= m.CaptureLength() {
		L.RaiseError("invalid capture index")
	}
}

func capturedString(L *LState, m *pm.MatchData, str string, idx int) string {
	checkCaptureIndex(L, m, idx)
	if idx >= m.CaptureLength() && idx == 2 {
		idx = 0
	}
	if m.IsPosCapture(idx) {
		return fmt.Sprint(m.Capture(idx))
	} else {
		return str[m.Capture(idx):m.Capture(idx+1)]
	}

}

// strGsubExpand writes a string replacement's text for the match m to b:
// %0-%9 are captures, "%x" for any other x is x (so "%%" is "%"), and a
// final "%" reads the NUL byte that ends the string in C, as Lua 5.1's
// add_s does (mailexpect patch: "%x" stayed "%x", a final "%" "%").
func strGsubExpand(L *LState, b *strings.Builder, repl, str string, match *pm.MatchData) {
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		i++
		c = 0
		if i < len(repl) {
			c = repl[i]
		}
		if c >= '0' && c <= '9' {
			b.WriteString(capturedString(L, match, str, 2*int(c-'0')))
		} else {
			b.WriteByte(c)
		}
	}
}

// strGsubTableValue is a table replacement's value for the match: the
// table indexed by the first capture, or the whole match.
func strGsubTableValue(L *LState, str string, repl *LTable, match *pm.MatchData) LValue {
	idx := 0
	if match.CaptureLength() > 2 { // has captures
		idx = 2
	}
	if match.IsPosCapture(idx) {
		return L.GetTable(repl, LNumber(match.Capture(idx)))
	}
	return L.GetField(repl, str[match.Capture(idx):match.Capture(idx+1)])
}

// strGsubFuncValue is a function replacement's value for the match: the
// function called with the captures, or the whole match.
func strGsubFuncValue(L *LState, str string, repl *LFunction, match *pm.MatchData) LValue {
	L.Push(repl)
	nargs := 0
	if match.CaptureLength() > 2 { // has captures
		for i := 2; i < match.CaptureLength(); i += 2 {
			if match.IsPosCapture(i) {
				L.Push(LNumber(match.Capture(i)))
			} else {
				L.Push(LString(capturedString(L, match, str, i)))
			}
			nargs++
		}
	} else {
		L.Push(LString(capturedString(L, match, str, 0)))
		nargs++
	}
	L.Call(nargs, 1)
	return L.reg.Pop()
}

// mailexpect patch: gmatch finds one match per call of its iterator,
// into match data of its own, as Lua does; it found them all at once,
// each in its own match data, on a copy of the string. A bad pattern is
// still raised by gmatch itself.
type strMatchData struct {
	str  string
	pat  *pm.Pattern
	pos  int  // where the next search starts
	done bool // no more matches
	md   pm.MatchData
}

func strGmatchIter(L *LState) int {
	md := L.Get(UpvalueIndex(1)).(*LUserData).Value.(*strMatchData)
	if md.done {
		return 0
	}
	str := md.str
	match, ok := matchPattern(L, md.pat, str, md.pos, &md.md)
	if !ok {
		md.done = true
		return 0
	}
	// As Lua 5.1's gmatch_aux: on after the match, and past an empty one.
	md.pos = max(match.Capture(0)+1, match.Capture(1))
	if match.CaptureLength() == 2 {
		L.Push(LString(str[match.Capture(0):match.Capture(1)]))
		return 1
	}

	for i := 2; i < match.CaptureLength(); i += 2 {
		if match.IsPosCapture(i) {
			L.Push(LNumber(match.Capture(i)))
		} else {
			L.Push(LString(str[match.Capture(i):match.Capture(i+1)]))
		}
	}
	return match.CaptureLength()/2 - 1
}

// mailexpect patch: gmatch returns one iterator function, as Lua 5.1 (a
// closure over its state; it returned a function and a userdata, so
// "local it = s:gmatch(p); it()" failed), and a leading "^" is a literal
// "^" there, as in Lua 5.1's gmatch_aux (it anchored the first match).
// The function, its upvalue and the state come in one allocation.
func strGmatch(L *LState) int {
	str := L.CheckString(1)
	pattern := L.CheckString(2)
	if strings.HasPrefix(pattern, "^") {
		pattern = "%" + pattern
	}
	pat := compiledPattern(L, pattern)
	g := &struct {
		fn  LFunction
		uv  Upvalue
		uvs [1]*Upvalue
		ud  LUserData
		md  strMatchData
	}{md: strMatchData{str: str, pat: pat}}
	g.ud = LUserData{Value: &g.md, Env: L.currentEnv(), Metatable: LNil}
	g.uv = Upvalue{value: &g.ud, closed: true}
	g.uvs[0] = &g.uv
	g.fn = LFunction{IsG: true, Env: L.currentEnv(), GFunction: strGmatchIter, Upvalues: g.uvs[:]}
	L.Push(&g.fn)
	return 1
}

func strLen(L *LState) int {
	str := L.CheckString(1)
	L.Push(LNumber(len(str)))
	return 1
}

func strLower(L *LState) int {
	str := L.CheckString(1)
	L.Push(asciiCase(L, str, 'A', 'Z'))
	return 1
}

// asciiCase is str with the bytes from lo to hi (the ASCII capitals or
// small letters) in the other case. mailexpect patch: string.upper and
// lower change ASCII letters only, byte by byte, as Lua's toupper and
// tolower in the C locale; strings.ToUpper changed other Unicode letters
// and turned every byte that is not UTF-8 into the three bytes of U+FFFD
// (a Latin-1 or binary string grew and changed). A string with nothing
// to change is the argument as it came, without a new box.
func asciiCase(L *LState, str string, lo, hi byte) LValue {
	i := 0
	for i < len(str) && (str[i] < lo || str[i] > hi) {
		i++
	}
	if i == len(str) {
		if lv := L.Get(1); lv.Type() == LTString {
			return lv // as boxed
		}
		return LString(str)
	}
	b := []byte(str)
	for ; i < len(b); i++ {
		if lo <= b[i] && b[i] <= hi {
			b[i] ^= 0x20
		}
	}
	return LString(unsafe.String(&b[0], len(b)))
}

func strMatch(L *LState) int {
	str := L.CheckString(1)
	pattern := L.CheckString(2)
	offset := strInit(L, str)

	md, ok := matchPattern(L, compiledPattern(L, pattern), str, offset, nil) // mailexpect patch
	if !ok {
		L.Push(LNil)
		return 1
	}
	nsubs := md.CaptureLength() / 2
	switch nsubs {
	case 1:
		L.Push(LString(str[md.Capture(0):md.Capture(1)]))
		return 1
	default:
		for i := 2; i < md.CaptureLength(); i += 2 {
			if md.IsPosCapture(i) {
				L.Push(LNumber(md.Capture(i)))
			} else {
				L.Push(LString(str[md.Capture(i):md.Capture(i+1)]))
			}
		}
		return nsubs - 1
	}
}

// mailexpect patch: string.rep refuses a result past maxRepBytes with an
// error naming the size, instead of a Go panic (overflow) or exhausting
// memory, and builds the result in chunks, polling the state's context
// between them (cancel.go).
const maxRepBytes = 1 << 30

func strRep(L *LState) int {
	str := L.CheckString(1)
	n := L.CheckInt(2)
	if n <= 0 || len(str) == 0 {
		L.Push(emptyLString)
		return 1
	}
	if n > maxRepBytes/len(str) {
		L.RaiseError("string.rep: the result would be %d copies of %d bytes, more than the limit of 1 GiB", n, len(str))
	}
	total := n * len(str)
	if total <= 1<<20 {
		L.Push(LString(strings.Repeat(str, n)))
		return 1
	}
	p := newPoller(L)
	b := make([]byte, len(str), total)
	copy(b, str)
	// Doubling, as strings.Repeat does, about 1 MiB at a time; every
	// length stays a multiple of len(str), so b[:k] continues the pattern.
	chunk := max(1, (1<<20)/len(str)) * len(str)
	for len(b) < total {
		p.check()
		b = append(b, b[:min(len(b), total-len(b), chunk)]...)
	}
	L.Push(LString(unsafe.String(&b[0], len(b))))
	return 1
}

func strReverse(L *LState) int {
	str := L.CheckString(1)
	bts := []byte(str)
	out := make([]byte, len(bts))
	for i, j := 0, len(bts)-1; j >= 0; i, j = i+1, j-1 {
		out[i] = bts[j]
	}
	L.Push(LString(string(out)))
	return 1
}

func strSub(L *LState) int {
	str := L.CheckString(1)
	start := luaIndex2StringIndex(str, L.CheckInt(2), true)
	end := luaIndex2StringIndex(str, L.OptInt(3, -1), false)
	l := len(str)
	if start >= l || end < start {
		L.Push(emptyLString)
	} else {
		L.Push(LString(str[start:end]))
	}
	return 1
}

func strUpper(L *LState) int {
	str := L.CheckString(1)
	L.Push(asciiCase(L, str, 'a', 'z')) // mailexpect patch
	return 1
}

// strInit is string.find's and string.match's init (argument 3) as a
// byte offset, as Lua 5.1's str_find_aux: negative counts from the end,
// and it is clamped to 0..len(str), so that an empty match is found at
// the end whatever init past it is given (mailexpect patch).
func strInit(L *LState, str string) int {
	init := L.OptInt(3, 1)
	if init < 0 {
		init += len(str) + 1
	}
	return min(max(init-1, 0), len(str))
}

func luaIndex2StringIndex(str string, i int, start bool) int {
	if start && i != 0 {
		i -= 1
	}
	l := len(str)
	if i < 0 {
		i = l + i + 1
	}
	i = intMax(0, i)
	if !start && i > l {
		i = l
	}
	return i
}

//

var strFuncList = newFuncList(strFuncs) // mailexpect patch
