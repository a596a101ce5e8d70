package apispec

import (
	"fmt"
	"sort"
	"strings"
)

// Stubs renders the LuaLS definition files (---@meta), one per module
// loaded with require plus mailexpect.lua for the globals, the session and
// the global helper tables. File name -> content.
func (s *Spec) Stubs() map[string]string {
	files := map[string]string{}
	var g strings.Builder
	g.WriteString("---@meta\n-- mailexpect's globals for lua-language-server. Generated from luabind/apispec\n-- by \"go test ./luabind/apispec -update\"; do not edit.\n\n")
	funcs, values := s.Members("")
	callable := map[string]bool{}
	for _, v := range values {
		if i := strings.IndexByte(v.Name, '.'); i > 0 && s.Funcs[v.Name[:i]] != nil {
			callable[v.Name[:i]] = true
		}
	}
	for _, f := range funcs {
		if callable[f.Name] {
			s.stubCallableTable(&g, f, values)
			continue
		}
		s.stubFunc(&g, f, "")
	}
	for _, v := range values {
		if i := strings.IndexByte(v.Name, '.'); i > 0 && callable[v.Name[:i]] {
			continue
		}
		stubComment(&g, v.Summary, v.Doc)
		fmt.Fprintf(&g, "---@type %s\n%s = nil\n\n", luaType(v.Type), v.Name)
	}
	for _, cn := range s.ClassNames() {
		if c := s.Classes[cn]; c.Module == "" {
			s.stubClass(&g, c)
		}
	}
	for _, m := range s.ModuleNames() {
		mod := s.Modules[m]
		var b *strings.Builder
		if mod.Require {
			b = &strings.Builder{}
			fmt.Fprintf(b, "---@meta %s\n-- require %q, for lua-language-server. Generated from luabind/apispec; do not edit.\n\n", m, m)
		} else {
			b = &g
		}
		stubComment(b, mod.Summary, mod.Doc)
		if mod.Require {
			fmt.Fprintf(b, "local %s = {}\n\n", m)
		} else {
			fmt.Fprintf(b, "%s = {}\n\n", m)
		}
		funcs, values := s.Members(m)
		for _, f := range funcs {
			s.stubFunc(b, f, "")
		}
		for _, v := range values {
			stubComment(b, v.Summary, v.Doc)
			fmt.Fprintf(b, "---@type %s\n%s = nil\n\n", luaType(v.Type), v.Name)
		}
		for _, cn := range s.ClassNames() {
			if c := s.Classes[cn]; c.Module == m {
				s.stubClass(b, c)
			}
		}
		if mod.Require {
			fmt.Fprintf(b, "return %s\n", m)
			files[m+".lua"] = b.String()
		}
	}
	files["mailexpect.lua"] = g.String()
	return files
}

func stubComment(b *strings.Builder, summary, doc string) {
	if summary != "" {
		fmt.Fprintf(b, "---%s.\n", upperFirst(summary))
	}
	if doc != "" {
		b.WriteString("---\n")
		for _, l := range strings.Split(strings.TrimRight(doc, "\n"), "\n") {
			b.WriteString("---" + l + "\n")
		}
	}
}

// classVar is the Lua identifier a class's method table gets in a stub.
func classVar(name string) string { return strings.ReplaceAll(name, ".", "_") }

func (s *Spec) stubClass(b *strings.Builder, c *Class) {
	stubComment(b, c.Summary, c.Doc)
	head := "---@class " + c.Name
	if c.Extends != "" {
		head += ": " + c.Extends
	}
	b.WriteString(head + "\n")
	for _, f := range c.fields {
		opt := ""
		if f.Optional {
			opt = "?"
		}
		fmt.Fprintln(b, strings.TrimSpace(fmt.Sprintf("---@field %s%s %s %s", f.Name, opt, luaType(f.Type), f.Doc)))
	}
	for i, f := range c.items {
		fmt.Fprintln(b, strings.TrimSpace(fmt.Sprintf("---@field [%d] %s %s", i+1, luaType(f.Type), f.Doc)))
	}
	if c.arrayT != nil {
		fmt.Fprintf(b, "---@field [integer] %s\n", luaType(c.arrayT))
	}
	methods := s.Methods(c.Name)
	if len(methods) == 0 {
		b.WriteString("\n")
		return
	}
	v := classVar(c.Name)
	fmt.Fprintf(b, "local %s = {}\n\n", v)
	for _, f := range methods {
		s.stubFunc(b, f, v)
	}
}

func (s *Spec) stubFunc(b *strings.Builder, f *Func, receiver string) {
	stubComment(b, f.Summary, f.Doc)
	var names []string
	for _, p := range f.Params {
		opt := ""
		if p.Optional {
			opt = "?"
		}
		fmt.Fprintf(b, "---@param %s%s %s\n", luaName(p.Name), opt, luaType(p.Type))
		names = append(names, luaName(p.Name))
	}
	if f.Variadic != nil {
		fmt.Fprintf(b, "---@param ... %s\n", luaType(f.Variadic.Type))
		names = append(names, "...")
	}
	for _, r := range f.Returns {
		fmt.Fprintln(b, strings.TrimSpace(fmt.Sprintf("---@return %s %s", luaType(r.Type), r.Name)))
	}
	name := f.Name
	if receiver != "" {
		name = receiver + ":" + f.Method
	}
	fmt.Fprintf(b, "function %s(%s) end\n\n", name, strings.Join(names, ", "))
}

// stubCallableTable renders a global that is a callable table with
// fields (options and options.string ...).
func (s *Spec) stubCallableTable(b *strings.Builder, f *Func, values []*Value) {
	stubComment(b, f.Summary, f.Doc)
	fmt.Fprintf(b, "---@class mailexpect.%s\n", f.Name)
	var ps, rs []string
	for _, p := range f.Params {
		opt := ""
		if p.Optional {
			opt = "?"
		}
		ps = append(ps, luaName(p.Name)+opt+": "+luaType(p.Type))
	}
	for _, r := range f.Returns {
		rs = append(rs, luaType(r.Type))
	}
	ret := ""
	if len(rs) > 0 {
		ret = ": " + strings.Join(rs, ", ")
	}
	fmt.Fprintf(b, "---@overload fun(%s)%s\n", strings.Join(ps, ", "), ret)
	sort.Slice(values, func(i, j int) bool { return values[i].Name < values[j].Name })
	for _, v := range values {
		if strings.HasPrefix(v.Name, f.Name+".") {
			fmt.Fprintf(b, "---@field %s %s %s\n", strings.TrimPrefix(v.Name, f.Name+"."), luaType(v.Type), v.Summary)
		}
	}
	fmt.Fprintf(b, "%s = {}\n\n", f.Name)
}

// luaName keeps parameter names valid Lua identifiers.
func luaName(n string) string {
	switch n {
	case "end", "function", "local", "repeat", "until", "then", "in", "do", "and", "or", "not":
		return n + "_"
	}
	return n
}

// luaType renders a type in LuaLS syntax: as written, except tuples,
// which LuaLS writes [A, B].
func luaType(t *Type) string {
	switch t.Kind {
	case Tuple:
		var parts []string
		for _, e := range t.Elems {
			parts = append(parts, luaType(e))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case List:
		inner := luaType(t.Elems[0])
		if t.Elems[0].Kind == Union {
			inner = "(" + inner + ")"
		}
		return inner + "[]"
	case Union:
		var parts []string
		for _, e := range t.Elems {
			parts = append(parts, luaType(e))
		}
		return strings.Join(parts, "|")
	case Map:
		return "table<" + luaType(t.Elems[0]) + ", " + luaType(t.Elems[1]) + ">"
	case Struct:
		var parts []string
		for i, e := range t.Elems {
			parts = append(parts, t.Keys[i]+": "+luaType(e))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return t.String()
}
