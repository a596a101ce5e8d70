package lua

import (
	"strings"
	"testing"
)

// mailexpect patch (table.go, delStr): a string key deleted before any
// traversal and set again is listed once, at its first position, by
// next() and ForEach; the table is not indexed by the deletion.
func TestDeleteBeforeTraversal(t *testing.T) {
	tb := newLTable(0, 0)
	for _, k := range []string{"a", "b", "c"} {
		tb.RawSetString(k, LString(k))
	}
	tb.RawSetString("b", LNil)
	tb.RawSetString("x", LNil) // absent: nothing to remember
	if tb.k2i != nil {
		t.Fatal("deleting a key built the traversal index")
	}
	tb.RawSetString("d", LString("d"))
	tb.RawSetString("b", LString("B"))
	tb.RawSetString("c", LNil)
	tb.RawSetString("e", LString("e"))

	var next, each []string
	for k, v := tb.Next(LNil); k != LNil; k, v = tb.Next(k) {
		next = append(next, k.String()+"="+v.String())
	}
	tb.ForEach(func(k, v LValue) { each = append(each, k.String()+"="+v.String()) })
	const want = "a=a b=B d=d e=e"
	if got := strings.Join(next, " "); got != want {
		t.Errorf("next() lists %s, want %s", got, want)
	}
	if got := strings.Join(each, " "); got != want {
		t.Errorf("ForEach lists %s, want %s", got, want)
	}
	// Once indexed, deleting and setting again still lists the key once.
	tb.RawSetString("a", LNil)
	tb.RawSetString("a", LString("A"))
	tb.RawSetString("c", LString("C"))
	next = next[:0]
	for k, v := tb.Next(LNil); k != LNil; k, v = tb.Next(k) {
		next = append(next, k.String()+"="+v.String())
	}
	if got, want := strings.Join(next, " "), "a=A b=B c=C d=d e=e"; got != want {
		t.Errorf("after indexing, next() lists %s, want %s", got, want)
	}
}
