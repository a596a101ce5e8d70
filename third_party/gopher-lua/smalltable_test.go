package lua

import (
	"strings"
	"testing"
)

// mailexpect patch (table.go, svals): a table keeps its first string keys'
// values beside keys, without a map, and moves them to strdict when a
// string key arrives with keys full. Across the move, a key deleted and
// set again is listed once, at its first position, by next() and ForEach,
// deleted keys stay absent, and keys of other types keep their values.
func TestSmallTableToMap(t *testing.T) {
	for _, traversed := range []bool{false, true} {
		tb := newLTable(0, 0)
		tb.RawSetString("a", LString("a"))
		tb.RawSetH(LTrue, LString("true"))
		for _, k := range []string{"b", "c", "d", "e", "f", "g"} {
			tb.RawSetString(k, LString(k))
		}
		if traversed {
			tb.Next(LNil) // builds k2i
		}
		tb.RawSetString("c", LNil)
		tb.RawSetString("c", LString("C")) // again, in place
		tb.RawSetString("d", LNil)         // deleted while small
		tb.RawSetString("x", LNil)         // absent: nothing to remember
		if tb.strdict != nil || len(tb.keys) != smallKeys {
			t.Fatalf("traversed %v: %d keys, map %v before the ninth", traversed, len(tb.keys), tb.strdict != nil)
		}
		tb.RawSetString("h", LString("h")) // the ninth key: to the map
		if tb.strdict == nil || tb.svals != nil {
			t.Fatalf("traversed %v: still small with %d keys", traversed, len(tb.keys))
		}
		tb.RawSetString("d", LString("D")) // deleted while small, set in the map
		tb.RawSetString("b", LNil)

		var next, each []string
		for k, v := tb.Next(LNil); k != LNil; k, v = tb.Next(k) {
			next = append(next, k.String()+"="+v.String())
		}
		tb.ForEach(func(k, v LValue) { each = append(each, k.String()+"="+v.String()) })
		const want = "a=a true=true c=C d=D e=e f=f g=g h=h"
		if got := strings.Join(next, " "); got != want {
			t.Errorf("traversed %v: next() lists %s, want %s", traversed, got, want)
		}
		if got := strings.Join(each, " "); got != want {
			t.Errorf("traversed %v: ForEach lists %s, want %s", traversed, got, want)
		}
		if tb.RawGetString("b") != LNil || tb.RawGet(LString("x")) != LNil || tb.RawGetH(LString("d")) != LString("D") || tb.RawGet(LTrue) != LString("true") {
			t.Errorf("traversed %v: b %v, x %v, d %v, true %v", traversed, tb.RawGetString("b"), tb.RawGet(LString("x")), tb.RawGetH(LString("d")), tb.RawGet(LTrue))
		}
	}
}

// A small table is searched in order: a miss, a hit and a deleted key.
func TestSmallTableLookups(t *testing.T) {
	tb := newLTable(0, 3)
	tb.RawSetString("code", LNumber(250))
	tb.RawSetString("text", LString("ok"))
	tb.RawSetString("lines", LNil) // never set: not added
	if len(tb.keys) != 2 || tb.strdict != nil {
		t.Fatalf("keys %v, map %v", tb.keys, tb.strdict != nil)
	}
	tb.RawSetString("code", LNil)
	if tb.RawGetString("code") != LNil || tb.RawGetString("text") != LString("ok") || tb.RawGetString("tex") != LNil {
		t.Errorf("code %v, text %v, tex %v", tb.RawGetString("code"), tb.RawGetString("text"), tb.RawGetString("tex"))
	}
	if k, v := tb.Next(LNil); k != LString("text") || v != LString("ok") {
		t.Errorf("next() starts at %v=%v, want text=ok", k, v)
	}
}
