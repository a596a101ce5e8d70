package luabind

import (
	"sort"

	lua "github.com/mailexpect/mailexpect/third_party/gopher-lua"
)

// A read-only global (row, sandbox; the tests' SERVER and STACK) is an
// empty proxy table in front of Go data. A value is converted to Lua the
// first time the script reads it, and kept: a state pays for what its
// script reads, so a --each row under --sandbox --users 1000 does not
// build a thousand user tables it never looks at (it did, at every row).
// Writes raise; pairs, ipairs, #, json.encode and a row's returned value
// see the data. The proxies of a state share one metatable.

// roData is what a proxy serves.
type roData struct {
	fields map[string]any // a map's values; nil for a list
	list   []any          // a list's values: Lua index i is list[i-1]
	conv   *lua.LTable    // the values converted so far, nested data as proxies
	full   bool           // conv holds every value, in order

	// onRead, when set, is told of every key the script reads, or all
	// (pairs, json.encode, returning the table): the row's columns.
	onRead func(key string, all bool)
}

// readOnlyValue is v as a read-only global: Go maps and lists become
// proxies; other values are converted as they are.
func (r *run) readOnlyValue(L *lua.LState, v any, onRead func(key string, all bool)) lua.LValue {
	d := &roData{onRead: onRead}
	switch v := v.(type) {
	case map[string]any:
		d.fields = v
	case map[string]string:
		d.fields = make(map[string]any, len(v))
		for k, s := range v {
			d.fields[k] = s
		}
	case []any:
		d.list = v
	case []string:
		d.list = make([]any, len(v))
		for i, s := range v {
			d.list[i] = s
		}
	case *lua.LTable:
		// Lua data given as it is: served whole, nested tables as proxies.
		d.conv, d.full = v, true
		v.ForEach(func(k, val lua.LValue) {
			if t, ok := val.(*lua.LTable); ok {
				v.RawSet(k, r.readOnlyValue(L, t, nil))
			}
		})
		return r.newProxy(L, d)
	default:
		return goToLua(L, v)
	}
	d.conv = L.NewTable()
	return r.newProxy(L, d)
}

func (r *run) newProxy(L *lua.LState, d *roData) *lua.LTable {
	if r.roMeta == nil {
		r.roMeta = r.readOnlyMeta(L)
		r.proxies = map[*lua.LTable]*roData{}
		globalsBinding{r}.wrapIterators(L)
	}
	proxy := L.NewTable()
	proxy.Metatable = r.roMeta
	r.proxies[proxy] = d
	return proxy
}

// readOnlyMeta is the metatable the proxies of a state share.
func (r *run) readOnlyMeta(L *lua.LState) *lua.LTable {
	mt := L.CreateTable(0, 4)
	mt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		d := r.proxies[L.CheckTable(1)]
		if d == nil {
			L.Push(lua.LNil)
			return 1
		}
		L.Push(d.get(L, r, L.Get(2)))
		return 1
	}))
	mt.RawSetString("__newindex", L.NewFunction(func(L *lua.LState) int {
		r.usage(L, "attempt to change a read-only table (key %s)", luaString(L, L.Get(2)))
		return 0
	}))
	mt.RawSetString("__len", L.NewFunction(func(L *lua.LState) int {
		n := 0
		if d := r.proxies[L.CheckTable(1)]; d != nil {
			n = d.len()
		}
		L.Push(lua.LNumber(n))
		return 1
	}))
	mt.RawSetString("__metatable", lua.LFalse)
	return mt
}

// get is proxy[key]: converted on first read.
func (d *roData) get(L *lua.LState, r *run, key lua.LValue) lua.LValue {
	if d.onRead != nil {
		d.onRead(lua.LVAsString(key), false)
	}
	if v := d.conv.RawGet(key); v != lua.LNil || d.full {
		return v
	}
	var src any
	switch k := key.(type) {
	case lua.LString:
		if d.fields == nil {
			return lua.LNil
		}
		var ok bool
		if src, ok = d.fields[string(k)]; !ok {
			return lua.LNil
		}
	case lua.LNumber:
		i := int(k)
		if d.list == nil || float64(i) != float64(k) || i < 1 || i > len(d.list) {
			return lua.LNil
		}
		src = d.list[i-1]
	default:
		return lua.LNil
	}
	if r.reuse != nil { // a reused bulk state records the conversion (bulkstate.go)
		defer r.reuse.followProxy(d)()
	}
	v := r.readOnlyValue(L, src, nil)
	d.conv.RawSet(key, v)
	return v
}

// len is #proxy: a list's length; a map of names has none.
func (d *roData) len() int {
	switch {
	case d.list != nil:
		return len(d.list)
	case d.fields != nil:
		return 0
	}
	return d.conv.Len()
}

// table converts every value (for pairs, json.encode, a returned row)
// and returns the whole table: a list in order, a map in the order of its
// sorted keys, values read before kept as they were.
func (d *roData) table(L *lua.LState, r *run) *lua.LTable {
	if d.onRead != nil {
		d.onRead("", true)
	}
	if d.full {
		return d.conv
	}
	if r.reuse != nil {
		defer r.reuse.followProxy(d)()
	}
	t := L.CreateTable(len(d.list), len(d.fields))
	for i, src := range d.list {
		v := d.conv.RawGetInt(i + 1)
		if v == lua.LNil {
			v = r.readOnlyValue(L, src, nil)
		}
		t.RawSetInt(i+1, v)
	}
	keys := make([]string, 0, len(d.fields))
	for k := range d.fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := d.conv.RawGetString(k)
		if v == lua.LNil {
			v = r.readOnlyValue(L, d.fields[k], nil)
		}
		t.RawSetString(k, v)
	}
	d.conv, d.full = t, true
	return t
}

// proxyTarget returns the whole table behind a read-only proxy, or nil
// when t is not one.
func (r *run) proxyTarget(L *lua.LState, t *lua.LTable) *lua.LTable {
	if r == nil {
		return nil
	}
	if d := r.proxies[t]; d != nil {
		return d.table(L, r)
	}
	return nil
}

// through is proxyTarget as luaToGo takes it.
func (r *run) through(L *lua.LState) func(*lua.LTable) *lua.LTable {
	return func(t *lua.LTable) *lua.LTable { return r.proxyTarget(L, t) }
}

// readColumn notes that the script read the row's column key (all: every
// column): for the bulk run's unread-columns warning, and so that a usage
// error raised before any column was read is known to be the script's
// command line, the same for every row.
func (r *run) readColumn(key string, all bool) {
	r.rowRead = true
	if all {
		r.readAll = true
	} else {
		if r.readCols == nil {
			r.readCols = map[string]bool{}
		}
		r.readCols[key] = true
	}
	r.attempt.ReadColumn(key, all)
}

// wrapIterators makes pairs and ipairs look through read-only proxies
// (Lua 5.1 has no __pairs). They hand the script the proxy and a step
// function that reads the table behind it, never that table itself: the
// script could write into it (local _, t = pairs(row); t.user = "x"
// changed what row.user read).
func (r globalsBinding) wrapIterators(L *lua.LState) {
	behind := func(L *lua.LState) *lua.LTable {
		if d := r.proxies[L.CheckTable(1)]; d != nil {
			return d.conv // whole: pairs and ipairs converted it
		}
		return L.NewTable()
	}
	step := map[string]*lua.LFunction{
		"pairs": L.NewFunction(func(L *lua.LState) int {
			k, v := behind(L).Next(L.Get(2))
			if k == lua.LNil {
				L.Push(lua.LNil)
				return 1
			}
			L.Push(k)
			L.Push(v)
			return 2
		}),
		"ipairs": L.NewFunction(func(L *lua.LState) int {
			i := L.CheckInt(2) + 1
			v := behind(L).RawGetInt(i)
			if v == lua.LNil {
				return 0
			}
			L.Push(lua.LNumber(i))
			L.Push(v)
			return 2
		}),
	}
	hold(L, step["pairs"], step["ipairs"]) // handed out by pairs, held in Go (state.go)
	for _, name := range []string{"pairs", "ipairs"} {
		orig, step := L.GetGlobal(name), step[name]
		// The originals hand out their own step functions (upvalues),
		// which no table holds either.
		hold(L, orig)
		L.SetGlobal(name, L.NewFunction(func(L *lua.LState) int {
			if t, ok := L.Get(1).(*lua.LTable); ok && r.proxyTarget(L, t) != nil {
				L.Push(step)
				L.Push(t)
				if name == "ipairs" {
					L.Push(lua.LNumber(0))
				} else {
					L.Push(lua.LNil)
				}
				return 3
			}
			L.Insert(orig, 1)
			L.Call(L.GetTop()-1, lua.MultRet)
			return L.GetTop()
		}))
	}
}
