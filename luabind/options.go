package luabind

import (
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"

	lua "github.com/mailexpect/mailexpect/third_party/gopher-lua"

	"github.com/mailexpect/mailexpect/runtime/failure"
)

// options(arg, spec) parses a script's own flags, getopt style:
//
//	local opt, rest = options(arg, {
//	  _usage = "check.lua [--json] [-w SECONDS] HOST",  -- shown for -h/--help
//	  json = false,                -- flag: --json, --no-json, --json=false
//	  ["w|warn"] = 5,              -- number: -w 5, -w5, --warn 5, --warn=5
//	  ["H|host"] = options.string, -- string without a default (nil)
//	  ["r|rcpt"] = options.list,   -- repeatable: -r a -r b -> {"a", "b"}
//	})
//
// A spec key lists an option's names separated by "|": one letter makes a
// short option (-w), more make a long one (--warn); the result field is the
// longest name. The default's type gives the option's type (boolean, number,
// string); options.string, options.number and options.list declare a type
// with no default. Keys starting with "_" are not options. Options may come
// before, between or after positional arguments; "--" ends them; boolean
// short options combine (-jv). -h/--help (unless the spec defines them)
// print the usage and exit 0. A bad command line raises a usage error,
// which ends an uncaught run with exit code 2.

type optKind int

const (
	optBool optKind = iota
	optNumber
	optString
	optList
)

type optSpec struct {
	field string
	names []string // as written, without dashes
	kind  optKind
	def   lua.LValue
}

func (o *optSpec) display() string {
	var parts []string
	for _, n := range o.names {
		if len(n) == 1 {
			parts = append(parts, "-"+n)
		} else {
			parts = append(parts, "--"+n)
		}
	}
	s := strings.Join(parts, "/")
	switch o.kind {
	case optNumber:
		s += " N"
	case optString, optList:
		s += " VALUE"
	}
	return s
}

func (r globalsBinding) openOptions(L *lua.LState) {
	t := L.NewTable()
	sentinels := map[lua.LValue]optKind{}
	for name, kind := range map[string]optKind{"string": optString, "number": optNumber, "list": optList} {
		s := L.NewTable()
		tag := "options." + name
		smt := L.NewTable()
		smt.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int { L.Push(lua.LString(tag)); return 1 }))
		L.SetMetatable(s, smt)
		t.RawSetString(name, s)
		sentinels[s] = kind
	}
	mt := L.NewTable()
	mt.RawSetString("__call", L.NewFunction(func(L *lua.LState) int {
		L.Remove(1) // the options table itself
		return r.options(L, sentinels)
	}))
	L.SetMetatable(t, mt)
	t.RawSetString("usage", r.goFunc(L, "options.usage", r.usageError))
	L.G.Global.RawSetString("options", t)
}

// usageError is options.usage(msg): the script's own verdict that its
// command line is wrong ("no server: give an ADDRESS"), raised as the
// usage error options() raises for an unknown flag. It ends a run with
// exit 2 and two lines on stderr, "SCRIPT: msg" and the spec's _usage;
// a check script (require "check") shows UNKNOWN with the usage line in
// its long output; in a bulk run it stops the run, or fails only the row
// when raised after the script read the row (raiseScriptUsage). The error's where is
// the script's name, not a line in it: the command line is at fault.
func (r globalsBinding) usageError(L *lua.LState) int {
	msg := r.checkString(L, 1, "options.usage")
	t := newErrorObject(L, failure.New(failure.Usage, "%s", msg), r.mask)
	t.RawSetString("where", lua.LString(path.Base(r.cfg.ScriptName)))
	if r.optUsage != "" {
		t.RawSetString("usage", lua.LString("usage: mailexpect "+strings.TrimPrefix(r.optUsage, "usage: ")))
	}
	r.raiseScriptUsage(L, t, !r.rowRead)
	return 0
}

// raiseScriptUsage raises t, a usage error of the script's command line
// (options(), options.usage). commandLine says it cannot depend on the
// bulk row: raised before the script read any of the row's columns, or
// by options() parsing the script's own arguments. A bulk run stops at
// such an error (bulk.ErrScriptUsage), since every row would fail alike;
// one that may come from a row's values fails its row only.
func (r *run) raiseScriptUsage(L *lua.LState, t *lua.LTable, commandLine bool) {
	r.usageErrors = append(r.usageErrors, t)
	if commandLine {
		r.commandLineErrors = append(r.commandLineErrors, t)
	}
	L.Error(t, 0)
}

// isScriptArgs reports whether t is the global arg as the run set it:
// the script's command line, the same for every row.
func (r *run) isScriptArgs(t *lua.LTable) bool {
	if t != r.argTable || t.Len() != len(r.cfg.Args) {
		return false
	}
	for i, a := range r.cfg.Args {
		if t.RawGetInt(i+1) != lua.LString(a) {
			return false
		}
	}
	return true
}

func (r globalsBinding) options(L *lua.LState, sentinels map[lua.LValue]optKind) int {
	argt := r.checkTable(L, 1, "options")
	spect := r.checkTable(L, 2, "options")

	var specs []*optSpec
	byName := map[string]*optSpec{}
	usage, helpText := "", ""
	var specErr string
	spect.ForEach(func(k, v lua.LValue) {
		key, ok := k.(lua.LString)
		if !ok {
			specErr = fmt.Sprintf("options: spec keys must be strings, got %s", k.Type())
			return
		}
		if strings.HasPrefix(string(key), "_") {
			switch key {
			case "_usage":
				usage = lua.LVAsString(v)
			case "_help":
				helpText = lua.LVAsString(v)
			}
			return
		}
		o := &optSpec{def: v}
		if kind, ok := sentinels[v]; ok {
			o.kind, o.def = kind, lua.LNil
		} else {
			switch v.(type) {
			case lua.LBool:
				o.kind = optBool
			case lua.LNumber:
				o.kind = optNumber
			case lua.LString:
				o.kind = optString
			default:
				specErr = fmt.Sprintf("options: the default of %q must be a boolean, number, string or options.string/number/list, got %s", key, v.Type())
				return
			}
		}
		for _, n := range strings.Split(string(key), "|") {
			n = strings.TrimLeft(strings.TrimSpace(n), "-")
			if n == "" {
				continue
			}
			if byName[n] != nil {
				specErr = fmt.Sprintf("options: option name %q given twice", n)
				return
			}
			byName[n] = o
			o.names = append(o.names, n)
			if len(n) >= len(o.field) {
				o.field = n
			}
		}
		specs = append(specs, o)
	})
	if specErr != "" {
		r.usage(L, "%s", specErr)
	}
	r.optUsage = usage
	sort.Slice(specs, func(i, j int) bool { return specs[i].field < specs[j].field })

	opts := L.NewTable()
	for _, o := range specs {
		if o.kind == optList {
			opts.RawSetString(o.field, L.NewTable())
		} else {
			opts.RawSetString(o.field, o.def)
		}
	}
	rest := L.NewTable()

	fail := func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		if usage != "" {
			msg += "; usage: " + usage
		} else if len(specs) > 0 {
			var known []string
			for _, o := range specs {
				known = append(known, o.display())
			}
			msg += " (options: " + strings.Join(known, ", ") + ")"
		}
		t := newErrorObject(L, failure.New(failure.Usage, "%s", msg), r.mask)
		r.raiseScriptUsage(L, t, !r.rowRead || r.isScriptArgs(argt))
	}
	assign := func(o *optSpec, shown, val string) {
		switch o.kind {
		case optNumber:
			f, err := parseNumber(val)
			if err != nil {
				fail("option %s wants a number, got %q", shown, val)
			}
			opts.RawSetString(o.field, lua.LNumber(f))
		case optString:
			opts.RawSetString(o.field, lua.LString(val))
		case optList:
			opts.RawGetString(o.field).(*lua.LTable).Append(lua.LString(val))
		}
	}
	help := func(name string) bool {
		if (name == "h" || name == "help") && byName[name] == nil {
			if helpText != "" {
				fmt.Fprintln(r.cfg.Stdout, strings.TrimRight(helpText, "\n")+"\n")
				r.exited, r.exitCode = true, 0
				r.cancel(errExit)
				L.Error(lua.LString("exit"), 0)
				return true
			}
			text := usage
			if text == "" {
				var known []string
				for _, o := range specs {
					known = append(known, "["+o.display()+"]")
				}
				text = r.cfg.ScriptName + " " + strings.Join(known, " ")
			}
			fmt.Fprintf(r.cfg.Stdout, "usage: %s\n", strings.TrimPrefix(text, "usage: "))
			r.exited, r.exitCode = true, 0
			r.cancel(errExit)
			L.Error(lua.LString("exit"), 0)
			return true
		}
		return false
	}

	var args []string
	for i := 1; i <= argt.Len(); i++ {
		args = append(args, lua.LVAsString(argt.RawGetInt(i)))
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			for _, p := range args[i+1:] {
				rest.Append(lua.LString(p))
			}
			i = len(args)
		case strings.HasPrefix(a, "--"):
			name, val, hasVal := strings.Cut(a[2:], "=")
			if help(name) {
				return 0
			}
			o := byName[name]
			if o == nil && strings.HasPrefix(name, "no-") {
				if neg := byName[name[3:]]; neg != nil && neg.kind == optBool && !hasVal {
					opts.RawSetString(neg.field, lua.LFalse)
					continue
				}
			}
			if o == nil || len(name) == 1 {
				fail("unknown option --%s", name)
			}
			if o.kind == optBool {
				b := true
				if hasVal {
					var ok bool
					if b, ok = parseBool(val); !ok {
						fail("option --%s wants true or false, got %q", name, val)
					}
				}
				opts.RawSetString(o.field, lua.LBool(b))
				continue
			}
			if !hasVal {
				if i+1 >= len(args) {
					fail("option --%s needs a value", name)
				}
				i++
				val = args[i]
			}
			assign(o, "--"+name, val)
		case len(a) > 1 && a[0] == '-' && !isNegativeNumber(a, byName):
			for j := 1; j < len(a); j++ {
				name := a[j : j+1]
				if help(name) {
					return 0
				}
				o := byName[name]
				if o == nil {
					fail("unknown option -%s", name)
				}
				if o.kind == optBool {
					opts.RawSetString(o.field, lua.LTrue)
					continue
				}
				val := a[j+1:]
				if val == "" {
					if i+1 >= len(args) {
						fail("option -%s needs a value", name)
					}
					i++
					val = args[i]
				}
				assign(o, "-"+name, val)
				break
			}
		default:
			rest.Append(lua.LString(a))
		}
	}
	L.Push(opts)
	L.Push(rest)
	return 2
}

// isNegativeNumber treats "-5" as a positional argument unless the spec
// has a digit option.
func isNegativeNumber(a string, byName map[string]*optSpec) bool {
	if _, err := strconv.ParseFloat(a, 64); err != nil {
		return false
	}
	return byName[a[1:2]] == nil
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "1", "true", "yes", "on":
		return true, true
	case "0", "false", "no", "off":
		return false, true
	}
	return false, false
}

// parseNumber accepts what Lua's tonumber accepts for decimal numbers.
func parseNumber(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
		n, err := strconv.ParseUint(s[2:], 16, 64)
		return float64(n), err
	}
	return strconv.ParseFloat(s, 64)
}
