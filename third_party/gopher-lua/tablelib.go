package lua

import (
	"sort"
)

func OpenTable(L *LState) int {
	tabmod := L.registerLib(TabLibName, tableFuncList) // mailexpect patch: prepared once per process
	L.Push(tabmod)
	return 1
}

var tableFuncs = map[string]LGFunction{
	"getn":   tableGetN,
	"concat": tableConcat,
	"insert": tableInsert,
	"maxn":   tableMaxN,
	"remove": tableRemove,
	"sort":   tableSort,
}

func tableSort(L *LState) int {
	tbl := L.CheckTable(1)
	tbl.version++ // mailexpect patch: the sorter writes tbl.array (and moves the version per swap)
	sorter := &pollingSorter{lValueArraySorter: lValueArraySorter{L, nil, tbl.array}, p: newPoller(L), tbl: tbl}
	if L.GetTop() != 1 {
		sorter.Fn = L.CheckFunction(2)
	}
	sort.Sort(sorter)
	return 0
}

// mailexpect patch: a sort of a large table polls the state's context
// (cancel.go); a Lua comparator is polled by the VM already.
type pollingSorter struct {
	lValueArraySorter
	p   poller
	tbl *LTable
}

// Swap moves the table's version (mailexpect patch, table.go: Version):
// the sort writes the array in place, not through RawSetInt. Per swap, not
// once per sort: a comparator may look at the table (or record it) while
// the sort runs, or raise an error half way.
func (s *pollingSorter) Swap(i, j int) {
	s.tbl.version++
	s.lValueArraySorter.Swap(i, j)
}

func (s *pollingSorter) Less(i, j int) bool {
	s.p.poll()
	return s.lValueArraySorter.Less(i, j)
}

func tableGetN(L *LState) int {
	L.Push(LNumber(L.CheckTable(1).Len()))
	return 1
}

func tableMaxN(L *LState) int {
	L.Push(LNumber(L.CheckTable(1).MaxN()))
	return 1
}

func tableRemove(L *LState) int {
	tbl := L.CheckTable(1)
	if L.GetTop() == 1 {
		L.Push(tbl.Remove(-1))
	} else {
		L.Push(tbl.Remove(L.CheckInt(2)))
	}
	return 1
}

func tableConcat(L *LState) int {
	tbl := L.CheckTable(1)
	sep := LString(L.OptString(2, ""))
	i := L.OptInt(3, 1)
	j := L.OptInt(4, tbl.Len())
	if L.GetTop() == 3 {
		if i > tbl.Len() || i < 1 {
			L.Push(emptyLString)
			return 1
		}
	}
	i = intMax(intMin(i, tbl.Len()), 1)
	j = intMin(intMin(j, tbl.Len()), tbl.Len())
	if i > j {
		L.Push(emptyLString)
		return 1
	}
	//TODO should flushing?
	retbottom := L.GetTop()
	for ; i <= j; i++ {
		v := tbl.RawGetInt(i)
		if !LVCanConvToString(v) {
			L.RaiseError("invalid value (%s) at index %d in table for concat", v.Type().String(), i)
		}
		L.Push(v)
		if i != j {
			L.Push(sep)
		}
	}
	L.Push(stringConcat(L, L.GetTop()-retbottom, L.reg.Top()-1))
	return 1
}

func tableInsert(L *LState) int {
	tbl := L.CheckTable(1)
	nargs := L.GetTop()
	if nargs == 1 {
		L.RaiseError("wrong number of arguments")
	}

	if L.GetTop() == 2 {
		tbl.Append(L.Get(2))
		return 0
	}
	tbl.Insert(int(L.CheckInt(2)), L.CheckAny(3))
	return 0
}

//

var tableFuncList = newFuncList(tableFuncs) // mailexpect patch
