package scripts_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/mailexpect/mailexpect/third_party/gopher-lua/ast"
	"github.com/mailexpect/mailexpect/third_party/gopher-lua/parse"
)

// lua-language-server is in neither Debian nor npm, so this test does the
// part of its check that matters here: every global, module member and
// method the shipped scripts use resolves in the LuaLS stubs of
// docs/stubs (which are generated from the API spec).

// stubNames is what the stubs declare.
type stubNames struct {
	globals map[string]bool            // connect, print, json (tables too)
	members map[string]map[string]bool // module or global table -> its names
	methods map[string]bool            // every method name of every class
}

var (
	stubFunc       = regexp.MustCompile(`(?m)^function ([A-Za-z_]\w*)\(`)
	stubGlobal     = regexp.MustCompile(`(?m)^([A-Za-z_]\w*) = `)
	stubMemberFunc = regexp.MustCompile(`(?m)^function ([A-Za-z_]\w*)\.([A-Za-z_]\w*)\(`)
	stubMemberVal  = regexp.MustCompile(`(?m)^([A-Za-z_]\w*)\.([A-Za-z_]\w*) = `)
	stubMethod     = regexp.MustCompile(`(?m)^function [A-Za-z_]\w*:([A-Za-z_]\w*)\(`)
	stubCallable   = regexp.MustCompile(`(?m)^---@class mailexpect\.(\w+)\n((?:---.*\n)*)`)
	stubField      = regexp.MustCompile(`(?m)^---@field (\w+) `)
	stubMeta       = regexp.MustCompile(`(?m)^---@meta (\w+)$`)
)

func loadStubs(t *testing.T) *stubNames {
	files, err := filepath.Glob("../docs/stubs/*.lua")
	if err != nil || len(files) == 0 {
		t.Fatalf("no stubs in docs/stubs: %v", err)
	}
	s := &stubNames{globals: map[string]bool{}, members: map[string]map[string]bool{}, methods: map[string]bool{}}
	member := func(mod, name string) {
		if s.members[mod] == nil {
			s.members[mod] = map[string]bool{}
		}
		s.members[mod][name] = true
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		if m := stubMeta.FindStringSubmatch(text); m != nil {
			s.members[m[1]] = map[string]bool{} // a module for require
		} else {
			for _, m := range stubFunc.FindAllStringSubmatch(text, -1) {
				s.globals[m[1]] = true
			}
			for _, m := range stubGlobal.FindAllStringSubmatch(text, -1) {
				s.globals[m[1]] = true
			}
		}
		for _, m := range stubMemberFunc.FindAllStringSubmatch(text, -1) {
			member(m[1], m[2])
		}
		for _, m := range stubMemberVal.FindAllStringSubmatch(text, -1) {
			member(m[1], m[2])
		}
		for _, m := range stubMethod.FindAllStringSubmatch(text, -1) {
			s.methods[m[1]] = true
		}
		for _, m := range stubCallable.FindAllStringSubmatch(text, -1) {
			for _, f := range stubField.FindAllStringSubmatch(m[2], -1) {
				member(m[1], f[1])
			}
		}
	}
	return s
}

// Lua 5.1's own names, and the methods of strings and files.
var (
	luaGlobals = strings.Fields(`_G _VERSION assert error getfenv getmetatable ipairs load loadstring loadfile dofile
		module next pairs pcall rawequal rawget rawset select setfenv setmetatable tonumber tostring type unpack
		xpcall require coroutine debug io math os package string table`)
	luaMethods = strings.Fields(`byte find format gmatch gsub len lower match rep reverse sub upper
		close flush lines read seek setvbuf write`)
)

// scopeWalker finds a script's free names, module member reads and
// method calls.
type scopeWalker struct {
	file    string
	scopes  []map[string]string // local name -> module it holds ("" for none)
	defined map[string]bool     // globals the script assigns
	report  func(pos int, format string, args ...any)
	stubs   *stubNames
}

func (w *scopeWalker) push()                    { w.scopes = append(w.scopes, map[string]string{}) }
func (w *scopeWalker) pop()                     { w.scopes = w.scopes[:len(w.scopes)-1] }
func (w *scopeWalker) declare(name, mod string) { w.scopes[len(w.scopes)-1][name] = mod }

func (w *scopeWalker) lookup(name string) (mod string, local bool) {
	for i := len(w.scopes) - 1; i >= 0; i-- {
		if m, ok := w.scopes[i][name]; ok {
			return m, true
		}
	}
	return "", false
}

func requireOf(e ast.Expr) string {
	call, ok := e.(*ast.FuncCallExpr)
	if !ok {
		return ""
	}
	if id, ok := call.Func.(*ast.IdentExpr); ok && id.Value == "require" && len(call.Args) == 1 {
		if s, ok := call.Args[0].(*ast.StringExpr); ok {
			return s.Value
		}
	}
	return ""
}

func (w *scopeWalker) block(stmts []ast.Stmt) {
	w.push()
	for _, s := range stmts {
		w.stmt(s)
	}
	w.pop()
}

func (w *scopeWalker) stmt(s ast.Stmt) {
	switch s := s.(type) {
	case *ast.LocalAssignStmt:
		for i, n := range s.Names {
			if i < len(s.Exprs) {
				if _, isFn := s.Exprs[i].(*ast.FunctionExpr); isFn {
					w.declare(n, "") // local function f: visible inside itself
				}
			}
		}
		for _, e := range s.Exprs {
			w.expr(e)
		}
		for i, n := range s.Names {
			mod := ""
			if i < len(s.Exprs) {
				mod = requireOf(s.Exprs[i])
				if id, ok := s.Exprs[i].(*ast.IdentExpr); ok && w.stubs.members[id.Value] != nil {
					if _, local := w.lookup(id.Value); !local {
						mod = id.Value // local json = json
					}
				}
			}
			w.declare(n, mod)
		}
	case *ast.AssignStmt:
		for _, e := range s.Rhs {
			w.expr(e)
		}
		for _, e := range s.Lhs {
			if id, ok := e.(*ast.IdentExpr); ok {
				if _, local := w.lookup(id.Value); !local {
					w.defined[id.Value] = true
				}
				continue
			}
			w.expr(e)
		}
	case *ast.FuncCallStmt:
		w.expr(s.Expr)
	case *ast.DoBlockStmt:
		w.block(s.Stmts)
	case *ast.WhileStmt:
		w.expr(s.Condition)
		w.block(s.Stmts)
	case *ast.RepeatStmt:
		w.push()
		for _, st := range s.Stmts {
			w.stmt(st)
		}
		w.expr(s.Condition)
		w.pop()
	case *ast.IfStmt:
		w.expr(s.Condition)
		w.block(s.Then)
		w.block(s.Else)
	case *ast.NumberForStmt:
		w.expr(s.Init)
		w.expr(s.Limit)
		if s.Step != nil {
			w.expr(s.Step)
		}
		w.push()
		w.declare(s.Name, "")
		w.block(s.Stmts)
		w.pop()
	case *ast.GenericForStmt:
		for _, e := range s.Exprs {
			w.expr(e)
		}
		w.push()
		for _, n := range s.Names {
			w.declare(n, "")
		}
		w.block(s.Stmts)
		w.pop()
	case *ast.FuncDefStmt:
		if s.Name.Func != nil {
			if id, ok := s.Name.Func.(*ast.IdentExpr); ok {
				if _, local := w.lookup(id.Value); !local {
					w.defined[id.Value] = true
				}
			} else {
				w.expr(s.Name.Func)
			}
		}
		if s.Name.Receiver != nil {
			if id, ok := s.Name.Receiver.(*ast.IdentExpr); !ok {
				w.expr(s.Name.Receiver)
			} else if _, local := w.lookup(id.Value); !local {
				w.defined[id.Value] = true
			}
		}
		w.function(s.Func, s.Name.Method != "")
	case *ast.ReturnStmt:
		for _, e := range s.Exprs {
			w.expr(e)
		}
	}
}

func (w *scopeWalker) function(f *ast.FunctionExpr, method bool) {
	w.push()
	if method {
		w.declare("self", "")
	}
	for _, n := range f.ParList.Names {
		w.declare(n, "")
	}
	w.block(f.Stmts)
	w.pop()
}

func (w *scopeWalker) expr(e ast.Expr) {
	switch e := e.(type) {
	case *ast.IdentExpr:
		if _, local := w.lookup(e.Value); !local {
			w.global(e.Value, e.Line())
		}
	case *ast.AttrGetExpr:
		if id, ok := e.Object.(*ast.IdentExpr); ok {
			mod, local := w.lookup(id.Value)
			if !local {
				w.global(id.Value, id.Line())
				mod = id.Value
			}
			if key, ok := e.Key.(*ast.StringExpr); ok && mod != "" && w.stubs.members[mod] != nil && !w.stubs.members[mod][key.Value] {
				w.report(e.Line(), "%s.%s is not in docs/stubs", mod, key.Value)
			}
		} else {
			w.expr(e.Object)
		}
		w.expr(e.Key)
	case *ast.TableExpr:
		for _, f := range e.Fields {
			if f.Key != nil {
				w.expr(f.Key)
			}
			w.expr(f.Value)
		}
	case *ast.FuncCallExpr:
		if e.Func != nil {
			w.expr(e.Func)
		}
		if e.Receiver != nil {
			w.expr(e.Receiver)
			if !w.stubs.methods[e.Method] && !slices.Contains(luaMethods, e.Method) {
				w.report(e.Line(), "method :%s is not a method of any class in docs/stubs", e.Method)
			}
		}
		for _, a := range e.Args {
			w.expr(a)
		}
	case *ast.LogicalOpExpr:
		w.expr(e.Lhs)
		w.expr(e.Rhs)
	case *ast.RelationalOpExpr:
		w.expr(e.Lhs)
		w.expr(e.Rhs)
	case *ast.StringConcatOpExpr:
		w.expr(e.Lhs)
		w.expr(e.Rhs)
	case *ast.ArithmeticOpExpr:
		w.expr(e.Lhs)
		w.expr(e.Rhs)
	case *ast.UnaryMinusOpExpr:
		w.expr(e.Expr)
	case *ast.UnaryNotOpExpr:
		w.expr(e.Expr)
	case *ast.UnaryLenOpExpr:
		w.expr(e.Expr)
	case *ast.FunctionExpr:
		w.function(e, false)
	}
}

// global checks a free name after the whole script was read (a script
// may define a global below its first use).
func (w *scopeWalker) global(name string, line int) {
	if w.stubs.globals[name] || slices.Contains(luaGlobals, name) {
		return
	}
	pendingGlobals = append(pendingGlobals, pendingGlobal{w, name, line})
}

type pendingGlobal struct {
	w    *scopeWalker
	name string
	line int
}

var pendingGlobals []pendingGlobal

func TestScriptsResolveInStubs(t *testing.T) {
	stubs := loadStubs(t)
	for _, must := range []string{"connect", "print", "json"} {
		if !stubs.globals[must] {
			t.Fatalf("the stubs lack the global %s", must)
		}
	}
	scripts, _ := filepath.Glob("*.lua")
	if len(scripts) < 5 {
		t.Fatalf("only %d scripts", len(scripts))
	}
	var problems []string
	for _, path := range scripts {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(src) > 0 && src[0] == '#' {
			src = append([]byte("--"), src...) // the shebang line, as the loader skips it
		}
		chunk, err := parse.Parse(strings.NewReader(string(src)), path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		w := &scopeWalker{file: path, defined: map[string]bool{}, stubs: stubs}
		w.report = func(line int, format string, args ...any) {
			problems = append(problems, fmt.Sprintf("scripts/%s:%d: %s", path, line, fmt.Sprintf(format, args...)))
		}
		pendingGlobals = nil
		w.block(chunk)
		for _, g := range pendingGlobals {
			if !w.defined[g.name] {
				w.report(g.line, "global %s is not in docs/stubs (nor defined by the script)", g.name)
			}
		}
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
	if len(problems) > 0 {
		t.Log("declare the name in luabind/apispec, then go test ./luabind/apispec -update")
	}
}

// The walker must be able to fail: a script using an undeclared global,
// module member and method is reported three times.
func TestStubCheckCatches(t *testing.T) {
	stubs := loadStubs(t)
	chunk, err := parse.Parse(strings.NewReader(`
local smtp = require "smtp"
local c = smtp.opne{host = "x"}
c:sned{}
conect("x")
local function ok() return json.encode({}) end
`), "bad.lua")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	w := &scopeWalker{defined: map[string]bool{}, stubs: stubs}
	w.report = func(line int, format string, args ...any) { got = append(got, fmt.Sprintf(format, args...)) }
	pendingGlobals = nil
	w.block(chunk)
	for _, g := range pendingGlobals {
		w.report(g.line, "global %s", g.name)
	}
	want := []string{"smtp.opne is not in docs/stubs", "method :sned is not a method of any class in docs/stubs", "global conect"}
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q, want %q", got, want)
	}
}
