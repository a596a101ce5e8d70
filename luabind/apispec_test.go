package luabind

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	lua "github.com/mailexpect/mailexpect/third_party/gopher-lua"

	"github.com/mailexpect/mailexpect/internal/sandbox"
	"github.com/mailexpect/mailexpect/luabind/apispec"
)

// luaStdNames are Lua 5.1's own globals: not mailexpect's to declare.
var luaStdNames = map[string]bool{
	"_G": true, "_VERSION": true, "assert": true, "error": true, "getfenv": true, "getmetatable": true,
	"ipairs": true, "load": true, "loadstring": true, "loadfile": true, "dofile": true, "module": true, "next": true, "pairs": true,
	"pcall": true, "rawequal": true, "rawget": true, "rawset": true, "select": true, "setfenv": true,
	"setmetatable": true, "tonumber": true, "tostring": true, "type": true, "unpack": true, "xpcall": true,
	"newproxy": true, "require": true, "_printregs": true, "channel": true, "_GOPHER_LUA_VERSION": true,
	"coroutine": true, "debug": true, "io": true, "math": true, "os": true, "package": true, "string": true, "table": true,
}

// specFile says where a name's declaration belongs, for the failure
// message: the other engineers add functions in parallel.
func specFile(name string) string {
	mod := name
	if i := strings.IndexAny(name, ".:"); i >= 0 {
		mod = name[:i]
	}
	switch mod {
	case "base64", "hex", "mail", "json", "regex":
		return "luabind/apispec/helpers.go"
	case "smtp", "pop3", "imap", "ClientOptions":
		return "luabind/apispec/modules.go"
	case "check", "credentials":
		return "luabind/apispec/check.go"
	case "mime":
		return "luabind/apispec/mime.go"
	}
	if !strings.ContainsAny(name, ".:") || mod == "session" {
		return "luabind/apispec/core.go (globals and the session)"
	}
	return "a new file luabind/apispec/" + mod + ".go (its init calls apispec.Register)"
}

// census walks a live state: the globals, the module tables and the
// method tables of every class met, and returns the callable names and
// the values it found, in the spec's naming.
type census struct {
	funcs  map[string]bool
	values map[string]bool
}

func (c *census) walkTable(L *lua.LState, prefix string, t *lua.LTable) {
	t.ForEach(func(k, v lua.LValue) {
		ks, ok := k.(lua.LString)
		if !ok || strings.HasPrefix(string(ks), "_") {
			return
		}
		name := prefix + string(ks)
		if isCallable(L, v) {
			c.funcs[name] = true
		} else {
			c.values[name] = true
		}
	})
}

func isCallable(L *lua.LState, v lua.LValue) bool {
	switch v := v.(type) {
	case *lua.LFunction:
		return true
	case *lua.LTable:
		mt, ok := L.GetMetatable(v).(*lua.LTable)
		return ok && mt.RawGetString("__call") != lua.LNil
	}
	return false
}

func TestAPISpecMatchesRuntime(t *testing.T) {
	spec, err := apispec.Build()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sandbox.Start(sandbox.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	u := srv.Users()[0]

	c := &census{funcs: map[string]bool{}, values: map[string]bool{}}
	var out strings.Builder
	rn := NewRunner(Config{Stdout: &out, Stderr: &out, Timeout: 10 * time.Second, RootCAs: srv.CAPool(),
		ReadOnly: map[string]any{"row": map[string]any{"user": "x"}, "sandbox": map[string]any{"smtp": srv.SMTPAddr()}}})
	var runState *run
	rn.testHook = func(r *run, L *lua.LState) {
		runState = r
		L.SetGlobal("census", L.NewFunction(func(L *lua.LState) int {
			g := L.G.Global
			g.ForEach(func(k, v lua.LValue) {
				name := lua.LVAsString(k)
				if luaStdNames[name] || name == "census" {
					return
				}
				if spec.Modules[name] != nil {
					if t, ok := v.(*lua.LTable); ok {
						c.walkTable(L, name+".", t)
					}
					return
				}
				if isCallable(L, v) {
					c.funcs[name] = true
					if t, ok := v.(*lua.LTable); ok { // options.string ...
						c.walkTable(L, name+".", t)
					}
				} else {
					c.values[name] = true
				}
			})
			for name := range r.cfg.ReadOnly {
				c.values[name] = true
			}
			c.values["dry_run"] = true // served by _G's metatable
			for i := 1; i <= L.GetTop(); i++ {
				if t, ok := L.Get(i).(*lua.LTable); ok {
					name := lua.LVAsString(t.RawGetString("name"))
					c.walkTable(L, name+".", t.RawGetString("module").(*lua.LTable))
				}
			}
			for name := range (sessionBinding{r}).methods() {
				c.funcs["session:"+name] = true
			}
			for name := range (globalsBinding{r}).regexMethods() {
				c.funcs["regex:"+name] = true
			}
			for mt, class := range r.api().classes {
				if class == "" {
					continue
				}
				if idx, ok := mt.RawGetString("__index").(*lua.LTable); ok {
					idx.ForEach(func(k, v lua.LValue) {
						if ks, ok := k.(lua.LString); ok && !strings.HasPrefix(string(ks), "_") && isCallable(L, v) {
							c.funcs[class+":"+string(ks)] = true
						}
					})
				}
			}
			return 0
		}))
	}
	var mods []string
	for _, m := range moduleNames() {
		if !strings.HasPrefix(m, "mailexpect") {
			mods = append(mods, m)
		}
	}
	mods = append(mods, "mime") // built in Go (mime.go)
	src := fmt.Sprintf(`
local smtp, pop3, imap, check = require "smtp", require "pop3", require "imap", require "check"
local c = smtp.open{host = %q, tls = "starttls", user = %q, pass = %q}
local p = pop3.open{url = "pop3://" .. %q, user = %q, pass = %q}
local i = imap.open{url = "imap://" .. %q, user = %q, pass = %q}
check.range("10")
local mods = {}
for _, name in ipairs{%s} do mods[#mods + 1] = {name = name, module = require(name)} end
census(unpack(mods))
c:quit() p:quit() i:logout()
`, hostOf(srv.SMTPAddr()), u.Name, u.Pass, srv.POP3Addr(), u.Name, u.Pass, srv.IMAPAddr(), u.Name, u.Pass,
		`"`+strings.Join(mods, `", "`)+`"`)
	smtpPort := srv.SMTPAddr()[strings.LastIndexByte(srv.SMTPAddr(), ':')+1:]
	src = strings.Replace(src, `tls = "starttls",`, `tls = "starttls", port = `+smtpPort+`,`, 1)
	if code, err := rn.RunSource(context.Background(), "census.lua", []byte(src)); err != nil {
		t.Fatalf("exit %d: %v\n%s", code, err, out.String())
	}
	if runState == nil {
		t.Fatal("the state was not built")
	}

	var missing, undeclared []string
	for name := range c.funcs {
		if spec.Funcs[name] == nil {
			undeclared = append(undeclared, fmt.Sprintf("%s is callable but not declared: add Func{Sig: %q, Summary: \"...\"} in %s",
				name, name+"(...) -> ...", specFile(name)))
		}
	}
	for name := range c.values {
		if spec.Values[name] == nil && spec.Funcs[name] == nil {
			undeclared = append(undeclared, fmt.Sprintf("%s is a value the runtime has but the spec does not: add Value{Name: %q, TypeSrc: \"...\", Summary: \"...\"} in %s",
				name, name, specFile(name)))
		}
	}
	for name, f := range spec.Funcs {
		if !c.funcs[name] && f.When == "" {
			missing = append(missing, fmt.Sprintf("%s is declared in the spec but the runtime has no such function (remove it from %s, or set When if it exists only sometimes)", name, specFile(name)))
		}
	}
	for name, v := range spec.Values {
		if !c.values[name] && !c.funcs[name] && v.When == "" {
			missing = append(missing, fmt.Sprintf("%s is declared in the spec but the runtime has no such value (%s)", name, specFile(name)))
		}
	}
	sort.Strings(missing)
	sort.Strings(undeclared)
	for _, m := range undeclared {
		t.Error(m)
	}
	for _, m := range missing {
		t.Error(m)
	}
	if len(undeclared)+len(missing) > 0 {
		t.Log("after changing the spec, run: go test ./luabind/apispec -update  (regenerates docs/reference.md and docs/stubs/)")
	}
}

func hostOf(addr string) string { return addr[:strings.LastIndexByte(addr, ':')] }

// The examples in the spec's texts (the lines indented by four spaces)
// compile: a reader copies them.
func TestSpecExamplesCompile(t *testing.T) {
	spec := apispec.Get()
	texts := map[string]string{}
	for n, f := range spec.Funcs {
		texts[n] = f.Doc
	}
	for n, m := range spec.Modules {
		texts["module "+n] = m.Doc
	}
	for n, c := range spec.Classes {
		texts["class "+n] = c.Doc
	}
	compiled := 0
	for name, doc := range texts {
		var code []string
		for _, l := range strings.Split(doc, "\n") {
			if strings.HasPrefix(l, "    ") {
				code = append(code, l[4:])
			}
		}
		if len(code) == 0 {
			continue
		}
		// Each example is a block of statements; wrapped in a function so
		// a bare "return" or "..." in it is legal.
		src := "local function example(...)\n" + strings.Join(code, "\n") + "\nend\n"
		if _, err := Compile(name, []byte(src)); err != nil {
			t.Errorf("the example of %s does not compile: %v\n%s", name, err, strings.Join(code, "\n"))
		}
		compiled++
	}
	if compiled < 50 {
		t.Errorf("only %d examples", compiled)
	}
}
