package lua

// mailexpect patch (PATCHES.md): the VM's reads of a constant field
// (GETTABLEKS, SELF, GETGLOBAL: c.session, c:send(), rt.raise, s:readline())
// remember per function and constant where they found their value, and
// find it there again while nothing it depends on has changed: the table
// read (its version, see Version, and its metatable), or, for a method, the
// metatable and the table behind __index or __methods (their versions). A
// read that finds nothing, or goes through an __index function or a chain
// of __index tables, is done by getFieldString as before; so is everything
// after a change.

// How a fieldEntry's value was found.
const (
	fieldNone    uint8 = iota
	fieldOwn           // obj's own entry (LNil: obj had no metatable)
	fieldIndex         // a table: not its own; the entry of mt's __index table
	fieldMethods       // a userdata: the entry of mt's __methods table, or of its __index table when mt has no __methods
	fieldString        // a string: the entry of the string metatable's __index table
)

type fieldEntry struct {
	kind   uint8
	obj    *LTable // the table last read (fieldOwn, fieldIndex)
	objver uint64
	mtv    LValue  // obj's metatable when read (fieldOwn), or mt
	mt     *LTable // the metatable whose __index or __methods holds val
	mtver  uint64
	holder *LTable // that __index or __methods table
	holdv  uint64
	val    LValue
}

// holderValid reports whether mt and holder are as when val was found in
// holder (always, for a table's own entry).
func (e *fieldEntry) holderValid() bool {
	return e.mt == nil || e.mt.version == e.mtver && e.holder.version == e.holdv
}

// getFieldK is getFieldString(obj, key) for the VM, where key is fn's
// string constant k. A function's entries (one per constant) keep the last
// table read through them reachable until the next read replaces it.
func (ls *LState) getFieldK(fn *LFunction, obj LValue, k int) LValue {
	c := fn.fields
	if c == nil {
		c = make([]fieldEntry, len(fn.Proto.Constants))
		fn.fields = c
	}
	e := &c[k]
	switch o := obj.(type) {
	case *LTable:
		if e.obj == o && e.objver == o.version && o.Metatable == e.mtv && e.holderValid() {
			return e.val
		}
		if e.kind == fieldIndex && o.Metatable == e.mtv && e.holderValid() && o.getString(fn.Proto.stringConstants[k]) == LNil {
			e.obj, e.objver = o, o.version
			return e.val
		}
	case *LUserData:
		if e.kind == fieldMethods && o.Metatable == e.mtv && e.holderValid() {
			return e.val
		}
	case LString:
		if e.kind == fieldString && e.holderValid() && ls.G.builtinMts[int(LTString)] == e.mtv {
			return e.val
		}
	}
	return ls.getFieldFill(e, obj, fn.Proto.stringConstants[k], fn.Proto.Constants[k])
}

// getFieldFill is getFieldString that records in e how the value was
// found when a later read can check that cheaply, and leaves e as it was
// otherwise.
func (ls *LState) getFieldFill(e *fieldEntry, obj LValue, key string, lkey LValue) LValue {
	var mt *LTable
	switch o := obj.(type) {
	case *LTable:
		v := o.getString(key)
		if v != LNil || o.Metatable == LNil {
			*e = fieldEntry{kind: fieldOwn, obj: o, objver: o.version, mtv: o.Metatable, val: v}
			return v
		}
		mt, _ = o.Metatable.(*LTable)
		if mt == nil {
			return LNil // a metatable that is not a table has no __index
		}
		switch h := mt.getString("__index").(type) {
		case *LTable:
			if v := h.getString(key); v != LNil {
				*e = fieldEntry{kind: fieldIndex, obj: o, objver: o.version, mtv: mt, mt: mt, mtver: mt.version, holder: h, holdv: h.version, val: v}
				return v
			}
		case *LFunction:
			return ls.callIndex(h, obj, lkey)
		}
	case *LUserData:
		mt, _ = o.Metatable.(*LTable)
		if mt == nil {
			break
		}
		h, ok := mt.getString("__methods").(*LTable)
		if ok {
			if v := h.getString(key); v != LNil {
				*e = fieldEntry{kind: fieldMethods, mtv: mt, mt: mt, mtver: mt.version, holder: h, holdv: h.version, val: v}
				return v
			}
		}
		switch h := mt.getString("__index").(type) {
		case *LTable:
			if v := h.getString(key); v != LNil {
				if !ok { // with __methods, val would depend on two tables
					*e = fieldEntry{kind: fieldMethods, mtv: mt, mt: mt, mtver: mt.version, holder: h, holdv: h.version, val: v}
				}
				return v
			}
		case *LFunction:
			return ls.callIndex(h, obj, lkey)
		}
	case LString:
		mt, _ = ls.G.builtinMts[int(LTString)].(*LTable)
		if mt == nil {
			break
		}
		if h, ok := mt.getString("__index").(*LTable); ok {
			if v := h.getString(key); v != LNil {
				*e = fieldEntry{kind: fieldString, mtv: mt, mt: mt, mtver: mt.version, holder: h, holdv: h.version, val: v}
				return v
			}
		}
	}
	return ls.getFieldString(obj, key, lkey)
}

// callIndex is getFieldString's call of an __index function f.
func (ls *LState) callIndex(f *LFunction, obj, lkey LValue) LValue {
	ls.reg.Push(f)
	ls.reg.Push(obj)
	ls.reg.Push(lkey)
	ls.Call(2, 1)
	return ls.reg.Pop()
}
