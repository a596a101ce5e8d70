package lua

// mailexpect patch (PATCHES.md): tables start small (upstream: 32 and 32,
// about 2.5 KiB for every empty table, and a state makes dozens) and grow
// as Go slices and maps do.
const defaultArrayCap = 4
const defaultHashCap = 4

// mailexpect patch (PATCHES.md): a table's first smallKeys hash keys keep
// their string-keyed values in svals, beside keys, searched in order: no
// Go map for the many small tables (options, replies, objects) until a
// string key arrives when keys is full.
const smallKeys = 8

type lValueArraySorter struct {
	L      *LState
	Fn     *LFunction
	Values []LValue
}

func (lv lValueArraySorter) Len() int {
	return len(lv.Values)
}

func (lv lValueArraySorter) Swap(i, j int) {
	lv.Values[i], lv.Values[j] = lv.Values[j], lv.Values[i]
}

func (lv lValueArraySorter) Less(i, j int) bool {
	if lv.Fn != nil {
		lv.L.Push(lv.Fn)
		lv.L.Push(lv.Values[i])
		lv.L.Push(lv.Values[j])
		lv.L.Call(2, 1)
		return LVAsBool(lv.L.reg.Pop())
	}
	return lessThan(lv.L, lv.Values[i], lv.Values[j])
}

func newLTable(acap int, hcap int) *LTable {
	if acap < 0 {
		acap = 0
	}
	if hcap < 0 {
		hcap = 0
	}
	if acap == 0 && hcap > 0 && hcap <= 4 || hcap == 0 && acap > 0 && acap <= 4 {
		return newSmallLTable(acap, hcap)
	}
	tb := &LTable{}
	tb.Metatable = LNil
	if acap != 0 {
		tb.array = make([]LValue, 0, acap)
	}
	if hcap > smallKeys {
		tb.strdict = make(map[string]LValue, hcap)
		// mailexpect patch: the key order for next() sized up front
		// too, instead of growing from empty key by key (PATCHES.md).
		tb.keys = make([]LValue, 0, hcap)
	} else if hcap != 0 {
		tb.keys = make([]LValue, 0, hcap)
		tb.svals = make([]LValue, 0, hcap)
	}
	return tb
}

// mailexpect patch (PATCHES.md): a table and the room of its first
// entries in one allocation: up to 4 string keys and their values, or up
// to 4 array items. A constructor such as {ok = true, text = t} or {a, b}
// made three allocations (two) for what is one object. The room is sized
// as the separate slices were, so no bytes are added; past it the slices
// grow apart as any others, and the room stays with the table.
type tableRoom2 struct {
	t    LTable
	room [2]LValue
}

type tableRoom4 struct {
	t    LTable
	room [4]LValue
}

type tableRoom8 struct {
	t    LTable
	room [8]LValue
}

// newSmallLTable is newLTable for a hint of 1 to 4 array items and no
// keys, or 1 to 4 keys and no array items.
func newSmallLTable(acap, hcap int) *LTable {
	switch n := acap + 2*hcap; {
	case n <= 2:
		s := &tableRoom2{}
		s.t = roomTable(acap, s.room[:])
		return &s.t
	case n <= 4:
		s := &tableRoom4{}
		s.t = roomTable(acap, s.room[:])
		return &s.t
	default:
		s := &tableRoom8{}
		s.t = roomTable(acap, s.room[:])
		return &s.t
	}
}

// roomTable is an empty table whose array (acap > 0) or keys and values
// start in room.
func roomTable(acap int, room []LValue) LTable {
	if acap > 0 {
		return LTable{Metatable: LNil, array: room[:0:len(room)]}
	}
	half := len(room) / 2
	return LTable{Metatable: LNil, keys: room[:0:half], svals: room[half:half:len(room)]}
}

// mailexpect patch (PATCHES.md): tb.keys keeps the hash keys in insertion
// order for next(); the index k2i from key to position is built only when
// next() or a deletion first needs it, so that a table that is filled and
// read, never traversed (most of them), pays one append per key instead of
// a map insert and two boxed copies of the key.

// addKey records a new hash key in insertion order.
func (tb *LTable) addKey(key LValue) {
	if tb.k2i != nil {
		tb.k2i[key] = len(tb.keys)
	}
	tb.keys = append(tb.keys, key)
}

// index builds k2i from keys when it does not exist yet.
func (tb *LTable) index() {
	if tb.k2i != nil {
		return
	}
	tb.k2i = make(map[LValue]int, len(tb.keys))
	for i, k := range tb.keys {
		tb.k2i[k] = i
	}
	tb.delStr = nil // k2i knows the deleted keys too
}

// Version counts the writes to the table's entries (mailexpect patch,
// PATCHES.md): every call of RawSet, RawSetInt, RawSetString, RawSetH,
// Append, Insert and Remove, and every swap of table.sort, moves it, also
// a write that leaves the entries as they were. Reading does not, nor
// does a change of the Metatable field. While a table's version stays the
// same, so do its keys, their order and their values. It never wraps.
func (tb *LTable) Version() uint64 { return tb.version }

// Len returns length of this LTable without using __len.
func (tb *LTable) Len() int {
	if tb.array == nil {
		return 0
	}
	var prev LValue = LNil
	for i := len(tb.array) - 1; i >= 0; i-- {
		v := tb.array[i]
		if prev == LNil && v != LNil {
			return i + 1
		}
		prev = v
	}
	return 0
}

// Append appends a given LValue to this LTable.
func (tb *LTable) Append(value LValue) {
	if value == LNil {
		return
	}
	tb.version++ // mailexpect patch
	if tb.array == nil {
		tb.array = make([]LValue, 0, defaultArrayCap)
	}
	if len(tb.array) == 0 || tb.array[len(tb.array)-1] != LNil {
		tb.array = append(tb.array, value)
	} else {
		i := len(tb.array) - 2
		for ; i >= 0; i-- {
			if tb.array[i] != LNil {
				break
			}
		}
		tb.array[i+1] = value
	}
}

// Insert inserts a given LValue at position `i` in this table.
func (tb *LTable) Insert(i int, value LValue) {
	tb.version++ // mailexpect patch
	if tb.array == nil {
		tb.array = make([]LValue, 0, defaultArrayCap)
	}
	if i > len(tb.array) {
		tb.RawSetInt(i, value)
		return
	}
	if i <= 0 {
		tb.RawSet(LNumber(i), value)
		return
	}
	i -= 1
	tb.array = append(tb.array, LNil)
	copy(tb.array[i+1:], tb.array[i:])
	tb.array[i] = value
}

// MaxN returns a maximum number key that nil value does not exist before it.
func (tb *LTable) MaxN() int {
	if tb.array == nil {
		return 0
	}
	for i := len(tb.array) - 1; i >= 0; i-- {
		if tb.array[i] != LNil {
			return i + 1
		}
	}
	return 0
}

// Remove removes from this table the element at a given position.
func (tb *LTable) Remove(pos int) LValue {
	tb.version++ // mailexpect patch
	if tb.array == nil {
		return LNil
	}
	larray := len(tb.array)
	if larray == 0 {
		return LNil
	}
	i := pos - 1
	oldval := LNil
	switch {
	case i >= larray:
		// nothing to do
	case i == larray-1 || i < 0:
		oldval = tb.array[larray-1]
		tb.array = tb.array[:larray-1]
	default:
		oldval = tb.array[i]
		copy(tb.array[i:], tb.array[i+1:])
		tb.array[larray-1] = nil
		tb.array = tb.array[:larray-1]
	}
	return oldval
}

// RawSet sets a given LValue to a given index without the __newindex metamethod.
// It is recommended to use `RawSetString` or `RawSetInt` for performance
// if you already know the given LValue is a string or number.
func (tb *LTable) RawSet(key LValue, value LValue) {
	tb.version++ // mailexpect patch
	switch v := key.(type) {
	case LNumber:
		if isArrayKey(v) {
			if tb.array == nil {
				tb.array = make([]LValue, 0, defaultArrayCap)
			}
			index := int(v) - 1
			alen := len(tb.array)
			switch {
			case index == alen:
				tb.array = append(tb.array, value)
			case index > alen:
				for i := 0; i < (index - alen); i++ {
					tb.array = append(tb.array, LNil)
				}
				tb.array = append(tb.array, value)
			case index < alen:
				tb.array[index] = value
			}
			return
		}
	case LString:
		tb.rawSetString(string(v), key, value) // mailexpect patch: key is boxed already
		return
	}

	tb.RawSetH(key, value)
}

// RawSetInt sets a given LValue at a position `key` without the __newindex metamethod.
func (tb *LTable) RawSetInt(key int, value LValue) {
	tb.version++ // mailexpect patch
	if key < 1 || key >= MaxArrayIndex {
		tb.RawSetH(LNumber(key), value)
		return
	}
	if tb.array == nil {
		tb.array = make([]LValue, 0, 32)
	}
	index := key - 1
	alen := len(tb.array)
	switch {
	case index == alen:
		tb.array = append(tb.array, value)
	case index > alen:
		for i := 0; i < (index - alen); i++ {
			tb.array = append(tb.array, LNil)
		}
		tb.array = append(tb.array, value)
	case index < alen:
		tb.array[index] = value
	}
}

// RawSetString sets a given LValue to a given string index without the __newindex metamethod.
func (tb *LTable) RawSetString(key string, value LValue) {
	tb.rawSetString(key, nil, value)
}

// rawSetString is RawSetString with the key already boxed as lkey, or nil
// (mailexpect patch, PATCHES.md: a library's names are boxed once per
// process, not once per state; a write from Lua, t.x = v or {x = v}, keeps
// the constant the VM holds).
func (tb *LTable) rawSetString(key string, lkey LValue, value LValue) {
	tb.version++
	if tb.strdict == nil {
		if i := tb.smallIndex(key); i >= 0 {
			tb.svals[i] = value // LNil: deleted, its key stays in keys
			return
		}
		if value == LNil {
			return
		}
		if len(tb.keys) < smallKeys {
			if lkey == nil {
				lkey = LString(key)
			}
			for len(tb.svals) < len(tb.keys) {
				tb.svals = append(tb.svals, nil) // a key of dict's
			}
			tb.addKey(lkey)
			tb.svals = append(tb.svals, value)
			return
		}
		tb.toMap()
	}
	if value == LNil {
		// A deleted key stays in keys (a traversal may be at it) and k2i
		// remembers it, so that setting it again does not list it twice.
		// Without k2i (no traversal yet), delStr remembers it instead:
		// deleting a few globals from a fresh state (collectgarbage) must
		// not index it and make every later global pay a map insert.
		if _, ok := tb.strdict[key]; ok {
			delete(tb.strdict, key)
			if tb.k2i == nil {
				if tb.delStr == nil {
					tb.delStr = make(map[string]struct{}, 1)
				}
				tb.delStr[key] = struct{}{}
			}
		}
		return
	}
	if _, ok := tb.strdict[key]; !ok {
		switch {
		case tb.k2i != nil:
			if lkey == nil {
				lkey = LString(key)
			}
			if _, ok := tb.k2i[lkey]; !ok {
				tb.addKey(lkey)
			}
		case tb.delStr != nil:
			if _, ok := tb.delStr[key]; ok {
				delete(tb.delStr, key) // still in keys
			} else if lkey == nil {
				tb.addKey(LString(key))
			} else {
				tb.addKey(lkey)
			}
		case lkey == nil:
			tb.addKey(LString(key))
		default:
			tb.addKey(lkey)
		}
	}
	tb.strdict[key] = value
}

// smallIndex is the position of key in keys while the table has no
// strdict, or -1.
func (tb *LTable) smallIndex(key string) int {
	for i, k := range tb.keys {
		if s, ok := k.(LString); ok && string(s) == key {
			return i
		}
	}
	return -1
}

// toMap moves the string keys' values from svals to strdict; the deleted
// ones are remembered as rawSetString does (delStr) until k2i exists.
func (tb *LTable) toMap() {
	tb.strdict = make(map[string]LValue, 2*smallKeys)
	for i, k := range tb.keys {
		s, ok := k.(LString)
		if !ok {
			continue
		}
		if v := tb.svals[i]; v != LNil {
			tb.strdict[string(s)] = v
		} else if tb.k2i == nil {
			if tb.delStr == nil {
				tb.delStr = make(map[string]struct{}, 1)
			}
			tb.delStr[string(s)] = struct{}{}
		}
	}
	tb.svals = nil
}

// getString is the value of a string key, LNil when absent.
func (tb *LTable) getString(key string) LValue {
	if tb.strdict == nil {
		if i := tb.smallIndex(key); i >= 0 {
			return tb.svals[i]
		}
		return LNil
	}
	if v, ok := tb.strdict[key]; ok {
		return v
	}
	return LNil
}

// RawSetH sets a given LValue to a given index without the __newindex metamethod.
func (tb *LTable) RawSetH(key LValue, value LValue) {
	tb.version++ // mailexpect patch
	if s, ok := key.(LString); ok {
		tb.rawSetString(string(s), key, value) // mailexpect patch: key is boxed already
		return
	}
	if tb.dict == nil {
		tb.dict = make(map[LValue]LValue, len(tb.strdict))
	}
	if value == LNil {
		if _, ok := tb.dict[key]; ok {
			tb.index()
			delete(tb.dict, key)
		}
		return
	}
	if _, ok := tb.dict[key]; !ok {
		if tb.k2i == nil {
			tb.addKey(key)
		} else if _, ok := tb.k2i[key]; !ok {
			tb.addKey(key)
		}
	}
	tb.dict[key] = value
}

// RawGet returns an LValue associated with a given key without __index metamethod.
func (tb *LTable) RawGet(key LValue) LValue {
	switch v := key.(type) {
	case LNumber:
		if isArrayKey(v) {
			if tb.array == nil {
				return LNil
			}
			index := int(v) - 1
			if index >= len(tb.array) {
				return LNil
			}
			return tb.array[index]
		}
	case LString:
		return tb.getString(string(v))
	}
	if tb.dict == nil {
		return LNil
	}
	if v, ok := tb.dict[key]; ok {
		return v
	}
	return LNil
}

// RawGetInt returns an LValue at position `key` without __index metamethod.
func (tb *LTable) RawGetInt(key int) LValue {
	if tb.array == nil {
		return LNil
	}
	index := int(key) - 1
	if index >= len(tb.array) || index < 0 {
		return LNil
	}
	return tb.array[index]
}

// RawGet returns an LValue associated with a given key without __index metamethod.
func (tb *LTable) RawGetH(key LValue) LValue {
	if s, sok := key.(LString); sok {
		return tb.getString(string(s))
	}
	if tb.dict == nil {
		return LNil
	}
	if v, ok := tb.dict[key]; ok {
		return v
	}
	return LNil
}

// RawGetString returns an LValue associated with a given key without __index metamethod.
func (tb *LTable) RawGetString(key string) LValue {
	return tb.getString(key)
}

// ForEach iterates over this table of elements, yielding each in turn to a given function.
func (tb *LTable) ForEach(cb func(LValue, LValue)) {
	if tb.array != nil {
		for i, v := range tb.array {
			if v != LNil {
				cb(LNumber(i+1), v)
			}
		}
	}
	// mailexpect patch (PATCHES.md): the hash keys in insertion order, as
	// next() walks them, not in Go's random map order, so that what a
	// caller reports first (an unknown option, a bad field) is the same
	// on every run. keys only grows; len is read at each step, so the
	// callback may add and delete keys.
	for i := 0; i < len(tb.keys); i++ {
		k := tb.keys[i]
		var v LValue
		if s, ok := k.(LString); ok {
			if tb.strdict == nil {
				v = tb.svals[i]
			} else {
				v = tb.strdict[string(s)]
			}
		} else {
			v = tb.dict[k]
		}
		if v != nil && v != LNil {
			cb(k, v)
		}
	}
}

// This function is equivalent to lua_next ( http://www.lua.org/manual/5.1/manual.html#lua_next ).
func (tb *LTable) Next(key LValue) (LValue, LValue) {
	init := false
	if key == LNil {
		key = LNumber(0)
		init = true
	}

	if init || key != LNumber(0) {
		if kv, ok := key.(LNumber); ok && isInteger(kv) && int(kv) >= 0 && kv < LNumber(MaxArrayIndex) {
			index := int(kv)
			if tb.array != nil {
				for ; index < len(tb.array); index++ {
					if v := tb.array[index]; v != LNil {
						return LNumber(index + 1), v
					}
				}
			}
			if tb.array == nil || index == len(tb.array) {
				if (tb.dict == nil || len(tb.dict) == 0) && len(tb.strdict) == 0 && len(tb.svals) == 0 {
					return LNil, LNil
				}
				key = tb.keys[0]
				if v := tb.RawGetH(key); v != LNil {
					return key, v
				}
			}
		}
	}

	tb.index()
	for i := tb.k2i[key] + 1; i < len(tb.keys); i++ {
		key := tb.keys[i]
		if v := tb.RawGetH(key); v != LNil {
			return key, v
		}
	}
	return LNil, LNil
}
