package luabind

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"

	lua "github.com/mailexpect/mailexpect/third_party/gopher-lua"
)

// A bulk run (--each) reuses a worker's Lua state for its next row, but
// only when it can prove the row left nothing behind that a later row
// could observe. The proof is a comparison, not a dirty bit: when the
// state is ready (libraries open, the embedded modules the script names
// loaded), stateSnapshot records every object a script can reach and
// change, and after the row every one of them is compared with its
// record.
//
// What a Lua program can change between two rows lives in objects
// (tables, functions, userdata) and in a few fields of the state. From
// the roots — the globals, the registry (package.loaded, the loaders,
// the type metatables of sessions and IMAP clients, and what Go hands
// out without keeping it in a table: hold in state.go), the main thread's
// environment (setfenv(0)), the metatables of strings, numbers,
// functions and the other types without their own (debug.setmetatable),
// and the Lua values the Go side holds (the read-only globals but row,
// the proxies' converted values, exp_continue) — the snapshot follows
// every edge: each table's entries (keys and values) and metatable, each
// function's environment, upvalues (a module's locals) and PreCall, each
// userdata's metatable and environment. An object's record is its edges.
// If the roots and every recorded object's edges are as recorded, the
// graph a later row can reach is the one recorded: nothing was added,
// replaced or removed, however deep (a module's local cache, a method
// of a class, string.trim, a global). Strings and numbers are values.
// A table's entries are read only when its version moved (gopher-lua
// patch 0029: every write to them moves it, and they have no other
// writer); a function's upvalues are compared as pointers, and each
// upvalue's value once; Go functions only after a call that can change
// one (countEnvWrites).
//
// What the graph does not show is checked or excluded by hand:
//
//   - a row that failed (error, exit(n), timeout, interrupt) drops its
//     state without looking;
//   - the metatable of strings (numbers, functions...) is read as
//     getmetatable sees it, which a __metatable field can fake: the raw
//     fields the VM uses are compared as well (metaEvents);
//   - the state's stack must be empty and its running thread the main
//     one; a coroutine found in the graph at all makes the state
//     unusable for reuse (its stack is not recorded);
//   - Go-side state of the bindings: read-only proxies (their converted
//     values are roots; a proxy's Go record is compared), json.object /
//     json.array marks (a mark on a recorded table drops the state; marks
//     on the row's own tables are forgotten), io.tmpfile (the state keeps
//     the file until it is closed) and a file's setvbuf (io.stdout's
//     buffering would stay): calling them taints the row's state;
//   - the argument checker adopts a class (wraps its methods) the first
//     time a constructor returns an instance: the snapshot checks the
//     class tables are as recorded, lets the checker change them, and
//     records them again (follow), so that a clean script keeps its
//     state although its first row adopted pop3's client class.
//
// Go-side per-row data (sessions, contexts, the attempt, the journal
// hooks, the columns read, the record of values read for the credentials
// summary) lives in rowRun, which every row replaces whole.
type stateSnapshot struct {
	L      *lua.LState
	r      *run
	env    *lua.LTable  // L.Env
	glob   *lua.LTable  // L.G.Global
	reg    *lua.LTable  // L.G.Registry
	probes []lua.LValue // values of the types with one metatable each (see probes)
	typed  []lua.LValue // their metatables, as getmetatable sees them
	events []lua.LValue // and the raw metatables' fields, metaEvents per probe

	seen    map[any]int // object -> its record (index into tables, funcs or gofuncs, udata or upvals)
	tables  []tableRecord
	funcs   []funcRecord // Lua functions
	gofuncs []funcRecord // Go functions (see envWrites)
	udata   []udataRecord
	values  []lua.LValue   // the tables' key/value pairs, flat
	uvs     []*lua.Upvalue // the functions' upvalues, flat
	upvals  []upvalRecord  // each upvalue once (functions of a module share its locals)
	proxies []proxyRecord
	proxyAt map[*roData]int // index in proxies
	json    *jsonState
	stack   []lua.LValue // the walk's work list, kept between walks

	// envWrites is r.envWrites when the Go functions were last seen as
	// recorded: a function's environment changes only through setfenv,
	// debug.setfenv and module, which count their calls (countEnvWrites),
	// and a Go function's upvalues and PreCall only where Go makes it
	// (TestFunctionWriters), so until one of them ran no Go function (most
	// of those recorded, each a cache miss) is read.
	envWrites uint64

	dirty bool // a change was seen while the row ran (follow)
	err   error
}

type tableRecord struct {
	t        *lua.LTable
	mt       lua.LValue
	from, to int    // key, value pairs in values[from:to], in ForEach order
	version  uint64 // t.Version() when its entries were last seen as recorded
}

type funcRecord struct {
	f        *lua.LFunction
	env      *lua.LTable
	pre      *lua.LFunction // the argument check's PreCall (gopher-lua patch 0030)
	from, to int            // its upvalues in uvs[from:to]
}

// An upvalue is recorded closed, and a closed upvalue stays closed: while
// a function holds the upvalues recorded, only their values can differ.
type upvalRecord struct {
	uv *lua.Upvalue
	v  lua.LValue
}

type udataRecord struct {
	ud  *lua.LUserData
	mt  lua.LValue
	env *lua.LTable
}

type proxyRecord struct {
	proxy *lua.LTable
	d     *roData
	conv  *lua.LTable
	full  bool
}

// probes are values of the types whose metatable is one per state
// (debug.setmetatable(0, mt) gives every number mt).
func probes(L *lua.LState, fn *lua.LFunction) []lua.LValue {
	return []lua.LValue{lua.LNil, lua.LFalse, lua.LNumber(0), lua.LString(""), fn, L, lua.LChannel(nil)}
}

// metaEvents are the fields gopher-lua reads from a metatable. The
// metatable of strings (numbers...) can only be asked for as getmetatable
// gives it, which a __metatable field answers for: a row could install a
// new metatable whose __metatable is the recorded one. The fields the VM
// uses are read raw (GetMetaField) and compared too.
// Without a raw __metatable (the usual case), getmetatable gives the raw
// metatable itself and comparing it is enough.
var metaEvents = []string{"__metatable", "__index", "__newindex", "__call", "__add", "__sub", "__mul", "__div", "__mod",
	"__pow", "__unm", "__concat", "__len", "__eq", "__lt", "__le", "__tostring"}

// rawEvents appends p's raw metatable fields (metaEvents) to out.
func rawEvents(L *lua.LState, p lua.LValue, out []lua.LValue) []lua.LValue {
	for _, ev := range metaEvents {
		out = append(out, L.GetMetaField(p, ev))
	}
	return out
}

// newSnapshot records the state L of r as a row may find it. It fails
// when the state holds something the comparison cannot cover.
func newSnapshot(L *lua.LState, r *run) (*stateSnapshot, error) {
	// Sized for a state with the pop3 module (about 400 objects, 1000
	// values): the walk does not grow them piecemeal.
	s := &stateSnapshot{L: L, r: r, envWrites: r.envWrites, env: L.Env, glob: L.G.Global, reg: L.G.Registry, seen: make(map[any]int, 512),
		tables: make([]tableRecord, 0, 128), funcs: make([]funcRecord, 0, 256), gofuncs: make([]funcRecord, 0, 512), values: make([]lua.LValue, 0, 1536),
		uvs: make([]*lua.Upvalue, 0, 256), upvals: make([]upvalRecord, 0, 256)}
	if L.GetTop() != 0 || L.G.CurrentThread != L {
		return nil, fmt.Errorf("the state is not at rest")
	}
	s.walk(s.env, s.glob, s.reg, r.expCont, r.roMeta, r.argTable)
	s.probes = probes(L, probeFunc(L.G.Global.RawGetString("print")))
	for _, p := range s.probes {
		mt := L.GetMetatable(p)
		s.typed = append(s.typed, mt)
		n := len(s.events)
		s.events = rawEvents(L, p, s.events)
		s.walk(append([]lua.LValue{mt}, s.events[n:]...)...)
	}
	row := r.roGlobals["row"]
	for name, v := range r.roGlobals {
		if name != "row" {
			s.walk(v)
		}
	}
	for proxy, d := range r.proxies {
		if proxy == row {
			continue
		}
		s.addProxy(proxy, d)
	}
	if js := r.json; js != nil {
		if len(js.objects)+len(js.arrays) != 0 {
			return nil, fmt.Errorf("json marks before the first row")
		}
		s.json = js
	}
	if _, held := s.seen[row]; held && row != nil {
		// A module kept the first row's row (local row = row at load):
		// the next row would find it there, not its own.
		return nil, fmt.Errorf("the state holds the row")
	}
	if s.err != nil {
		return nil, s.err
	}
	return s, nil
}

// probeFunc is a function to ask for the functions' metatable.
func probeFunc(v lua.LValue) *lua.LFunction {
	f, _ := v.(*lua.LFunction)
	if f == nil {
		f = &lua.LFunction{}
	}
	return f
}

// walk records the objects reachable from roots that are not recorded
// yet.
func (s *stateSnapshot) walk(roots ...lua.LValue) {
	stack := append(s.stack[:0], roots...)
	for len(stack) > 0 {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		switch o := v.(type) {
		case *lua.LTable:
			if _, ok := s.seen[o]; ok {
				continue
			}
			s.seen[o] = len(s.tables)
			rec := tableRecord{t: o, mt: o.Metatable, from: len(s.values), version: o.Version()}
			o.ForEach(func(k, v lua.LValue) { s.values = append(s.values, k, v); stack = append(stack, k, v) })
			rec.to = len(s.values)
			s.tables = append(s.tables, rec)
			stack = append(stack, o.Metatable)
		case *lua.LFunction:
			if _, ok := s.seen[o]; ok {
				continue
			}
			funcs := &s.funcs
			if o.IsG {
				funcs = &s.gofuncs
			}
			s.seen[o] = len(*funcs)
			rec := funcRecord{f: o, env: o.Env, pre: o.PreCall, from: len(s.uvs)}
			for _, uv := range o.Upvalues {
				s.uvs = append(s.uvs, uv)
				if _, ok := s.seen[uv]; ok {
					continue
				}
				if !uv.IsClosed() {
					s.fail("an open upvalue")
				}
				s.seen[uv] = len(s.upvals)
				s.upvals = append(s.upvals, upvalRecord{uv: uv, v: uv.Value()})
				stack = append(stack, uv.Value())
			}
			rec.to = len(s.uvs)
			*funcs = append(*funcs, rec)
			if o.Env != nil {
				stack = append(stack, o.Env)
			}
			if o.PreCall != nil {
				// a Go function, but a Lua error handler can reach it
				// (debug.getinfo while the check raises) and setfenv it
				stack = append(stack, o.PreCall)
			}
		case *lua.LUserData:
			if _, ok := s.seen[o]; ok {
				continue
			}
			s.seen[o] = len(s.udata)
			s.udata = append(s.udata, udataRecord{ud: o, mt: o.Metatable, env: o.Env})
			stack = append(stack, o.Metatable)
			if o.Env != nil {
				stack = append(stack, o.Env)
			}
		case *lua.LState:
			if o != s.L {
				s.fail("a coroutine")
			}
		case lua.LChannel:
			if o != nil {
				s.fail("a channel")
			}
		}
	}
	s.stack = stack[:0]
}

func (s *stateSnapshot) fail(what string) {
	if s.err == nil {
		s.err = fmt.Errorf("the state holds %s", what)
	}
}

// same is raw equality, with NaN equal to itself (a recorded NaN is no
// change) and -0 unlike 0 (1/x tells them apart).
func same(a, b lua.LValue) bool {
	if a == b {
		x, ok := a.(lua.LNumber)
		return !ok || x != 0 || math.Signbit(float64(x)) == math.Signbit(float64(b.(lua.LNumber)))
	}
	x, ok1 := a.(lua.LNumber)
	y, ok2 := b.(lua.LNumber)
	return ok1 && ok2 && math.IsNaN(float64(x)) && math.IsNaN(float64(y))
}

// unchanged reports whether the state is as recorded: whether a row run
// in it now finds nothing an earlier row left.
func (s *stateSnapshot) unchanged() bool { return s.change() == "" }

// change says what differs from the record ("" when nothing does): for
// tests and for finding what keeps a script from reusing its state.
func (s *stateSnapshot) change() string {
	L := s.L
	switch {
	case s.dirty:
		return "a recorded class table changed before the argument checker adopted it"
	case L.Env != s.env:
		return "setfenv(0, ...): the main thread's environment"
	case L.G.Global != s.glob || L.G.Registry != s.reg:
		return "the globals or registry table"
	case L.GetTop() != 0 || L.G.CurrentThread != L:
		return "the state is not at rest"
	}
	for i, p := range s.probes {
		events := s.events[i*len(metaEvents) : (i+1)*len(metaEvents)]
		same := same(L.GetMetatable(p), s.typed[i]) && L.GetMetaField(p, metaEvents[0]) == events[0]
		for j := 1; same && events[0] != lua.LNil && j < len(metaEvents); j++ {
			same = L.GetMetaField(p, metaEvents[j]) == events[j]
		}
		if !same {
			return "the metatable of " + p.Type().String() + " values"
		}
	}
	for i := range s.tables {
		if k, changed := s.tableChange(&s.tables[i]); changed {
			what := "key " + L.ToStringMeta(k).String()
			if k == metatableKey {
				what = "its metatable"
			}
			return s.name(s.tables[i].t) + ", " + what
		}
	}
	for i := range s.funcs {
		if !s.funcUnchanged(&s.funcs[i]) {
			return "a function's environment or upvalue (a module's local)"
		}
	}
	if s.r.envWrites != s.envWrites {
		for i := range s.gofuncs {
			if !s.funcUnchanged(&s.gofuncs[i]) {
				return "a function's environment"
			}
		}
		s.envWrites = s.r.envWrites // as recorded: the writes put them back
	}
	for _, u := range s.upvals {
		if !same(u.uv.Value(), u.v) {
			return "a function's environment or upvalue (a module's local)"
		}
	}
	for _, u := range s.udata {
		if u.ud.Metatable != u.mt || u.ud.Env != u.env {
			return "a userdata's metatable"
		}
	}
	for _, p := range s.proxies {
		if s.r.proxies[p.proxy] != p.d || p.d.conv != p.conv || p.d.full != p.full {
			return "a read-only global converted a value"
		}
	}
	if !s.jsonUnchanged() {
		return "json.object or json.array marked a table of the state"
	}
	return ""
}

// name names a recorded table for change: the globals, a global table
// (string), a loaded module, else "a table of a module".
func (s *stateSnapshot) name(t *lua.LTable) string {
	if t == s.glob {
		return "the globals"
	}
	name := ""
	find := func(in *lua.LTable, prefix string) {
		in.ForEach(func(k, v lua.LValue) {
			if ks, ok := k.(lua.LString); ok && v == t && name == "" {
				name = prefix + string(ks)
			}
		})
	}
	if loaded, ok := s.reg.RawGetString("_LOADED").(*lua.LTable); ok {
		if t == loaded {
			return "package.loaded"
		}
		find(loaded, "module ")
	}
	find(s.glob, "")
	if name == "" {
		return "a table of a module"
	}
	return name
}

// metatableKey is tableChange's k for a changed metatable.
var metatableKey lua.LValue = lua.LString("(metatable)")

// tableChange compares a table with its record; when it differs, k is
// the first key that does (metatableKey, or a key removed). A table
// whose version did not move since its entries were last seen as
// recorded has them still (gopher-lua patch 0029: every write moves it);
// one whose version moved is compared entry by entry, so that a row that
// writes a value back as it was keeps its state, and the version that
// compared equal is remembered.
func (s *stateSnapshot) tableChange(rec *tableRecord) (k lua.LValue, changed bool) {
	if rec.t.Metatable != rec.mt {
		return metatableKey, true
	}
	v := rec.t.Version()
	if v == rec.version {
		return nil, false
	}
	if k, changed = s.entriesChange(rec); !changed {
		rec.version = v
	}
	return k, changed
}

// entriesChange compares a table's entries with its record, whatever its
// version says.
func (s *stateSnapshot) entriesChange(rec *tableRecord) (k lua.LValue, changed bool) {
	i := rec.from
	values := s.values[:rec.to]
	rec.t.ForEach(func(key, v lua.LValue) {
		if k == nil && i+1 < len(values) && same(key, values[i]) && same(v, values[i+1]) {
			i += 2
			return
		}
		if k == nil {
			k = key
		}
	})
	if k == nil && i != rec.to {
		k = values[i]
	}
	return k, k != nil
}

// funcUnchanged: the function's environment, PreCall and upvalues are
// the ones recorded (their values are compared once each, in change).
func (s *stateSnapshot) funcUnchanged(rec *funcRecord) bool {
	f, uvs := rec.f, s.uvs[rec.from:rec.to]
	if f.Env != rec.env || f.PreCall != rec.pre || len(f.Upvalues) != len(uvs) {
		return false
	}
	for i, uv := range f.Upvalues {
		if uv != uvs[i] {
			return false
		}
	}
	return true
}

// jsonUnchanged: json.object / json.array marks on the row's own tables
// are forgotten (no later row can reach those tables: the graph is as
// recorded); a mark on a recorded table is a change.
func (s *stateSnapshot) jsonUnchanged() bool {
	if s.json == nil {
		return true
	}
	for _, marks := range []map[*lua.LTable]bool{s.json.objects, s.json.arrays} {
		for t := range marks {
			if _, recorded := s.seen[t]; recorded {
				return false
			}
			delete(marks, t)
		}
	}
	return true
}

// forget drops what the Go side keeps of the row's own tables once the
// row left the state clean: the argument checker's record of the
// metatables it met (a class of the script's, or one a constructor made
// per call). No later row can reach those tables; kept, they would pile
// up over a million rows.
func (s *stateSnapshot) forget() {
	if a := s.r.apis; a != nil {
		for mt := range a.classes {
			if _, recorded := s.seen[mt]; !recorded {
				delete(a.classes, mt)
			}
		}
	}
}

// follow lets trusted Go code change recorded tables during a row (the
// argument checker adopting a class): it checks they are still as
// recorded, and returns the function that records them again, with
// whatever the change made reachable, once the change is done.
func (s *stateSnapshot) follow(ts ...*lua.LTable) func() {
	var recs []int
	for _, t := range ts {
		if i, ok := s.seen[t]; ok {
			if _, changed := s.tableChange(&s.tables[i]); changed {
				s.dirty = true
			}
			recs = append(recs, i)
		}
	}
	return func() {
		for _, i := range recs {
			rec := &s.tables[i]
			rec.mt, rec.from, rec.version = rec.t.Metatable, len(s.values), rec.t.Version()
			var more []lua.LValue
			rec.t.ForEach(func(k, v lua.LValue) { s.values = append(s.values, k, v); more = append(more, k, v) })
			rec.to = len(s.values)
			s.walk(append(more, rec.mt)...)
		}
		if s.err != nil {
			s.dirty = true
		}
	}
}

func (s *stateSnapshot) addProxy(proxy *lua.LTable, d *roData) {
	if s.proxyAt == nil {
		s.proxyAt = map[*roData]int{}
	}
	s.proxyAt[d] = len(s.proxies)
	s.proxies = append(s.proxies, proxyRecord{proxy: proxy, d: d, conv: d.conv, full: d.full})
	s.walk(proxy, d.conv)
}

// followProxy lets a recorded read-only proxy convert a value of its Go
// data on first read (readonly.go): the same data gives the same Lua
// values in any row, so a row that only reads sandbox.users keeps its
// state. The converted values must still be as recorded; the function
// returned records them again, with the nested proxies made for them.
func (s *stateSnapshot) followProxy(d *roData) func() {
	i, ok := s.proxyAt[d]
	if !ok {
		return func() {} // the row's own
	}
	done := s.follow(d.conv)
	return func() {
		done()
		p := &s.proxies[i]
		p.conv, p.full = d.conv, d.full
		s.walk(d.conv)
		d.conv.ForEach(func(_, v lua.LValue) {
			if t, ok := v.(*lua.LTable); ok {
				if nd := s.r.proxies[t]; nd != nil {
					if _, known := s.proxyAt[nd]; !known {
						s.addProxy(t, nd)
					}
				}
			}
		})
	}
}

// statePool keeps the idle states of a bulk run's workers: a row takes
// one (or builds one), and gives it back when it left it clean.
type statePool struct {
	mu   sync.Mutex
	idle []*bulkState
	// built counts the states built (a test asks that a clean script
	// reuses them); reused the rows that ran in a reused one.
	built, reused atomic.Int64

	// A script that changes its state in every row (a global per row)
	// would pay for a record it never uses: after missLimit recorded
	// states dropped and none kept, states are built without a record,
	// but for every retryEvery-th (a script whose first rows differ).
	kept, dropped atomic.Int64
}

const (
	missLimit  = 3
	retryEvery = 16
)

// record says whether a new state should be recorded for reuse.
func (p *statePool) record() bool {
	d := p.dropped.Load()
	return p.kept.Load() > 0 || d < missLimit || p.built.Load()%retryEvery == 0
}

// bulkState is a state ready for a row: r's state fields and L, with
// the snapshot taken before its first row.
type bulkState struct {
	r *run
	L *lua.LState
}

func (p *statePool) get() *bulkState {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.idle); n > 0 {
		st := p.idle[n-1]
		p.idle = p.idle[:n-1]
		return st
	}
	return nil
}

func (p *statePool) put(st *bulkState) {
	p.mu.Lock()
	p.idle = append(p.idle, st)
	p.mu.Unlock()
}

// scriptModules is the strings proto has as constants (require "pop3"
// has the constant "pop3"), its nested functions included: prepare loads
// those that name an embedded module, so that the state a clean row
// leaves is the one recorded. A name that is only a string ("smtp" in a
// message) loads a module the row does not use: no harm.
func scriptModules(proto *lua.FunctionProto) []string {
	seen := map[string]bool{}
	var names []string
	var visit func(p *lua.FunctionProto)
	visit = func(p *lua.FunctionProto) {
		for _, c := range p.Constants {
			if s, ok := c.(lua.LString); ok && !seen[string(s)] && len(s) < 64 {
				seen[string(s)] = true
				names = append(names, string(s))
			}
		}
		for _, f := range p.FunctionPrototypes {
			visit(f)
		}
	}
	visit(proto)
	return names
}

// prepare loads the modules and, when record, records the state. An
// error is a module that failed to load: the state is not for a row.
func (st *bulkState) prepare(modules []string, record bool) error {
	L := st.L
	preload, _ := L.GetField(L.GetGlobal(lua.LoadLibName), "preload").(*lua.LTable)
	for _, name := range modules {
		// Embedded modules only (package.preload: the Lua ones and
		// the Go-built ones), never a file of the user's. The check
		// module is left out: requiring it switches the run to
		// plugin conventions, which is the row's business.
		if preload == nil || preload.RawGetString(name) == lua.LNil || name == "check" {
			continue
		}
		if err := L.CallByParam(lua.P{Fn: L.GetGlobal("require"), NRet: 0, Protect: true}, lua.LString(name)); err != nil {
			return fmt.Errorf("require %q: %w", name, err)
		}
	}
	// What a row does to the io library's Go side, out of the record's
	// sight, taints its state: io.tmpfile's file lives as long as the
	// state (gopher-lua removes it on Close), and setvbuf changes how a
	// file (io.stdout: every later row's) buffers its writes.
	if io, ok := L.GetGlobal(lua.IoLibName).(*lua.LTable); ok {
		st.taintOn(io, "tmpfile", "io.tmpfile")
	}
	if file, ok := L.GetTypeMetatable("FILE*").(*lua.LTable); ok {
		st.taintOn(file, "setvbuf", "a file's setvbuf")
	}
	// The error objects' metatable is made by the first error a state
	// raises: made now, so that a row that catches one (pcall(connect,
	// ...)) does not add it to the registry.
	errorMetatable(L)
	if record {
		// A state the record cannot cover (a coroutine in the graph)
		// is used for its row and dropped.
		st.r.reuse, _ = newSnapshot(L, st.r)
	}
	return nil
}

// taintOn replaces the function t[name] with one that taints the row's
// state (what) before it runs.
func (st *bulkState) taintOn(t *lua.LTable, name, what string) {
	fn, ok := t.RawGetString(name).(*lua.LFunction)
	if !ok {
		return
	}
	r := st.r
	t.RawSetString(name, st.L.NewFunction(func(L *lua.LState) int {
		r.tainted = what
		L.Insert(fn, 1)
		L.Call(L.GetTop()-1, lua.MultRet)
		return L.GetTop()
	}))
}

// run runs rn's row in an idle state, or a new one, and keeps the state
// for another row when the row ended normally and left it as recorded.
func (p *statePool) run(ctx context.Context, rn *Runner, proto *lua.FunctionProto, modules []string) (int, error) {
	st := p.get()
	if st != nil {
		p.reused.Add(1)
		st.begin(rn.cfg)
	} else {
		var err error
		if st, err = p.build(rn.cfg, modules); err != nil {
			return ExitFailure, err
		}
	}
	code, err := rn.runIn(ctx, st.r, st.L, proto)
	r := st.r
	switch {
	case r.reuse == nil:
		st.L.Close()
	case err == nil && code == ExitOK && ctx.Err() == nil && !r.exited && r.tainted == "" && r.reuse.unchanged():
		p.kept.Add(1)
		r.reuse.forget()
		p.put(st)
	default:
		p.dropped.Add(1)
		if r.cfg.Transcript != nil && err == nil && code == ExitOK {
			// -v, --log: why a row that ended well did not keep its
			// state (what makes a bulk run slower than it could be).
			why := r.tainted
			if why == "" {
				why = r.reuse.change()
			}
			r.cfg.Transcript.Logf("bulk", "the row's state is not reused: it changed %s", r.mask(why))
		}
		st.L.Close()
	}
	return code, err
}

// build makes a state for cfg's row, prepared for reuse when it can be.
func (p *statePool) build(cfg Config, modules []string) (*bulkState, error) {
	p.built.Add(1)
	r := newRun(cfg)
	L, err := r.newState()
	if err != nil {
		return nil, err
	}
	st := &bulkState{r: r, L: L}
	if err := st.prepare(modules, p.record()); err != nil {
		// Not reusable; the row gets a state as a single run has it.
		L.Close()
		r = newRun(cfg)
		if L, err = r.newState(); err != nil {
			return nil, err
		}
		st = &bulkState{r: r, L: L}
	}
	return st, nil
}

// begin readies a reused state for the row of cfg: a new rowRun, and
// the global row serving the new row's columns.
func (st *bulkState) begin(cfg Config) {
	r, L := st.r, st.L
	r.beginRow(cfg)
	clear(r.proxies)
	for _, p := range r.reuse.proxies {
		r.proxies[p.proxy] = p.d
	}
	r.roGlobals["row"] = r.readOnlyValue(L, cfg.ReadOnly["row"], r.readColumn)
}
