// Package apispec is the one description of mailexpect's Lua API: every
// global, session method, module function and client method, with its
// parameters, option keys and their types, return shape, error kinds, a
// summary and a longer text with an example.
//
// From it come the argument checks every call goes through (luabind), the
// reference in docs/reference.md, the LuaLS stubs in docs/stubs/ and
// `mailexpect doc NAME`. A test in luabind holds the spec and the live
// runtime together both ways, so a function added to the runtime without
// an entry here (or an entry without a function) fails the build's tests.
//
// Adding a function: write its Func (and any option Class) in the file of
// its module here (or a new file with its own init calling Register), then
// run `go test ./luabind/apispec -update` to regenerate the reference, the
// stubs and spec_gen.go (the parsed spec as Go data, which a run uses
// instead of parsing); `go test ./luabind/` checks the spec against the
// runtime.
package apispec

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Func is one callable name.
type Func struct {
	// Sig is the signature in LuaLS-like syntax:
	//
	//	connect(addr: string, opts?: ConnectOptions) -> session
	//	smtp.Client:send(o: smtp.SendOptions) -> smtp.Reply
	//	print(...: any)
	//	pop3.Client:stat() -> count: integer, octets: integer
	//
	// A name with ':' is a method of the class before it.
	Sig     string
	Summary string   // one line, no final period needed
	Doc     string   // the longer text, with an example
	Errors  []string // the error kinds it raises (failure kinds)
	// Hint is added to a usage error about the arguments: how to write
	// the call right.
	Hint string
	// Optional: the runtime may lack it (under --restricted, or when a
	// condition such as --sandbox or --each does not hold).
	When string

	// Filled from Sig.
	Name     string  // "smtp.Client:send", "smtp.open", "connect"
	Module   string  // "smtp"; "" for a global
	Class    string  // "smtp.Client" for a method
	Method   string  // "send" for a method, else the last part of Name
	Params   []Param // without self
	Variadic *Param  // "...": any number more
	Returns  []Param
}

// Param is a parameter or a return value.
type Param struct {
	Name     string
	TypeSrc  string
	Type     *Type
	Optional bool // name?: T, or T accepts nil
}

// ClassKind says what a Class describes.
type ClassKind int

const (
	// Options is a table the script builds and passes in: its keys are
	// checked (unknown keys and wrong types are usage errors).
	Options ClassKind = iota
	// Object is a value the runtime makes with methods (a session, a
	// client, a compiled regex).
	Object
	// Record is a table the runtime returns (a reply, a match): fields
	// only, documented but not checked.
	Record
)

// Class is a named table shape or object type.
type Class struct {
	Name    string // "smtp.SendOptions", "session", "smtp.Client"
	Kind    ClassKind
	Var     string // Object: the variable used in messages and docs ("c" for c:send)
	Summary string
	Doc     string
	Fields  []Field
	// Items are the positional entries [1], [2], ... of an Options table
	// (an expect case is {pattern, handler}).
	Items []Field
	// Array is the type of the list part of an Options table (the cases
	// of s:expect{...}); "" means it has none.
	Array string
	// Extends names a Class whose fields this one has too.
	Extends string
	When    string // as Func.When

	Module  string
	arrayT  *Type
	fields  []*FieldSpec // own fields, parsed
	items   []*FieldSpec
	byField map[string]*FieldSpec
}

// Field is a key of a Class as declared: {"name?", "type", "doc"}; a
// trailing "?" marks an optional key.
type Field struct {
	Name    string
	TypeSrc string
	Doc     string
}

// FieldSpec is a Field parsed.
type FieldSpec struct {
	Name     string
	TypeSrc  string
	Doc      string
	Type     *Type
	Optional bool
}

// Value is a name that is not a function: a constant, a flag, a table of
// data (json.null, check.OK, dry_run, arg).
type Value struct {
	Name     string
	TypeSrc  string
	Summary  string
	Doc      string
	When     string
	Writable bool // a script may assign it (check.service)
	Module   string
	Type     *Type
}

// Module is a table of functions: a Lua module loaded with require, or a
// global table of helpers.
type Module struct {
	Name    string
	Summary string
	Doc     string
	// Require: loaded with require "name" (the protocol modules); else a
	// global table (also available through require).
	Require bool
	When    string
}

// API is what one file of the spec declares.
type API struct {
	Modules []Module
	Funcs   []Func
	Classes []Class
	Values  []Value
}

var (
	mu       sync.Mutex
	pending  []API
	built    *Spec
	buildErr error
)

// Register adds declarations; call it from an init function.
func Register(a API) {
	mu.Lock()
	defer mu.Unlock()
	pending = append(pending, a)
	built = nil
}

// Spec is the whole API, parsed and cross-checked.
type Spec struct {
	Modules map[string]*Module
	Funcs   map[string]*Func
	Classes map[string]*Class
	Values  map[string]*Value

	// types holds the types parsed while building, by source: most
	// declarations repeat a few (string, integer, string|regex), and a
	// Type is never changed once parsed, so one parse serves them all.
	types map[string]*Type
}

// parseType is ParseType, once per distinct source.
func (s *Spec) parseType(src string) (*Type, error) {
	if t := s.types[src]; t != nil {
		return t, nil
	}
	t, err := ParseType(src)
	if err == nil {
		s.types[src] = t
	}
	return t, err
}

// generated, when spec_gen.go is there, returns the spec as build made
// it from the declarations when the file was written (go test -update):
// Go data the compiler lays out statically, so Build costs a few maps
// instead of a parse of every signature and type (half a millisecond at
// the start of every run). generatedSigs are the signatures it was made
// from, in declaration order; when they are not those registered (a
// declaration added or changed since), Build parses. The test of
// spec_gen.go holds the rest of the declarations to it.
var (
	generated     func() *Spec
	generatedSigs []string
)

// Get returns the spec, parsed. It panics when a declaration is malformed:
// the spec is code, and its test catches that first.
func Get() *Spec {
	s, err := Build()
	if err != nil {
		panic(err)
	}
	return s
}

// Build parses and cross-checks every registered declaration.
func Build() (*Spec, error) {
	mu.Lock()
	defer mu.Unlock()
	if built != nil || buildErr != nil {
		return built, buildErr
	}
	if generated != nil && generatedMatches(pending) {
		built = generated()
		return built, nil
	}
	built, buildErr = build(pending)
	return built, buildErr
}

// declaredSigs lists the signatures of apis' functions in order.
func declaredSigs(apis []API) []string {
	var sigs []string
	for _, a := range apis {
		for _, f := range a.Funcs {
			sigs = append(sigs, f.Sig)
		}
	}
	return sigs
}

// generatedMatches reports whether apis declare the functions the
// generated spec was made from.
func generatedMatches(apis []API) bool {
	i := 0
	for _, a := range apis {
		for _, f := range a.Funcs {
			if i >= len(generatedSigs) || generatedSigs[i] != f.Sig {
				return false
			}
			i++
		}
	}
	return i == len(generatedSigs)
}

func build(apis []API) (*Spec, error) {
	s := &Spec{Modules: map[string]*Module{}, Funcs: map[string]*Func{}, Classes: map[string]*Class{}, Values: map[string]*Value{}, types: map[string]*Type{}}
	var errs []string
	fail := func(format string, a ...any) { errs = append(errs, fmt.Sprintf(format, a...)) }
	for _, a := range apis {
		for i := range a.Modules {
			m := a.Modules[i]
			if s.Modules[m.Name] != nil {
				fail("module %s declared twice", m.Name)
			}
			s.Modules[m.Name] = &m
		}
	}
	for _, a := range apis {
		for i := range a.Classes {
			c := a.Classes[i]
			if s.Classes[c.Name] != nil {
				fail("class %s declared twice", c.Name)
			}
			c.Module = s.moduleOf(c.Name)
			s.Classes[c.Name] = &c
		}
		for i := range a.Funcs {
			f := a.Funcs[i]
			if err := s.parseSig(&f); err != nil {
				fail("%v", err)
				continue
			}
			if s.Funcs[f.Name] != nil {
				fail("%s declared twice", f.Name)
			}
			s.Funcs[f.Name] = &f
		}
		for i := range a.Values {
			v := a.Values[i]
			t, err := s.parseType(v.TypeSrc)
			if err != nil {
				fail("%s: %v", v.Name, err)
				continue
			}
			v.Type = t
			v.Module = s.moduleOf(v.Name)
			if s.Values[v.Name] != nil || s.Funcs[v.Name] != nil {
				fail("%s declared twice", v.Name)
			}
			s.Values[v.Name] = &v
		}
	}
	for _, c := range s.Classes {
		c.byField = map[string]*FieldSpec{}
		parse := func(list []Field) []*FieldSpec {
			var out []*FieldSpec
			for _, f := range list {
				fs := &FieldSpec{Name: strings.TrimSuffix(f.Name, "?"), TypeSrc: f.TypeSrc, Doc: f.Doc, Optional: strings.HasSuffix(f.Name, "?")}
				t, err := s.parseType(f.TypeSrc)
				if err != nil {
					fail("%s.%s: %v", c.Name, fs.Name, err)
					t = &Type{Kind: Any, src: "any"}
				}
				fs.Type = t
				out = append(out, fs)
			}
			return out
		}
		c.fields, c.items = parse(c.Fields), parse(c.Items)
		for _, f := range c.fields {
			c.byField[f.Name] = f
		}
		if c.Array != "" {
			t, err := s.parseType(c.Array)
			if err != nil {
				fail("%s: array part: %v", c.Name, err)
			}
			c.arrayT = t
		}
		if c.Extends != "" && s.Classes[c.Extends] == nil {
			fail("%s extends undeclared class %s", c.Name, c.Extends)
		}
	}
	// Inherited fields, after every class has its own parsed.
	for _, c := range s.Classes {
		for p := s.Classes[c.Extends]; p != nil; p = s.Classes[p.Extends] {
			for _, f := range p.fields {
				if c.byField[f.Name] == nil {
					c.byField[f.Name] = f
				}
			}
		}
	}
	// Every named type must be declared.
	check := func(where string, t *Type) {
		walkType(t, func(t *Type) {
			if t.Kind == Named && s.Classes[t.Name] == nil {
				fail("%s: type %s is not declared (add a Class)", where, t.Name)
			}
		})
	}
	for _, f := range s.Funcs {
		for _, p := range f.Params {
			check(f.Name, p.Type)
		}
		for _, p := range f.Returns {
			check(f.Name, p.Type)
		}
		if f.Class != "" && s.Classes[f.Class] == nil {
			fail("%s: class %s is not declared", f.Name, f.Class)
		}
		if f.Summary == "" {
			fail("%s has no Summary", f.Name)
		}
	}
	for _, c := range s.Classes {
		for _, f := range append(append([]*FieldSpec(nil), c.fields...), c.items...) {
			check(c.Name+"."+f.Name, f.Type)
		}
		if c.arrayT != nil {
			check(c.Name, c.arrayT)
		}
	}
	for _, v := range s.Values {
		check(v.Name, v.Type)
	}
	if len(errs) > 0 {
		sort.Strings(errs)
		return nil, fmt.Errorf("apispec:\n\t%s", strings.Join(errs, "\n\t"))
	}
	s.types = nil
	return s, nil
}

func walkType(t *Type, fn func(*Type)) {
	if t == nil {
		return
	}
	fn(t)
	for _, e := range t.Elems {
		walkType(e, fn)
	}
}

// moduleOf returns the declared module a dotted name lives in.
func (s *Spec) moduleOf(name string) string {
	if i := strings.IndexByte(name, '.'); i > 0 && s.Modules[name[:i]] != nil {
		return name[:i]
	}
	return ""
}

// parseSig fills f's parsed fields from f.Sig.
func (s *Spec) parseSig(f *Func) error {
	sig := f.Sig
	open := strings.IndexByte(sig, '(')
	if open < 0 {
		return fmt.Errorf("%q: no parameter list", sig)
	}
	close := matching(sig, open)
	if close < 0 {
		return fmt.Errorf("%q: unbalanced parentheses", sig)
	}
	f.Name = strings.TrimSpace(sig[:open])
	if i := strings.IndexByte(f.Name, ':'); i >= 0 {
		f.Class, f.Method = f.Name[:i], f.Name[i+1:]
	} else {
		f.Method = f.Name[strings.LastIndexByte(f.Name, '.')+1:]
	}
	f.Module = s.moduleOf(f.Name)
	params, err := s.parseParams(sig[open+1 : close])
	if err != nil {
		return fmt.Errorf("%s: %v", f.Name, err)
	}
	for i, p := range params {
		if p.Name == "..." {
			if i != len(params)-1 {
				return fmt.Errorf("%s: ... must come last", f.Name)
			}
			p := p
			f.Variadic = &p
			continue
		}
		f.Params = append(f.Params, p)
	}
	rest := strings.TrimSpace(sig[close+1:])
	if rest != "" {
		if !strings.HasPrefix(rest, "->") {
			return fmt.Errorf("%s: expected -> after the parameters, got %q", f.Name, rest)
		}
		rets, err := s.parseParams(strings.TrimSpace(rest[2:]))
		if err != nil {
			return fmt.Errorf("%s: returns: %v", f.Name, err)
		}
		f.Returns = rets
	}
	return nil
}

// walkTop calls visit(j, depth) for each byte of s from i on that is
// outside string literals, depth being the bracket depth once that byte
// is counted ("->" is an arrow, not a bracket). It returns the first j for
// which visit is true, or -1. The signature parsers below share it, so
// that they agree on what is nested.
func walkTop(s string, i int, visit func(j, depth int) bool) int {
	depth, inStr := 0, false
	for j := i; j < len(s); j++ {
		switch c := s[j]; {
		case c == '"':
			inStr = !inStr
			continue
		case inStr:
			continue
		case c == '(' || c == '{' || c == '<':
			depth++
		case c == ')' || c == '}' || c == '>' && (j == 0 || s[j-1] != '-'):
			depth--
		}
		if visit(j, depth) {
			return j
		}
	}
	return -1
}

// matching returns the index of the bracket closing the one at i.
func matching(s string, i int) int {
	return walkTop(s, i, func(_, depth int) bool { return depth == 0 })
}

// splitTop splits s at commas outside brackets and string literals.
func splitTop(s string) []string {
	var parts []string
	start := 0
	walkTop(s, 0, func(j, depth int) bool {
		if depth == 0 && s[j] == ',' {
			parts = append(parts, s[start:j])
			start = j + 1
		}
		return false
	})
	if strings.TrimSpace(s[start:]) != "" || len(parts) > 0 {
		parts = append(parts, s[start:])
	}
	return parts
}

// parseParams parses "a: T, b?: U, ...: any" (names may be left out in a
// return list: "integer, integer").
func (s *Spec) parseParams(src string) ([]Param, error) {
	var out []Param
	for _, part := range splitTop(src) {
		part = strings.TrimSpace(part)
		if part == "" {
			return nil, fmt.Errorf("empty parameter in %q", src)
		}
		var p Param
		name, typ, ok := cutTopColon(part)
		if ok {
			p.Name = strings.TrimSpace(name)
			p.TypeSrc = strings.TrimSpace(typ)
		} else {
			p.TypeSrc = part
		}
		if strings.HasSuffix(p.Name, "?") {
			p.Name = strings.TrimSuffix(p.Name, "?")
			p.Optional = true
		}
		t, err := s.parseType(p.TypeSrc)
		if err != nil {
			return nil, err
		}
		p.Type = t
		if t.Optional() {
			p.Optional = true
		}
		out = append(out, p)
	}
	return out, nil
}

// cutTopColon cuts "name: type" at a colon outside brackets and string
// literals.
func cutTopColon(s string) (string, string, bool) {
	j := walkTop(s, 0, func(j, depth int) bool { return depth == 0 && s[j] == ':' })
	if j < 0 {
		return "", "", false
	}
	return s[:j], s[j+1:], true
}

// Field returns the field of c named key (inherited ones too).
func (c *Class) Field(key string) *FieldSpec { return c.byField[key] }

// OwnFields are c's own fields, parsed, in declaration order.
func (c *Class) OwnFields() []*FieldSpec { return c.fields }

// ItemFields are c's positional items, parsed.
func (c *Class) ItemFields() []*FieldSpec { return c.items }

// FieldNames lists c's keys, its own first, then inherited ones, sorted
// within each group.
func (s *Spec) FieldNames(c *Class) []string {
	var names []string
	seen := map[string]bool{}
	for k := c; k != nil; k = s.Classes[k.Extends] {
		var group []string
		for _, f := range k.fields {
			if !seen[f.Name] {
				seen[f.Name] = true
				group = append(group, f.Name)
			}
		}
		names = append(names, group...)
	}
	return names
}

// ArrayType is the type of the list part of an Options table, or nil.
func (c *Class) ArrayType() *Type { return c.arrayT }

// Methods lists the methods of class c, sorted by name.
func (s *Spec) Methods(class string) []*Func {
	var out []*Func
	for _, f := range s.Funcs {
		if f.Class == class {
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Members lists the functions and values of module m (globals for ""),
// sorted by name.
func (s *Spec) Members(m string) (funcs []*Func, values []*Value) {
	for _, f := range s.Funcs {
		if f.Class == "" && f.Module == m {
			funcs = append(funcs, f)
		}
	}
	for _, v := range s.Values {
		if v.Module == m {
			values = append(values, v)
		}
	}
	sort.Slice(funcs, func(i, j int) bool { return funcs[i].Name < funcs[j].Name })
	sort.Slice(values, func(i, j int) bool { return values[i].Name < values[j].Name })
	return funcs, values
}

// ModuleNames lists the modules, sorted.
func (s *Spec) ModuleNames() []string { return slices.Sorted(maps.Keys(s.Modules)) }

// ClassNames lists the classes, sorted.
func (s *Spec) ClassNames() []string { return slices.Sorted(maps.Keys(s.Classes)) }

// Display is how messages name a function: "c:send" for smtp.Client:send
// (the class's Var), "smtp.open", "connect".
func (s *Spec) Display(f *Func) string {
	if f.Class != "" {
		if c := s.Classes[f.Class]; c != nil && c.Var != "" {
			return c.Var + ":" + f.Method
		}
	}
	return f.Name
}

// Usage renders a function's parameters as a call: "criteria [, opts]".
func (f *Func) Usage() string {
	var b strings.Builder
	opt := 0
	for i, p := range f.Params {
		sep := ""
		if i > 0 {
			sep = ", "
		}
		if p.Optional {
			b.WriteString(" [" + sep)
			opt++
		} else {
			b.WriteString(sep)
		}
		b.WriteString(p.Name)
	}
	if f.Variadic != nil {
		if len(f.Params) > 0 {
			b.WriteString(", ")
		}
		b.WriteString("...")
	}
	b.WriteString(strings.Repeat("]", opt))
	return strings.TrimSpace(b.String())
}
