package lua

import (
	"fmt"
	"strings"
	"testing"
)

// mailexpect patch (table.go, ForEach): ForEach visits the hash keys in
// insertion order, as next() does, skipping deleted ones, on every run.
func TestForEachInsertionOrder(t *testing.T) {
	for run := 0; run < 20; run++ {
		tb := newLTable(0, 0)
		var want []string
		for i := 0; i < 20; i++ {
			var k LValue = LString(fmt.Sprintf("k%d", 19-i))
			switch i % 4 {
			case 1:
				k = LNumber(float64(i) + 0.5)
			case 3:
				k = newLTable(0, 0) // a key of another type, in dict
				if i < 8 {
					k = LBool(i == 3)
				}
			}
			tb.RawSet(k, LNumber(i))
			if i%5 != 2 {
				want = append(want, k.String())
			}
		}
		for i := 2; i < 20; i += 5 { // delete every fifth key
			tb.RawSet(tb.keys[i], LNil)
		}
		tb.RawSetInt(1, LString("array")) // the array part comes first
		got := []string{}
		tb.ForEach(func(k, v LValue) { got = append(got, k.String()) })
		if g, w := strings.Join(got, " "), "1 "+strings.Join(want, " "); g != w {
			t.Fatalf("run %d: ForEach order\n got %s\nwant %s", run, g, w)
		}
	}
}
