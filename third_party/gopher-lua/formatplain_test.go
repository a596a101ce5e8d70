package lua

import (
	"math"
	"testing"
)

// mailexpect patch: string.format's plain path (%s of strings and
// numbers, %d of numbers) writes what fmt writes, and leaves everything
// else to fmt.
func TestFormatPlainAsFmt(t *testing.T) {
	L := NewState()
	defer L.Close()
	formats := []string{"", "x", "%s", "%d", "%s %d", "TOP %s %d", "%d%d", "100%", "%", "%%", "%s%%", "%5d", "%q",
		"%x", "a%sb%sc", "%i", "%-s", "\x00%s\xff"}
	args := []LValue{LString(""), LString("RETR"), LString("12"), LString("\x00\xff"), LNumber(0), LNumber(7), LNumber(-3),
		LNumber(4294967295), LNumber(1.5), LNumber(-0.0), LNumber(1e300), LNumber(math.Inf(1)), LNumber(math.NaN()), LTrue, LNil}
	plain := 0
	for _, f := range formats {
		for _, a := range args {
			for _, b := range []LValue{LNumber(2), LString("b"), nil} {
				L.SetTop(0)
				L.Push(LString(f))
				L.Push(a)
				if b != nil {
					L.Push(b)
				}
				got, ok := strFormatPlain(L, f, nil)
				if !ok {
					continue
				}
				// Asked only where the plain path writes: since patch 0047
				// the general path raises errors (a bad argument), outside
				// a call here.
				want := strFormatFmt(L, f)
				plain++
				if got != want {
					t.Errorf("string.format(%q, %v, %v) = %q, fmt: %q", f, a, b, got, want)
				}
			}
		}
	}
	if plain < 100 {
		t.Errorf("the plain path took %d cases only", plain)
	}
	if err := L.DoString(`assert(string.format("%s %d", "TOP", 7) == "TOP 7" and string.format("%5d|%s", 3, 1.5) == "    3|1.5")`); err != nil {
		t.Error(err)
	}
}
