package luabind

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"

	lua "github.com/mailexpect/mailexpect/third_party/gopher-lua"

	"github.com/mailexpect/mailexpect/luabind/apispec"
)

// Every call a script makes is checked against the spec (luabind/apispec)
// before the function runs: positional arguments beyond the declared ones,
// wrong types, unknown option keys and a map where a list is expected
// (headers = {["X-A"] = "1"} for {{"X-A", "1"}}) each raise a usage error
// naming the parameter, what was given and the shape expected. The Go
// functions are wrapped in Go; the Lua modules' functions and their
// clients' methods are wrapped when the module is required, so the module
// code itself checks nothing the spec says.

// skipArgChecks turns the wrapping off; only the benchmark that prices
// the checks sets it.
var skipArgChecks bool

// argChecker checks the arguments of one declared function.
type argChecker struct {
	// argsFit's view of the parameters (argfast.go), first: what a call
	// that fits reads, together in one cache line.
	fast     []fastParam
	fastOK   bool
	variadic bool // fn.Variadic != nil

	spec    *apispec.Spec
	fn      *apispec.Func
	display string         // "c:send", "smtp.open"
	self    *apispec.Class // the class of a method; nil for a function
	offset  int            // arguments before the declared ones (self, or a __call table)

	returnsObject bool // a result may be an instance of an Object class
}

func newArgChecker(spec *apispec.Spec, fn *apispec.Func) *argChecker {
	c := &argChecker{spec: spec, fn: fn, display: spec.Display(fn)}
	c.returnsObject = returnsObject(c)
	c.fast, c.fastOK = fastParams(spec, fn)
	c.variadic = fn.Variadic != nil
	if fn.Class != "" {
		c.self = spec.Classes[fn.Class]
		c.offset = 1
	}
	return c
}

// apiState is a run's view of the spec: the checkers, and the metatables
// of the Lua classes met so far (a client's metatable is its class).
type apiState struct {
	spec    *apispec.Spec
	classes map[*lua.LTable]string // metatable -> class name
}

func (r *run) api() *apiState {
	if r.apis == nil {
		spec := apispec.Get()
		r.apis = &apiState{spec: spec, classes: map[*lua.LTable]string{}}
	}
	return r.apis
}

// checkers are built once per process: the spec does not change, and a
// bulk run makes a state per row.
var checkers sync.Map // name -> *argChecker (nil: not declared)

// methodCheckers holds, per class, the checkers of its methods by method
// name, once per process: adoptClass wraps a class's methods in every
// state that meets the class (a bulk run: every row).
var methodCheckers sync.Map // class name -> map[string]*argChecker

// methodChecker is checker(class + ":" + method).
func (a *apiState) methodChecker(class, method string) *argChecker {
	if skipArgChecks {
		return nil
	}
	m, ok := methodCheckers.Load(class)
	if !ok {
		byMethod := map[string]*argChecker{}
		for _, f := range a.spec.Methods(class) {
			byMethod[f.Method] = a.checker(f.Name)
		}
		m, _ = methodCheckers.LoadOrStore(class, byMethod)
	}
	return m.(map[string]*argChecker)[method]
}

func (a *apiState) checker(name string) *argChecker {
	if skipArgChecks {
		return nil
	}
	if c, ok := checkers.Load(name); ok {
		return c.(*argChecker)
	}
	var c *argChecker
	if fn := a.spec.Funcs[name]; fn != nil {
		c = newArgChecker(a.spec, fn)
	}
	checkers.Store(name, c)
	return c
}

// goFunc returns fn checked against the spec entry name (as is when there
// is none: the agreement test reports it).
func (r *run) goFunc(L *lua.LState, name string, fn lua.LGFunction) *lua.LFunction {
	c := r.api().checker(name)
	if c == nil {
		return L.NewFunction(fn)
	}
	return L.NewFunction(func(L *lua.LState) int {
		r.checkArgs(L, c, 1)
		n := fn(L)
		if returnCheck != nil {
			r.checkReturns(L, c, L.GetTop()-n+1, n)
		}
		return n
	})
}

// methodTable wraps a userdata type's method set with goFunc, each as
// class:name, in the table its metatable's __methods field holds (gopher-lua
// patch 0025: s:send is one table lookup, no Go __index call); names are
// sorted, for messages. The table is reached from the registry's type
// metatable, so a reused bulk state's record walks it (bulkstate.go).
func (r *run) methodTable(L *lua.LState, class string, methods map[string]lua.LGFunction) (*lua.LTable, []string) {
	fns := L.CreateTable(0, len(methods))
	names := make([]string, 0, len(methods))
	for name, fn := range methods {
		fns.RawSetString(name, r.goFunc(L, class+":"+name, fn))
		names = append(names, name)
	}
	sort.Strings(names)
	return fns, names
}

// returnCheck, when set (by the luabind tests), is told when a declared
// function returns something its declaration does not say: the whole
// suite then tests the spec's return shapes.
var returnCheck func(name, problem string)

// checkReturns compares the n results at index first with c's Returns.
func (r *run) checkReturns(L *lua.LState, c *argChecker, first, n int) {
	rets := c.fn.Returns
	if len(rets) > 0 && rets[len(rets)-1].Name == "..." {
		return // "...: any": whatever the function chose
	}
	if n > len(rets) {
		extra := false
		for i := first + len(rets); i < first+n; i++ {
			extra = extra || L.Get(i) != lua.LNil
		}
		if extra {
			returnCheck(c.fn.Name, fmt.Sprintf("returned %d values, declares %d", n, len(rets)))
		}
	}
	for i, ret := range rets {
		v := lua.LValue(lua.LNil)
		if i < n {
			v = L.Get(first + i)
		}
		if v == lua.LNil {
			if !ret.Optional {
				returnCheck(c.fn.Name, fmt.Sprintf("result #%d (%s) is nil", i+1, ret.TypeSrc))
			}
			continue
		}
		if msg := r.typeProblem(L, c.spec, ret.Type, v, fmt.Sprintf("result #%d", i+1), 0); msg != "" {
			returnCheck(c.fn.Name, msg)
		}
	}
}

// wrapValue returns v checked against the spec entry name: a Go function
// is wrapped in Go, a Lua function gets the check as its PreCall.
func (r *run) wrapValue(L *lua.LState, name string, v lua.LValue) lua.LValue {
	return r.wrapChecked(L, r.api().checker(name), v)
}

// wrapChecked is wrapValue with the checker looked up (nil: v as is).
//
// A Lua function f becomes a copy of itself whose PreCall is the check
// (gopher-lua patch 0030): the VM calls the check with the arguments, in
// a frame of its own, right before it enters the function, so a method
// call is one Lua call with a Go call before it, not a wrapper's call,
// the check's and a tail call. A copy, not f itself: the module's own
// calls of f stay unchecked, and a function two classes share gets each
// class's check. A constructor's results go through adopt, in a small
// Lua wrapper around the copy.
func (r *run) wrapChecked(L *lua.LState, c *argChecker, v lua.LValue) lua.LValue {
	f, ok := v.(*lua.LFunction)
	if c == nil || !ok {
		return v
	}
	if f.IsG {
		g := f.GFunction
		return L.NewFunction(func(L *lua.LState) int {
			r.checkArgs(L, c, 1)
			n := g(L)
			if returnCheck != nil {
				r.checkReturns(L, c, L.GetTop()-n+1, n)
			}
			return n
		})
	}
	check := func(L *lua.LState) int {
		r.checkArgs(L, c, 1)
		return 0
	}
	if f.PreCall != nil { // checked already (a method two tables share): both checks, this one first
		inner := f.PreCall.GFunction
		check = func(L *lua.LState) int {
			r.checkArgs(L, c, 1)
			return inner(L)
		}
	}
	checked := &lua.LFunction{Env: f.Env, Proto: f.Proto, Upvalues: f.Upvalues, PreCall: L.NewFunction(check)}
	if !c.returnsObject && returnCheck == nil {
		return checked
	}
	return newWrapper(L, checked, L.NewFunction(func(L *lua.LState) int {
		n := r.adoptResults(L)
		if returnCheck != nil {
			r.checkReturns(L, c, 1, n)
		}
		return n
	}))
}

// wrapperSource is the Lua-side wrapper of a constructor: its results go
// through adopt, which wraps the methods of the client class it returns.
// newWrapper makes the closure it returns directly, with its upvalues
// set from Go: a call into the chunk per wrapped function was a third of
// the cost of wrapping a module (a bulk run wraps them once per row).
const wrapperSource = `local f, adopt = ...
return function(...) return adopt(f(...)) end`

// wrapperChunk names the wrapper's chunk: inside the modules' prefix, so
// error positions skip it like a module's.
const wrapperChunk = moduleChunkPrefix + "(argument check)"

// wrapperProto is compiled on first use, not at package init: a process
// that wraps no module (an empty -e run) does not pay for it.
var wrapperProto = sync.OnceValue(func() *lua.FunctionProto {
	p, err := Compile(wrapperChunk, []byte(wrapperSource))
	if err != nil {
		panic(err)
	}
	return p
})

// newWrapper is what wrapperSource returns for f and adopt.
func newWrapper(L *lua.LState, f, adopt *lua.LFunction) *lua.LFunction {
	proto := wrapperProto().FunctionPrototypes[0]
	w := L.NewFunctionFromProto(proto)
	uvs := make([]lua.Upvalue, len(w.Upvalues))
	for i, name := range proto.DbgUpvalues {
		var v lua.LValue
		switch name {
		case "f":
			v = f
		case "adopt":
			v = adopt
		default:
			panic("luabind: wrapperSource has an upvalue " + name)
		}
		uvs[i].SetValue(v) // closed: it belongs to no stack
		w.Upvalues[i] = &uvs[i]
	}
	return w
}

func returnsObject(c *argChecker) bool {
	for _, p := range c.fn.Returns {
		found := false
		walkNamed(p.Type, func(name string) {
			if k := c.spec.Classes[name]; k != nil && k.Kind == apispec.Object {
				found = true
			}
		})
		if found {
			return true
		}
	}
	return false
}

func walkNamed(t *apispec.Type, fn func(string)) {
	if t == nil {
		return
	}
	if t.Kind == apispec.Named {
		fn(t.Name)
	}
	for _, e := range t.Elems {
		walkNamed(e, fn)
	}
}

// adoptResults passes its arguments through; a table among them whose
// metatable is a class not met before gets that class's methods wrapped.
func (r *run) adoptResults(L *lua.LState) int {
	for i := 1; i <= L.GetTop(); i++ {
		if t, ok := L.Get(i).(*lua.LTable); ok {
			if mt, ok := L.GetMetatable(t).(*lua.LTable); ok {
				r.adoptClass(L, mt)
			}
		}
	}
	return L.GetTop()
}

// adoptClass wraps the methods of a Lua class (a metatable whose __index
// is the method table) the first time a constructor returns an instance.
// The class is told by the spec: the one Object class whose methods the
// table has.
func (r *run) adoptClass(L *lua.LState, mt *lua.LTable) {
	a := r.api()
	if _, ok := a.classes[mt]; ok {
		return
	}
	methods, ok := mt.RawGetString("__index").(*lua.LTable)
	if !ok {
		a.classes[mt] = ""
		return
	}
	if r.reuse != nil { // a reused bulk state records the class again (bulkstate.go)
		defer r.reuse.follow(mt, methods)()
	}
	class := a.classOf(methods)
	a.classes[mt] = class
	if class == "" {
		return
	}
	var keys []string
	methods.ForEach(func(k, v lua.LValue) {
		if ks, ok := k.(lua.LString); ok {
			if _, isFn := v.(*lua.LFunction); isFn {
				keys = append(keys, string(ks))
			}
		}
	})
	for _, k := range keys {
		methods.RawSetString(k, r.wrapChecked(L, a.methodChecker(class, k), methods.RawGetString(k)))
	}
	if L.GetMetatable(methods) == lua.LNil {
		r.typoMethods(L, class, methods, keys)
	}
}

// typoMethods makes c:sendd{...} a usage error with a did-you-mean instead
// of "attempt to call a nil value". The method table gets a metatable
// whose __index sees only misses: a name within two edits of a method,
// read by the script (not by the module's own code, which reads absent
// fields such as c.accepted), gives a function that raises when called.
// A declared data field (p.caps before CAPA) and any other miss is nil.
func (r *run) typoMethods(L *lua.LState, class string, methods *lua.LTable, names []string) {
	c := r.api().spec.Classes[class]
	v := "x"
	if c != nil && c.Var != "" {
		v = c.Var
	}
	// The nearest name of each missed key is computed once per state:
	// modules read the same absent fields (c.accepted) on every command,
	// and an edit distance against every method per read was half the CPU
	// of converting a large IMAP response.
	nearOf := nearestCache{}
	mt := L.CreateTable(0, 1)
	mt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		key, ok := L.Get(2).(lua.LString)
		if !ok {
			L.Push(lua.LNil)
			return 1
		}
		near := nearOf.lookup(key, func() string {
			if c != nil && c.Field(string(key)) != nil {
				return ""
			}
			return nearest(string(key), names)
		})
		if near == "" || calledFromModule(L) {
			L.Push(lua.LNil)
			return 1
		}
		L.Push(L.NewFunction(func(L *lua.LState) int {
			r.usage(L, "%s has no method '%s' (did you mean '%s'?)", v, key, near)
			return 0
		}))
		return 1
	}))
	L.SetMetatable(methods, mt)
}

// maxNearest bounds a nearestCache: the absent fields modules read are a
// handful, and a bulk worker's state lives for many rows, so a script
// reading row-dependent absent keys (p[row.user]) must not grow the
// cache row after row.
const maxNearest = 256

// nearestCache remembers the nearest method name of each missed key (""
// for none), for up to maxNearest keys; past that a miss is computed
// each time.
type nearestCache map[lua.LString]string

func (c nearestCache) lookup(key lua.LString, compute func() string) string {
	if near, seen := c[key]; seen {
		return near
	}
	near := compute()
	if len(c) < maxNearest {
		c[key] = near
	}
	return near
}

// classOf names the Object class whose declared methods best match the
// functions of a method table: the most of them, then the class with the
// fewest methods, then the first by name.
func (a *apiState) classOf(methods *lua.LTable) string {
	ix := objectClassesOf(a.spec)
	counts := make([]int, len(ix.names))
	methods.ForEach(func(k, v lua.LValue) {
		if ks, ok := k.(lua.LString); ok {
			if _, isFn := v.(*lua.LFunction); isFn {
				for _, i := range ix.byMethod[string(ks)] {
					counts[i]++
				}
			}
		}
	})
	best, bestN := -1, 0
	for i, n := range counts {
		if n > bestN || n == bestN && n > 0 && ix.sizes[i] < ix.sizes[best] {
			best, bestN = i, n
		}
	}
	if best < 0 {
		return ""
	}
	return ix.names[best]
}

// objectClasses indexes a spec's Object classes by method name, once per
// process: every state meets each class anew (a bulk run makes a state
// per row), and scanning the spec per class was 4 % of a row's CPU.
type objectClasses struct {
	names    []string         // sorted
	sizes    []int            // declared methods of names[i]
	byMethod map[string][]int // method name -> indexes into names
}

var classIndexes sync.Map // *apispec.Spec -> *objectClasses

func objectClassesOf(spec *apispec.Spec) *objectClasses {
	if ix, ok := classIndexes.Load(spec); ok {
		return ix.(*objectClasses)
	}
	ix := &objectClasses{byMethod: map[string][]int{}}
	for _, name := range spec.ClassNames() {
		if spec.Classes[name].Kind != apispec.Object {
			continue
		}
		i := len(ix.names)
		ms := spec.Methods(name)
		ix.names = append(ix.names, name)
		ix.sizes = append(ix.sizes, len(ms))
		for _, m := range ms {
			ix.byMethod[m.Method] = append(ix.byMethod[m.Method], i)
		}
	}
	classIndexes.Store(spec, ix)
	return ix
}

// wrapModule checks the functions of a module table against the spec.
func (r *run) wrapModule(L *lua.LState, module string, t *lua.LTable) {
	var keys []string
	t.ForEach(func(k, v lua.LValue) {
		if ks, ok := k.(lua.LString); ok {
			if _, isFn := v.(*lua.LFunction); isFn {
				keys = append(keys, string(ks))
			}
		}
	})
	prefix := module + "."
	if module == "" {
		prefix = ""
	}
	for _, k := range keys {
		t.RawSetString(k, r.wrapValue(L, prefix+k, t.RawGetString(k)))
	}
}

// checkArgs raises a usage error unless the arguments of the call fit the
// declaration. first is the stack index of the first argument (self for
// a method). A call from an embedded module that does not fit passes:
// the modules are trusted code and may pass internal options (pop3's
// {commit = true}); the spec is the public API. That is asked only when a
// check fails, so a call that fits costs no stack walk.
func (r *run) checkArgs(L *lua.LState, c *argChecker, first int) {
	if r.argsFit(L, c, first) {
		return
	}
	if msg := r.argProblem(L, c, first); msg != "" && !calledFromModule(L) {
		r.usage(L, "%s: %s", c.display, msg)
	}
}

func (r *run) argProblem(L *lua.LState, c *argChecker, first int) string {
	if c.self != nil {
		if !r.isInstance(L, c.self, L.Get(first)) {
			v := c.self.Var
			if v == "" {
				v = "x"
			}
			return fmt.Sprintf("called with '.' instead of ':' (write %s:%s(...))", v, c.fn.Method)
		}
	}
	base := first + c.offset
	top := L.GetTop()
	params := c.fn.Params
	if c.fn.Variadic == nil && top-base+1 > len(params) {
		// Extra arguments: a silently dropped one can change what a
		// destructive call does, so only trailing nils pass.
		for i := top; i >= base+len(params); i-- {
			if L.Get(i) != lua.LNil {
				msg := fmt.Sprintf("too many arguments: takes %s, got %d (argument #%d is %s)",
					c.shape(), top-base+1, i-base+1, r.describe(L, L.Get(i)))
				if c.fn.Hint != "" {
					msg += "; " + c.fn.Hint
				}
				return msg
			}
		}
	}
	for i := range params {
		p := &params[i]
		v := L.Get(base + i)
		if v == lua.LNil {
			if !p.Optional {
				return fmt.Sprintf("%s: missing (argument #%d, %s)", p.Name, i+1, p.TypeSrc)
			}
			continue
		}
		path := p.Name
		if _, isTable := v.(*lua.LTable); isTable && hasOptions(c.spec, p.Type) {
			path = "" // "unknown option 'x'", "timeout: expected number"
		}
		if msg := r.typeProblem(L, c.spec, p.Type, v, path, 0); msg != "" {
			return msg
		}
	}
	if vp := c.fn.Variadic; vp != nil && vp.Type.Kind != apispec.Any {
		for i := base + len(params); i <= top; i++ {
			if msg := r.typeProblem(L, c.spec, vp.Type, L.Get(i), "argument #"+strconv.Itoa(i-base+1), 0); msg != "" {
				return msg
			}
		}
	}
	return ""
}

func (c *argChecker) shape() string {
	u := c.fn.Usage()
	if u == "" {
		return "no arguments"
	}
	return "(" + u + ")"
}

// isInstance reports whether v is a value of the Object class c.
func (r *run) isInstance(L *lua.LState, c *apispec.Class, v lua.LValue) bool {
	switch v := v.(type) {
	case *lua.LUserData:
		switch c.Name {
		case "session":
			_, ok := v.Value.(*luaSession)
			return ok
		case "regex":
			_, ok := toPattern(v)
			return ok
		}
		return false
	case *lua.LTable:
		mt, ok := L.GetMetatable(v).(*lua.LTable)
		if !ok {
			return false
		}
		name, known := r.api().classes[mt]
		return !known || name == c.Name
	}
	return false
}

// calledFromModule reports whether the caller (past the checking wrapper)
// is a function of an embedded module.
func calledFromModule(L *lua.LState) bool {
	for level := 1; level < 4; level++ {
		dbg, ok := L.GetStack(level)
		if !ok {
			return false
		}
		if _, err := L.GetInfo("S", dbg, lua.LNil); err != nil {
			return false
		}
		if dbg.What != "G" && dbg.Source == wrapperChunk {
			continue
		}
		// A Go function in between (pcall in check.step(name, fn, ...))
		// passes on arguments the script chose: they are checked.
		return dbg.What != "G" && isModuleChunk(dbg.Source)
	}
	return false
}

const maxCheckDepth = 16

// typeProblem returns "" when v fits t, else what is wrong, starting with
// the path of the offending value ("headers[1]: ...").
func (r *run) typeProblem(L *lua.LState, spec *apispec.Spec, t *apispec.Type, v lua.LValue, path string, depth int) string {
	if depth > maxCheckDepth {
		return ""
	}
	want := func() string {
		return fmt.Sprintf("%sexpected %s, got %s", at(path), t.String(), r.describe(L, v))
	}
	// fits is for the kinds a value fits by its Lua type alone.
	fits := func(ok bool) string {
		if ok {
			return ""
		}
		return want()
	}
	_, isTable := v.(*lua.LTable)
	switch t.Kind {
	case apispec.Any:
		return ""
	case apispec.Nil:
		return fits(v == lua.LNil)
	case apispec.String:
		switch v.(type) {
		case lua.LString, lua.LNumber:
			return ""
		}
		return want()
	case apispec.Number, apispec.Integer:
		n, ok := toNumber(v)
		if !ok {
			return want()
		}
		if t.Kind == apispec.Integer && n != math.Trunc(n) {
			return fmt.Sprintf("%sexpected a whole number, got %v", at(path), n)
		}
		return ""
	case apispec.Boolean:
		_, ok := v.(lua.LBool)
		return fits(ok)
	case apispec.Function:
		switch v := v.(type) {
		case *lua.LFunction:
			return ""
		case *lua.LTable:
			if mt, ok := L.GetMetatable(v).(*lua.LTable); ok && mt.RawGetString("__call") != lua.LNil {
				return ""
			}
		}
		return want()
	case apispec.Table, apispec.Struct:
		return fits(isTable)
	case apispec.Literal:
		switch v := v.(type) {
		case lua.LString:
			if isLiteral(t.Lit, string(v)) {
				return ""
			}
		case lua.LBool:
			if (t.Lit == "true") == bool(v) && (t.Lit == "true" || t.Lit == "false") {
				return ""
			}
		}
		return want()
	case apispec.Union:
		var tableProblem string
		tableMembers := 0
		for _, e := range t.Elems {
			if cannotFit(spec, e, v) {
				// Its message would be built only to be dropped: a
				// union is checked on every call (a timeout that may be
				// nil, a tls mode), and that was most of what a call
				// that fits cost. Such a member is never the table shape
				// counted below.
				continue
			}
			msg := r.typeProblem(L, spec, e, v, path, depth+1)
			if msg == "" {
				return ""
			}
			if isTable && tableish(spec, e) {
				tableMembers++
				tableProblem = msg
			}
		}
		if tableMembers == 1 {
			// The value is a table and one member is a table shape: its
			// problem is the one to tell (an unknown key, a map for a list).
			return tableProblem
		}
		return want()
	case apispec.List:
		tb, ok := v.(*lua.LTable)
		if !ok {
			return want()
		}
		n := tb.Len()
		if key := r.nonIndexKey(L, tb, n); key != "" {
			return fmt.Sprintf("%sexpected a list %s, got a table with key %s (a map where a list is expected)", at(path), t.String(), key) + r.listExample(t)
		}
		for i := 1; i <= n; i++ {
			if msg := r.typeProblem(L, spec, t.Elems[0], tb.RawGetInt(i), fmt.Sprintf("%s[%d]", path, i), depth+1); msg != "" {
				return msg
			}
		}
		return ""
	case apispec.Tuple:
		tb, ok := v.(*lua.LTable)
		if !ok {
			return want()
		}
		if key := r.nonIndexKey(L, tb, len(t.Elems)); key != "" {
			return fmt.Sprintf("%sexpected %s, got a table with key %s", at(path), t.String(), key)
		}
		for i, e := range t.Elems {
			item := tb.RawGetInt(i + 1)
			if item == lua.LNil && !e.Optional() {
				return fmt.Sprintf("%sexpected %s, got %s", at(path), t.String(), r.describe(L, v))
			}
			if msg := r.typeProblem(L, spec, e, item, fmt.Sprintf("%s[%d]", path, i+1), depth+1); msg != "" {
				return msg
			}
		}
		return ""
	case apispec.Map:
		tb, ok := v.(*lua.LTable)
		if !ok {
			return want()
		}
		return firstProblem(tb, func(k, val lua.LValue) string {
			if msg := r.typeProblem(L, spec, t.Elems[0], k, path+" key", depth+1); msg != "" {
				return msg
			}
			return r.typeProblem(L, spec, t.Elems[1], val, path+"["+r.describeKey(L, k)+"]", depth+1)
		})
	case apispec.Named:
		c := spec.Classes[t.Name]
		if c == nil {
			return ""
		}
		switch c.Kind {
		case apispec.Object:
			return fits(r.isInstance(L, c, v))
		case apispec.Record:
			return fits(isTable)
		}
		return r.optionsProblem(L, spec, c, v, path, depth)
	}
	return ""
}

// cannotFit reports, from v's Lua type (and a literal's text) alone,
// that v does not fit t: typeProblem would return a message. It answers
// false when it cannot tell.
func cannotFit(spec *apispec.Spec, t *apispec.Type, v lua.LValue) bool {
	switch t.Kind {
	case apispec.Nil:
		return v != lua.LNil
	case apispec.String:
		switch v.(type) {
		case lua.LString, lua.LNumber:
			return false
		}
		return true
	case apispec.Number, apispec.Integer:
		switch v.(type) {
		case lua.LString, lua.LNumber:
			return false
		}
		return true
	case apispec.Boolean:
		_, ok := v.(lua.LBool)
		return !ok
	case apispec.Literal:
		switch v := v.(type) {
		case lua.LString:
			return !isLiteral(t.Lit, string(v))
		case lua.LBool:
			return false
		}
		return true
	case apispec.Table, apispec.Struct, apispec.List, apispec.Tuple, apispec.Map:
		_, ok := v.(*lua.LTable)
		return !ok
	case apispec.Named:
		if c := spec.Classes[t.Name]; c != nil && (c.Kind == apispec.Record || c.Kind == apispec.Options) {
			_, ok := v.(*lua.LTable)
			return !ok
		}
	}
	return false
}

// isLiteral reports whether s is the string literal lit as the spec
// writes it (quoted): strconv.Quote(s) == lit, without quoting s. A
// literal without escapes is s in quotes, and Quote leaves printable
// ASCII other than `"` and `\` as it is; anything else is quoted.
func isLiteral(lit, s string) bool {
	if strings.IndexByte(lit, '\\') >= 0 {
		return strconv.Quote(s) == lit
	}
	if len(lit) != len(s)+2 || lit[1:len(lit)-1] != s {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return strconv.Quote(s) == lit
		}
	}
	return lit[0] == '"' && lit[len(lit)-1] == '"'
}

// nonIndexKey describes the first key of tb, in firstProblem's order, that
// is not an index 1..n, or returns "" when there is none: what makes a
// table not a list (or not a tuple of n).
func (r *run) nonIndexKey(L *lua.LState, tb *lua.LTable, n int) string {
	return firstProblem(tb, func(k, _ lua.LValue) string {
		if isIndex(k, n) {
			return ""
		}
		return r.describeKey(L, k)
	})
}

// firstProblem runs check over tb's entries and returns the first problem.
// When there is one, the entries are checked again in a fixed order
// (numbers, then strings, each sorted), so the message does not depend on
// the table's iteration order; a table that fits is walked once.
func firstProblem(tb *lua.LTable, check func(k, v lua.LValue) string) string {
	found := false
	tb.ForEach(func(k, v lua.LValue) {
		if !found && check(k, v) != "" {
			found = true
		}
	})
	if !found {
		return ""
	}
	for _, k := range sortedKeys(tb) {
		if msg := check(k, tb.RawGet(k)); msg != "" {
			return msg
		}
	}
	return ""
}

// sortedKeys lists tb's keys: numbers ascending, then strings sorted,
// then the rest in iteration order.
func sortedKeys(tb *lua.LTable) []lua.LValue {
	var keys []lua.LValue
	tb.ForEach(func(k, _ lua.LValue) { keys = append(keys, k) })
	rank := func(v lua.LValue) int {
		switch v.(type) {
		case lua.LNumber:
			return 0
		case lua.LString:
			return 1
		}
		return 2
	}
	sort.SliceStable(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if rank(a) != rank(b) {
			return rank(a) < rank(b)
		}
		switch a := a.(type) {
		case lua.LNumber:
			return a < b.(lua.LNumber)
		case lua.LString:
			return a < b.(lua.LString)
		}
		return false
	})
	return keys
}

// at prefixes a message with the path of the value it is about.
func at(path string) string {
	if path == "" {
		return ""
	}
	return path + ": "
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// hasOptions reports whether t is, or is a union with, an options table.
func hasOptions(spec *apispec.Spec, t *apispec.Type) bool {
	switch t.Kind {
	case apispec.Named:
		c := spec.Classes[t.Name]
		return c != nil && c.Kind == apispec.Options
	case apispec.Union:
		for _, e := range t.Elems {
			if hasOptions(spec, e) {
				return true
			}
		}
	}
	return false
}

// tableish reports whether a type describes a table's contents.
func tableish(spec *apispec.Spec, t *apispec.Type) bool {
	switch t.Kind {
	case apispec.List, apispec.Tuple, apispec.Map:
		return true
	case apispec.Named:
		c := spec.Classes[t.Name]
		return c != nil && c.Kind == apispec.Options
	}
	return false
}

func isIndex(k lua.LValue, n int) bool {
	num, ok := k.(lua.LNumber)
	return ok && float64(num) == math.Trunc(float64(num)) && num >= 1 && int(num) <= n
}

// optionsProblem checks an options table: every key known, every value
// of its declared type, required keys present.
func (r *run) optionsProblem(L *lua.LState, spec *apispec.Spec, c *apispec.Class, v lua.LValue, path string, depth int) string {
	tb, ok := v.(*lua.LTable)
	if !ok {
		return fmt.Sprintf("%sexpected an options table (%s), got %s", at(path), c.Name, r.describe(L, v))
	}
	n := 0
	if len(c.Items) > 0 || c.ArrayType() != nil {
		n = tb.Len()
	}
	bad := firstProblem(tb, func(k, val lua.LValue) string {
		switch k := k.(type) {
		case lua.LString:
			f := c.Field(string(k))
			if f == nil {
				return r.unknownKey(spec, c, path, string(k))
			}
			if val != lua.LNil {
				return r.typeProblem(L, spec, f.Type, val, join(path, string(k)), depth+1)
			}
			return ""
		default:
			if !isIndex(k, n) {
				return fmt.Sprintf("%sunexpected positional value %s in the options (keys: %s)",
					at(path), r.describe(L, val), strings.Join(spec.FieldNames(c), ", "))
			}
			i := int(k.(lua.LNumber))
			var ft *apispec.Type
			if items := c.ItemFields(); i <= len(items) {
				ft = items[i-1].Type
			} else if c.ArrayType() != nil {
				ft = c.ArrayType()
			}
			if ft == nil {
				return fmt.Sprintf("%sunexpected positional value %s (at [%d])", at(path), r.describe(L, val), i)
			}
			return r.typeProblem(L, spec, ft, val, fmt.Sprintf("%s[%d]", path, i), depth+1)
		}
	})
	if bad != "" {
		return bad
	}
	for _, f := range c.OwnFields() {
		if !f.Optional && tb.RawGetString(f.Name) == lua.LNil {
			return fmt.Sprintf("%s%s is required (%s)", at(path), f.Name, f.TypeSrc)
		}
	}
	for i, f := range c.ItemFields() {
		if !f.Optional && tb.RawGetInt(i+1) == lua.LNil {
			return fmt.Sprintf("%sitem [%d] (%s: %s) is required", at(path), i+1, f.Name, f.TypeSrc)
		}
	}
	return ""
}

func (r *run) unknownKey(spec *apispec.Spec, c *apispec.Class, path, key string) string {
	names := spec.FieldNames(c)
	msg := fmt.Sprintf("unknown option '%s'", key)
	if path != "" {
		msg = fmt.Sprintf("%s: unknown key '%s'", path, key)
	}
	if near := nearest(key, names); near != "" {
		msg += fmt.Sprintf(" (did you mean '%s'?)", near)
	}
	return msg + "; known: " + strings.Join(names, ", ")
}

// listExample suggests the list form for a list of pairs.
func (r *run) listExample(t *apispec.Type) string {
	if e := t.Elems[0]; e.Kind == apispec.Tuple && len(e.Elems) == 2 {
		return `; write it as a list of pairs: {{"Name", "value"}, ...}`
	}
	return ""
}

// describe renders a value for a message: its type, and for short scalars
// the value (secrets masked).
func (r *run) describe(L *lua.LState, v lua.LValue) string {
	switch v := v.(type) {
	case *lua.LNilType:
		return "nil"
	case lua.LString:
		s := string(v)
		if len(s) > 40 {
			s = s[:40] + "…"
		}
		return "string " + strconv.Quote(r.mask(s))
	case lua.LNumber:
		return "number " + v.String()
	case lua.LBool:
		return "boolean " + v.String()
	case *lua.LTable:
		n := v.Len()
		var keys []string
		for _, k := range sortedKeys(v) {
			if !isIndex(k, n) {
				keys = append(keys, r.describeKey(L, k))
			}
		}
		more := len(keys) > 3
		if more {
			keys = keys[:3]
		}
		switch {
		case len(keys) == 0 && n == 0:
			return "an empty table"
		case len(keys) == 0:
			return fmt.Sprintf("a list of %d", n)
		}
		s := "a table with keys " + strings.Join(keys, ", ")
		if more {
			s += ", …"
		}
		return s
	case *lua.LFunction:
		return "a function"
	case *lua.LUserData:
		if _, ok := v.Value.(*luaSession); ok {
			return "a session"
		}
		if _, ok := toPattern(v); ok {
			return "a regex"
		}
		return "userdata"
	}
	return v.Type().String()
}

func (r *run) describeKey(L *lua.LState, k lua.LValue) string {
	if s, ok := k.(lua.LString); ok {
		return strconv.Quote(r.mask(string(s)))
	}
	return luaString(L, k)
}

// applySpec checks the Go-bound globals and global helper tables (base64,
// json, regex, ...) against the spec; the Lua modules are wrapped when
// required (setupRequire). It visits the declared functions (specTargets),
// not every key of every table: a bulk run does this once per row.
func (r *run) applySpec(L *lua.LState) {
	g := L.G.Global
	ts := specTargets(r.api().spec)
	for _, w := range ts.globals {
		switch v := g.RawGetString(w.key).(type) {
		case *lua.LFunction:
			g.RawSetString(w.key, r.wrapValue(L, w.name, v))
		case *lua.LTable:
			// A callable table (options) is checked through its __call,
			// whose first argument is the table itself.
			r.wrapCall(L, v, w.name)
		}
	}
	if osTable, ok := g.RawGetString(lua.OsLibName).(*lua.LTable); ok {
		osTable.RawSetString("exit", g.RawGetString("exit")) // os.exit is exit
	}
	for _, w := range ts.members {
		if t, ok := g.RawGetString(w.module).(*lua.LTable); ok {
			if v, isFn := t.RawGetString(w.key).(*lua.LFunction); isFn {
				t.RawSetString(w.key, r.wrapValue(L, w.name, v))
			}
		}
	}
}

// wrapCall checks the calls of a callable table against the declaration name.
func (r *run) wrapCall(L *lua.LState, t *lua.LTable, name string) {
	mt, ok := L.GetMetatable(t).(*lua.LTable)
	if !ok {
		return
	}
	call, ok := mt.RawGetString("__call").(*lua.LFunction)
	c := r.api().checker(name)
	if !ok || !call.IsG || c == nil {
		return
	}
	cc := *c
	cc.offset = 1
	fn := call.GFunction
	mt.RawSetString("__call", L.NewFunction(func(L *lua.LState) int {
		r.checkArgs(L, &cc, 1)
		return fn(L)
	}))
}

// specTarget is a declared function that applySpec checks: key in the
// globals (module "") or in the global table module.
type specTarget struct{ module, key, name string }

type specTargetList struct {
	globals, members []specTarget // members: of the modules that are globals, not required
}

var specTargetLists sync.Map // *apispec.Spec -> *specTargetList

func specTargets(spec *apispec.Spec) *specTargetList {
	if ts, ok := specTargetLists.Load(spec); ok {
		return ts.(*specTargetList)
	}
	ts := &specTargetList{}
	fns, _ := spec.Members("")
	for _, f := range fns {
		ts.globals = append(ts.globals, specTarget{key: f.Name, name: f.Name})
	}
	for _, m := range spec.ModuleNames() {
		if spec.Modules[m].Require {
			continue
		}
		fns, _ := spec.Members(m)
		for _, f := range fns {
			if f.Name == m+"."+f.Method {
				ts.members = append(ts.members, specTarget{module: m, key: f.Method, name: f.Name})
			}
		}
	}
	specTargetLists.Store(spec, ts)
	return ts
}
