package lua

import "testing"

// TestSmallTableRoom: a constructor's table comes with the room of its
// first four fields or array items in the same allocation (patch 0032),
// and grows past it as any table.
func TestSmallTableRoom(t *testing.T) {
	for _, c := range []struct{ acap, hcap int }{{0, 1}, {0, 4}, {1, 0}, {4, 0}} {
		if n := testing.AllocsPerRun(100, func() { newLTable(c.acap, c.hcap) }); n != 1 {
			t.Errorf("newLTable(%d, %d): %v allocations, want 1", c.acap, c.hcap, n)
		}
	}
	L := NewState()
	defer L.Close()
	err := L.DoString(`
local h = {ok = true, status = "+OK", text = "t", line = "l"}
for i = 1, 20 do h["k" .. i] = i end
h.status = nil
local keys = {}
for k in pairs(h) do keys[#keys + 1] = k end
assert(table.concat(keys, " ") == "ok text line k1 k2 k3 k4 k5 k6 k7 k8 k9 k10 k11 k12 k13 k14 k15 k16 k17 k18 k19 k20", table.concat(keys, " "))
local a = {1, 2, 3}
for i = 4, 40 do a[#a + 1] = i end
assert(#a == 40 and a[3] == 3 and a[40] == 40)
table.insert(a, 1, 0)
assert(a[1] == 0 and a[41] == 40)
`)
	if err != nil {
		t.Fatal(err)
	}
}
