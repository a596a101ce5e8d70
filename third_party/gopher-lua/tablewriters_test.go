package lua

import (
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"strings"
	"testing"
)

// mailexpect patch (table.go, Version): the version is only as good as
// the rule that every write to a table's entries moves it. This test
// reads the package's source (a patch that adds a fast path writing them
// is caught here, not by a leak): a function that writes an LTable's
// array, dict, strdict, svals or keys, or hands one of them to other code
// (a slice to a sorter), must move the version itself, or be called only
// from functions that do (addKey, toMap). Reading them (an index, len,
// range, a comparison with nil) is free, and so is filling a table the
// function has just made (newLTable).
func TestTableWritersMoveVersion(t *testing.T) {
	fset := token.NewFileSet()
	entries, err := os.ReadDir(".")
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
		f, err := parser.ParseFile(fset, n, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	info := &types.Info{Uses: map[*ast.Ident]types.Object{}, Defs: map[*ast.Ident]types.Object{}, Types: map[ast.Expr]types.TypeAndValue{},
		Selections: map[*ast.SelectorExpr]*types.Selection{}}
	conf := types.Config{Importer: importer.ForCompiler(fset, "source", nil)}
	pkg, err := conf.Check("lua", fset, files, info)
	if err != nil {
		t.Fatal(err)
	}
	ltable := pkg.Scope().Lookup("LTable").Type()
	isTable := func(e ast.Expr, sel *ast.SelectorExpr) bool {
		s := info.Selections[sel]
		if s == nil || s.Kind() != types.FieldVal {
			return false
		}
		recv := s.Recv()
		if p, ok := recv.(*types.Pointer); ok {
			recv = p.Elem()
		}
		return types.Identical(recv, ltable)
	}
	entryField := map[string]bool{"array": true, "dict": true, "strdict": true, "svals": true, "keys": true}

	type fn struct {
		decl   *ast.FuncDecl
		writes []token.Pos
		bumps  bool
	}
	type use struct {
		in   *fn
		call bool
	}
	fns := map[types.Object]*fn{}
	uses := map[types.Object][]use{}
	var loose []token.Pos // writes outside any function declaration
	for _, file := range files {
		for _, d := range file.Decls {
			var f *fn // nil: a package-level declaration (a var's func literal)
			if decl, ok := d.(*ast.FuncDecl); ok {
				f = &fn{decl: decl}
				fns[info.Defs[decl.Name]] = f
			}
			fresh := map[types.Object]bool{} // x := &LTable{...}
			var stack []ast.Node
			ast.Inspect(d, func(n ast.Node) bool {
				if n == nil {
					stack = stack[:len(stack)-1]
					return true
				}
				parent := func(i int) ast.Node {
					if len(stack) >= i {
						return stack[len(stack)-i]
					}
					return nil
				}
				switch n := n.(type) {
				case *ast.AssignStmt:
					for i, lhs := range n.Lhs {
						if id, ok := lhs.(*ast.Ident); ok && i < len(n.Rhs) {
							if u, ok := n.Rhs[i].(*ast.UnaryExpr); ok && u.Op == token.AND {
								if c, ok := u.X.(*ast.CompositeLit); ok && types.Identical(info.TypeOf(c), ltable) {
									fresh[info.Defs[id]] = true
								}
							}
						}
					}
				case *ast.IncDecStmt:
					if sel, ok := n.X.(*ast.SelectorExpr); ok && sel.Sel.Name == "version" && isTable(sel.X, sel) && f != nil {
						f.bumps = true
					}
				case *ast.Ident:
					if obj, ok := info.Uses[n].(*types.Func); ok && obj.Pkg() == pkg {
						call := false
						switch p := parent(1).(type) {
						case *ast.CallExpr:
							call = p.Fun == n
						case *ast.SelectorExpr:
							c, ok := parent(2).(*ast.CallExpr)
							call = ok && c.Fun == p && p.Sel == n
						}
						uses[obj] = append(uses[obj], use{f, call})
					}
				case *ast.SelectorExpr:
					if !entryField[n.Sel.Name] || !isTable(n.X, n) {
						break
					}
					if id, ok := n.X.(*ast.Ident); ok && fresh[info.Uses[id]] {
						break
					}
					switch {
					case readOnly(n, parent(1), parent(2)):
					case f == nil:
						loose = append(loose, n.Pos())
					default:
						f.writes = append(f.writes, n.Pos())
					}
				}
				stack = append(stack, n)
				return true
			})
		}
	}
	// A function that writes without moving the version is fine when it
	// is only ever called, and only from functions that move it or are
	// fine themselves.
	ok := map[*fn]bool{}
	for _, f := range fns {
		ok[f] = f.bumps
	}
	for changed := true; changed; {
		changed = false
		for obj, f := range fns {
			if ok[f] || len(f.writes) == 0 || len(uses[obj]) == 0 {
				continue
			}
			all := true
			for _, u := range uses[obj] {
				all = all && u.call && ok[u.in]
			}
			if all {
				ok[f], changed = true, true
			}
		}
	}
	for _, p := range loose {
		t.Errorf("%s: a package-level declaration writes a table's entries", fset.Position(p))
	}
	checked := 0
	for _, f := range fns {
		if len(f.writes) > 0 {
			checked++
		}
		if !ok[f] {
			for _, p := range f.writes {
				t.Errorf("%s: %s writes a table's entries without moving its version", fset.Position(p), f.decl.Name.Name)
			}
		}
	}
	if checked < 8 {
		t.Errorf("only %d functions write table entries: the test no longer finds them", checked)
	}
}

// readOnly: sel (a table's entry field) is only read where it stands.
func readOnly(sel *ast.SelectorExpr, parent, grand ast.Node) bool {
	switch p := parent.(type) {
	case *ast.IndexExpr:
		if p.X != sel {
			return true // the field's value used as an index
		}
		switch g := grand.(type) {
		case *ast.AssignStmt:
			for _, lhs := range g.Lhs {
				if lhs == p {
					return false
				}
			}
			return true
		case *ast.IncDecStmt:
			return false
		case *ast.UnaryExpr:
			return g.Op != token.AND
		}
		return true
	case *ast.CallExpr:
		if id, ok := p.Fun.(*ast.Ident); ok && (id.Name == "len" || id.Name == "cap") {
			return true
		}
	case *ast.RangeStmt:
		return p.X == sel
	case *ast.BinaryExpr:
		return p.Op == token.EQL || p.Op == token.NEQ
	}
	return false
}
