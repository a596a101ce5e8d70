package lua

import (
	"strings"
	"testing"

	"github.com/mailexpect/mailexpect/third_party/gopher-lua/pm"
)

// The patterns and subjects TestGsubAsBefore and TestGmatchAsBefore try.
var (
	gsubPatterns = []string{"", "a", "a*", "a-", "a?", "(a)", "(a*)", "()", "^a", "^a*", "a$", "%s+", "(%w+)=(%w+)",
		"\r\n", "\n", "(.-)\r\n", "%b()", "(a)(b)", "[^,]+", "(%d)", "x*", "^", "$", "()a()", "(a)%1", "[a-c]+", "%z", "(", "%",
		"\n(%d+)[ \t]+(%S+)", "%S+"}
	gsubSubjects = []string{"", "a", "aaa", "abc abc", "a=b, c=d", "x\r\ny\r\n", "(a)(b)", "1,2,,3", "ba", "a\x00b", "banana",
		"\n1 box5-m1\r\n2 box5-m2\r\n"}
)

// string.gmatch of patch 0036 (one match per call of the iterator)
// yields the matches pm.Find lists (as the old gmatch did), or the
// same error.
func TestGmatchAsBefore(t *testing.T) {
	L := NewState()
	defer L.Close()
	fn, err := L.LoadString(`
local s, p = ...
local out = {}
local ok, err = pcall(function()
  for a, b, c in s:gmatch(p) do out[#out + 1] = string.format("%q %q %q", tostring(a), tostring(b), tostring(c)) end
end)
if not ok then return "error: " .. tostring(err) end
return table.concat(out, ";")`)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range gsubPatterns {
		if strings.HasPrefix(p, "^") {
			continue // a literal "^" in gmatch since patch 0045, as Lua 5.1 (TestStringLua51)
		}
		for _, s := range gsubSubjects {
			var want string
			if mds, err := pm.Find(p, []byte(s), 0, -1); err != nil {
				want = "error: " + err.Error()
			} else {
				var out []string
				for _, m := range mds {
					v := []string{"nil", "nil", "nil"}
					if m.CaptureLength() == 2 {
						v[0] = s[m.Capture(0):m.Capture(1)]
					}
					for i := 2; i < m.CaptureLength() && i < 8; i += 2 {
						if m.IsPosCapture(i) {
							v[i/2-1] = LNumber(m.Capture(i)).String()
						} else {
							v[i/2-1] = s[m.Capture(i):m.Capture(i+1)]
						}
					}
					// Lua's %q (patch 0047), as the script writes them
					out = append(out, string(strFormatQuoted(nil, v[0]))+" "+string(strFormatQuoted(nil, v[1]))+" "+string(strFormatQuoted(nil, v[2])))
				}
				want = strings.Join(out, ";")
			}
			if err := L.CallByParam(P{Fn: fn, NRet: 1, Protect: true}, LString(s), LString(p)); err != nil {
				t.Fatal(err)
			}
			got := L.Get(-1).String()
			L.Pop(1)
			if strings.HasPrefix(want, "error: ") && strings.Contains(got, want[len("error: "):]) {
				continue // raised with the position of the call
			}
			if got != want {
				t.Errorf("gmatch(%q, %q):\n got %s\nwant %s", s, p, got, want)
			}
		}
	}
}

// string.gsub of patch 0036 (one match at a time, the result written as
// it goes) against the one before it, kept below: all matches from
// pm.Find (whose results pm/diff_test.go compares with the old matcher's)
// then a list of replacements. Same result, count and error, for string
// (with %0-%9, %%, %x), table and function replacements and limits.
func TestGsubAsBefore(t *testing.T) {
	L := NewState()
	defer L.Close()
	L.SetGlobal("oldgsub", L.NewFunction(oldStrGsub))
	fn, err := L.LoadString(`
local s, p, r, n = ...
local function run(f)
  local ok, a, b = pcall(f, s, p, r, n)
  if not ok then return "error: " .. tostring(a) end
  return string.format("%q %s", a, tostring(b))
end
return run(string.gsub), run(oldgsub)`)
	if err != nil {
		t.Fatal(err)
	}
	repls := []func(L *LState) LValue{
		func(*LState) LValue { return LString("") },
		func(*LState) LValue { return LString("<%0>") },
		func(*LState) LValue { return LString("%1-%2") },
		func(*LState) LValue { return LString("%%") },
		func(*LState) LValue { return LString("%x%") },
		func(*LState) LValue { return LString("=3D") },
		func(*LState) LValue { return LString("%3") },
		func(L *LState) LValue {
			t := L.NewTable()
			t.RawSetString("a", LString("A"))
			t.RawSetString("abc", LFalse)
			t.RawSetString("b", LNumber(7))
			t.RawSetInt(1, LString("one"))
			return t
		},
		func(L *LState) LValue {
			f, _ := L.LoadString(`local a, b = ...; if a == "b" then return nil end; return "[" .. tostring(a) .. "|" .. tostring(b) .. "]"`)
			return f
		},
	}
	limits := []LValue{LNil, LNumber(-1), LNumber(0), LNumber(1), LNumber(2)}
	for _, p := range gsubPatterns {
		for _, s := range gsubSubjects {
			for ri, r := range repls {
				for _, n := range limits {
					if n, ok := n.(LNumber); ok && n <= 0 || ri == 4 {
						// Since patch 0045 as Lua 5.1 (TestStringLua51): a limit
						// of 0 or less replaces nothing, "%x" is "x".
						continue
					}
					if err := L.CallByParam(P{Fn: fn, NRet: 2, Protect: true}, LString(s), LString(p), r(L), n); err != nil {
						t.Fatal(err)
					}
					got, want := L.Get(-2).String(), L.Get(-1).String()
					L.Pop(2)
					if got != want {
						t.Errorf("gsub(%q, %q, repl %d, %v):\n got %s\nwant %s", s, p, ri, n, got, want)
					}
				}
			}
		}
	}
}

// The string.gsub before patch 0036.

func oldStrGsub(L *LState) int {
	str := L.CheckString(1)
	pat := L.CheckString(2)
	L.CheckTypes(3, LTString, LTTable, LTFunction)
	repl := L.CheckAny(3)
	limit := L.OptInt(4, -1)

	mds := oldFindAll(L, pat, str, limit)
	if len(mds) == 0 {
		L.SetTop(1)
		L.Push(LNumber(0))
		return 2
	}
	switch lv := repl.(type) {
	case LString:
		L.Push(LString(oldStrGsubStr(L, str, string(lv), mds)))
	case *LTable:
		L.Push(LString(oldStrGsubTable(L, str, lv, mds)))
	case *LFunction:
		L.Push(LString(oldStrGsubFunc(L, str, lv, mds)))
	}
	L.Push(LNumber(len(mds)))
	return 2
}

type oldReplaceInfo struct {
	Indicies []int
	String   string
}

// mailexpect patch: the result is built in one pass. The original copied
// the whole string once per replacement, so a gsub over a 300 KB string
// with 100000 matches took 54 s (PATCHES.md). Matches come from pm.Find
// in order and do not overlap.
func oldStrGsubDoReplace(str string, info []oldReplaceInfo) string {
	var b strings.Builder
	last := 0
	for _, replace := range info {
		b.WriteString(str[last:replace.Indicies[0]])
		b.WriteString(replace.String)
		last = replace.Indicies[1]
	}
	b.WriteString(str[last:])
	return b.String()
}

func oldStrGsubStr(L *LState, str string, repl string, matches []*pm.MatchData) string {
	infoList := make([]oldReplaceInfo, 0, len(matches))
	for _, match := range matches {
		start, end := match.Capture(0), match.Capture(1)
		sc := newFlagScanner('%', "", "", repl)
		for c, eos := sc.Next(); !eos; c, eos = sc.Next() {
			if !sc.ChangeFlag {
				if sc.HasFlag {
					if c >= '0' && c <= '9' {
						sc.AppendString(capturedString(L, match, str, 2*(int(c)-48)))
					} else {
						sc.AppendChar('%')
						sc.AppendChar(c)
					}
					sc.HasFlag = false
				} else {
					sc.AppendChar(c)
				}
			}
		}
		infoList = append(infoList, oldReplaceInfo{[]int{start, end}, sc.String()})
	}

	return oldStrGsubDoReplace(str, infoList)
}

func oldStrGsubTable(L *LState, str string, repl *LTable, matches []*pm.MatchData) string {
	infoList := make([]oldReplaceInfo, 0, len(matches))
	for _, match := range matches {
		idx := 0
		if match.CaptureLength() > 2 { // has captures
			idx = 2
		}
		var value LValue
		if match.IsPosCapture(idx) {
			value = L.GetTable(repl, LNumber(match.Capture(idx)))
		} else {
			value = L.GetField(repl, str[match.Capture(idx):match.Capture(idx+1)])
		}
		if !LVIsFalse(value) {
			infoList = append(infoList, oldReplaceInfo{[]int{match.Capture(0), match.Capture(1)}, LVAsString(value)})
		}
	}
	return oldStrGsubDoReplace(str, infoList)
}

func oldStrGsubFunc(L *LState, str string, repl *LFunction, matches []*pm.MatchData) string {
	infoList := make([]oldReplaceInfo, 0, len(matches))
	for _, match := range matches {
		start, end := match.Capture(0), match.Capture(1)
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
		ret := L.reg.Pop()
		if !LVIsFalse(ret) {
			infoList = append(infoList, oldReplaceInfo{[]int{start, end}, LVAsString(ret)})
		}
	}
	return oldStrGsubDoReplace(str, infoList)
}

func oldFindAll(L *LState, pat, str string, limit int) []*pm.MatchData {
	mds, err := pm.Find(pat, []byte(str), 0, limit)
	if err != nil {
		L.RaiseError("%s", err.Error())
	}
	return mds
}
