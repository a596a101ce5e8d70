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
	fieldOwn           // a table's own entry, not nil
	fieldAbsent        // none: a table without an entry or a metatable
	fieldIndex         // a table: not its own; the entry of mt's __index table
	fieldMethods       // a userdata: the entry of mt's __methods table, or of its __index table when mt has no __methods
	fieldString        // a string: the entry of the string metatable's __index table
)

type fieldEntry struct {
	kind   uint8
	obj    *LTable // the table last read (fieldOwn, fieldAbsent, fieldIndex)
	objver uint64
	mt     *LTable // the metatable whose __index or __methods holds val
	mtver  uint64
	holder *LTable // that __index or __methods table
	holdv  uint64
	val    LValue
}

// inherited reports whether an object whose metatable is mt, and that has
// no entry of its own, still gets val from e.holder.
func (e *fieldEntry) inherited(mt LValue) bool {
	m, ok := mt.(*LTable)
	return ok && m == e.mt && m.version == e.mtver && e.holder.version == e.holdv
}

// getFieldK is getFieldString(obj, key) for the VM, where key is fn's
// string constant k. A function's entries (one per constant) keep the last
// table read through them reachable until the next read replaces it.
//
// A small table's own entries (no Go map yet, see smallKeys) are searched
// as before, without an entry: as quick as a check of the entry, which
// would miss for every new table (a reply, an options table).
func (ls *LState) getFieldK(fn *LFunction, obj LValue, k int) LValue {
	switch o := obj.(type) {
	case *LTable:
		if o.strdict == nil {
			v := o.getString(fn.Proto.stringConstants[k])
			if v != LNil || o.Metatable == LNil {
				return v
			}
			e := fn.fieldEntry(k)
			if e.kind == fieldIndex && e.inherited(o.Metatable) {
				return e.val
			}
			return ls.getFieldFill(e, obj, fn.Proto.stringConstants[k], fn.Proto.Constants[k])
		}
		e := fn.fieldEntry(k)
		if e.obj == o && e.objver == o.version {
			switch e.kind {
			case fieldOwn:
				return e.val
			case fieldAbsent:
				if o.Metatable == LNil {
					return LNil
				}
			case fieldIndex:
				if e.inherited(o.Metatable) {
					return e.val
				}
			}
		} else if e.kind == fieldIndex && e.inherited(o.Metatable) && o.getString(fn.Proto.stringConstants[k]) == LNil {
			e.obj, e.objver = o, o.version
			return e.val
		}
		return ls.getFieldFill(e, obj, fn.Proto.stringConstants[k], fn.Proto.Constants[k])
	case *LUserData:
		e := fn.fieldEntry(k)
		if e.kind == fieldMethods && e.inherited(o.Metatable) {
			return e.val
		}
		return ls.getFieldFill(e, obj, fn.Proto.stringConstants[k], fn.Proto.Constants[k])
	case LString:
		e := fn.fieldEntry(k)
		if e.kind == fieldString && e.inherited(ls.G.builtinMts[int(LTString)]) {
			return e.val
		}
		return ls.getFieldFill(e, obj, fn.Proto.stringConstants[k], fn.Proto.Constants[k])
	}
	return ls.getFieldString(obj, fn.Proto.stringConstants[k], fn.Proto.Constants[k])
}

// fieldEntry is the entry of fn's constant k, made with the others at the
// first.
func (fn *LFunction) fieldEntry(k int) *fieldEntry {
	if fn.fields == nil {
		fn.fields = make([]fieldEntry, len(fn.Proto.Constants))
	}
	return &fn.fields[k]
}

// getFieldFill is getFieldString that records in e how the value was
// found when a later read can check that cheaply, and leaves e as it was
// otherwise.
func (ls *LState) getFieldFill(e *fieldEntry, obj LValue, key string, lkey LValue) LValue {
	var mt *LTable
	switch o := obj.(type) {
	case *LTable:
		v := o.getString(key)
		if v != LNil {
			*e = fieldEntry{kind: fieldOwn, obj: o, objver: o.version, val: v}
			return v
		}
		if o.Metatable == LNil {
			*e = fieldEntry{kind: fieldAbsent, obj: o, objver: o.version, val: LNil}
			return LNil
		}
		mt, _ = o.Metatable.(*LTable)
		if mt == nil {
			return LNil // a metatable that is not a table has no __index
		}
		switch h := mt.getString("__index").(type) {
		case *LTable:
			if v := h.getString(key); v != LNil {
				*e = fieldEntry{kind: fieldIndex, obj: o, objver: o.version, mt: mt, mtver: mt.version, holder: h, holdv: h.version, val: v}
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
				*e = fieldEntry{kind: fieldMethods, mt: mt, mtver: mt.version, holder: h, holdv: h.version, val: v}
				return v
			}
		}
		switch h := mt.getString("__index").(type) {
		case *LTable:
			if v := h.getString(key); v != LNil {
				if !ok { // with __methods, val would depend on two tables
					*e = fieldEntry{kind: fieldMethods, mt: mt, mtver: mt.version, holder: h, holdv: h.version, val: v}
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
				*e = fieldEntry{kind: fieldString, mt: mt, mtver: mt.version, holder: h, holdv: h.version, val: v}
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
