package luabind

import (
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestFunctionWriters: a reused bulk state's record reads its functions
// only after setfenv, debug.setfenv or module ran (countEnvWrites,
// stateSnapshot.envWrites). That holds while gopher-lua writes a
// function's Env, PreCall and Upvalues only where it makes the function,
// and changes an existing one's Env only in those three and the Go API
// they call, which luabind does not use. This test reads the fork's
// source and luabind's, and fails on any other writer: count it in
// countEnvWrites, or have the record read functions again.
func TestFunctionWriters(t *testing.T) {
	const dir = "../third_party/gopher-lua"
	fset := token.NewFileSet()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, e := range entries {
		n := e.Name()
		// _vm.go and _state.go are the generator's sources; Go skips them
		if !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") || strings.HasPrefix(n, "_") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, n), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	info := &types.Info{Uses: map[*ast.Ident]types.Object{}, Defs: map[*ast.Ident]types.Object{},
		Selections: map[*ast.SelectorExpr]*types.Selection{}}
	conf := types.Config{Importer: importer.ForCompiler(fset, "source", nil)}
	pkg, err := conf.Check("lua", fset, files, info)
	if err != nil {
		t.Fatal(err)
	}
	lfunction := pkg.Scope().Lookup("LFunction").Type()
	setFEnv, _, _ := types.LookupFieldOrMethod(types.NewPointer(pkg.Scope().Lookup("LState").Type()), true, pkg, "SetFEnv")
	field := map[string]bool{"Env": true, "PreCall": true, "Upvalues": true}
	isFunctionField := func(sel *ast.SelectorExpr) bool {
		s := info.Selections[sel]
		if s == nil || s.Kind() != types.FieldVal || !field[sel.Sel.Name] {
			return false
		}
		recv := s.Recv()
		if p, ok := recv.(*types.Pointer); ok {
			recv = p.Elem()
		}
		return types.Identical(recv, lfunction)
	}

	// Who may write them: where a function is made, and the setfenv path.
	want := map[string]string{
		"NewFunction":  "makes a Go function",
		"NewClosure":   "makes a Go closure",
		"init":         "OP_CLOSURE makes a Lua closure (the VM's jump table)",
		"SetFEnv":      "the Go API that debug.setfenv and module call",
		"baseSetFEnv":  "setfenv (counted)",
		"loModule":     "module (counted)",
		"debugSetFEnv": "debug.setfenv (counted)",
		"Replace":      "Replace(EnvironIndex, t): the Go API, which luabind does not call",
	}
	got := map[string]bool{}
	for _, file := range files {
		for _, d := range file.Decls {
			name := "(package level)"
			if fd, ok := d.(*ast.FuncDecl); ok {
				name = fd.Name.Name
			}
			ast.Inspect(d, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.AssignStmt:
					for _, lhs := range n.Lhs {
						if ix, ok := lhs.(*ast.IndexExpr); ok {
							lhs = ix.X
						}
						if sel, ok := lhs.(*ast.SelectorExpr); ok && isFunctionField(sel) {
							got[name] = true
							if _, ok := want[name]; !ok {
								t.Errorf("%s: %s writes a function's %s", fset.Position(sel.Pos()), name, sel.Sel.Name)
							}
						}
					}
				case *ast.SelectorExpr:
					if s := info.Selections[n]; s != nil && s.Obj() == setFEnv {
						got[name] = true
						if _, ok := want[name]; !ok {
							t.Errorf("%s: %s calls SetFEnv", fset.Position(n.Pos()), name)
						}
					}
				}
				return true
			})
		}
	}
	var missing []string
	for name := range want {
		if !got[name] {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("no longer found writing a function's environment: %v (the test no longer finds the writers)", missing)
	}

	// luabind itself changes no function after making it: it writes
	// Env, PreCall and Upvalues only of a value the same function has just
	// made (a literal, or L.NewFunction...), and never calls SetFEnv or
	// Replace(EnvironIndex, ...).
	own, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	lfset := token.NewFileSet()
	for _, name := range own {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(lfset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fresh := map[string]bool{} // x := T{...}, &T{...}, L.NewFunction(...)
			ast.Inspect(d, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.AssignStmt:
					if n.Tok == token.DEFINE {
						for i, lhs := range n.Lhs {
							if id, ok := lhs.(*ast.Ident); ok && i < len(n.Rhs) && made(n.Rhs[i]) {
								fresh[id.Name] = true
							}
						}
						break
					}
					for _, lhs := range n.Lhs {
						if ix, ok := lhs.(*ast.IndexExpr); ok {
							lhs = ix.X
						}
						sel, ok := lhs.(*ast.SelectorExpr)
						if !ok || !field[sel.Sel.Name] {
							continue
						}
						if id, ok := sel.X.(*ast.Ident); !ok || !fresh[id.Name] {
							t.Errorf("%s: writes %s of a value it did not make", lfset.Position(sel.Pos()), sel.Sel.Name)
						}
					}
				case *ast.SelectorExpr:
					if n.Sel.Name == "SetFEnv" || n.Sel.Name == "EnvironIndex" {
						t.Errorf("%s: uses %s", lfset.Position(n.Pos()), n.Sel.Name)
					}
				}
				return true
			})
		}
	}
}

// made: e is a value made right there (a composite literal, its address,
// or a call of a New... constructor).
func made(e ast.Expr) bool {
	if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.AND {
		e = u.X
	}
	switch e := e.(type) {
	case *ast.CompositeLit:
		return true
	case *ast.CallExpr:
		if sel, ok := e.Fun.(*ast.SelectorExpr); ok {
			return strings.HasPrefix(sel.Sel.Name, "New")
		}
	}
	return false
}
