package apispec

import (
	"fmt"
	"sort"
	"strings"
)

// Lookup finds the entries a name means, as `mailexpect doc NAME` takes
// it: "connect", "smtp.open", "smtp", "session", "smtp.Client:send",
// "s:send" or "c:send" (a class's variable), "smtp.Client.send", or a
// bare method name ("expect") when it is unambiguous.
func (s *Spec) Lookup(name string) []string {
	if s.Funcs[name] != nil || s.Classes[name] != nil || s.Modules[name] != nil || s.Values[name] != nil {
		return []string{name}
	}
	// c:send, s:expect: a class's variable.
	if v, m, ok := strings.Cut(name, ":"); ok {
		var out []string
		for _, cn := range s.ClassNames() {
			if c := s.Classes[cn]; c.Var == v && s.Funcs[cn+":"+m] != nil {
				out = append(out, cn+":"+m)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	// smtp.Client.send, session.send
	if i := strings.LastIndexByte(name, '.'); i > 0 && s.Classes[name[:i]] != nil {
		if f := name[:i] + ":" + name[i+1:]; s.Funcs[f] != nil {
			return []string{f}
		}
	}
	var out []string
	lower := strings.ToLower(name)
	for fn, f := range s.Funcs {
		if f.Method == name || strings.ToLower(fn) == lower {
			out = append(out, fn)
		}
	}
	for cn := range s.Classes {
		if strings.ToLower(cn) == lower {
			out = append(out, cn)
		}
	}
	sort.Strings(out)
	return out
}

// Index lists every name with its summary, one per line: `mailexpect doc`.
func (s *Spec) Index() string {
	var b strings.Builder
	line := func(name, summary string) { fmt.Fprintf(&b, "  %-34s %s\n", name, summary) }
	b.WriteString("Globals:\n")
	funcs, values := s.Members("")
	for _, f := range funcs {
		line(f.Name, f.Summary)
	}
	for _, v := range values {
		line(v.Name, v.Summary)
	}
	for _, cn := range []string{"session", "regex"} {
		fmt.Fprintf(&b, "\n%s (%s):\n", cn, s.Classes[cn].Summary)
		for _, f := range s.Methods(cn) {
			line(s.Display(f), f.Summary)
		}
	}
	for _, m := range s.ModuleNames() {
		mod := s.Modules[m]
		how := "global table"
		if mod.Require {
			how = fmt.Sprintf("require %q", m)
		}
		fmt.Fprintf(&b, "\n%s (%s): %s\n", m, how, mod.Summary)
		funcs, values := s.Members(m)
		for _, f := range funcs {
			line(f.Name, f.Summary)
		}
		for _, v := range values {
			line(v.Name, v.Summary)
		}
		for _, cn := range s.ClassNames() {
			if c := s.Classes[cn]; c.Module == m && c.Kind == Object {
				for _, f := range s.Methods(cn) {
					line(s.Display(f), f.Summary)
				}
			}
		}
	}
	b.WriteString("\nmailexpect doc NAME shows one entry (a function, module, class or option table).\n")
	return b.String()
}

// Text renders the entry for a name as `mailexpect doc NAME` prints it.
func (s *Spec) Text(name string) string {
	var b strings.Builder
	indent := func(text string) {
		for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
			if l == "" {
				b.WriteString("\n")
			} else {
				b.WriteString("    " + l + "\n")
			}
		}
	}
	if f := s.Funcs[name]; f != nil {
		b.WriteString(f.Sig + "\n")
		indent(f.Summary + ".")
		if f.Doc != "" {
			b.WriteString("\n")
			indent(f.Doc)
		}
		if f.When != "" {
			indent("\nAvailable: " + f.When + ".")
		}
		if len(f.Errors) > 0 {
			indent("\nRaises: " + strings.Join(f.Errors, ", ") + " (err.kind).")
		}
		seen := map[string]bool{}
		for _, p := range f.Params {
			walkType(p.Type, func(t *Type) {
				if c := s.Classes[t.Name]; t.Kind == Named && c != nil && c.Kind == Options && !seen[c.Name] {
					seen[c.Name] = true
					b.WriteString("\n")
					indent(p.Name + ": " + c.Name + " (" + c.Summary + ")")
					s.fieldTable(&b, c, "        ")
				}
			})
		}
		return b.String()
	}
	if c := s.Classes[name]; c != nil {
		kind := map[ClassKind]string{Options: "options table", Object: "object", Record: "table"}[c.Kind]
		fmt.Fprintf(&b, "%s (%s)\n", c.Name, kind)
		indent(c.Summary + ".")
		if c.Doc != "" {
			b.WriteString("\n")
			indent(c.Doc)
		}
		if len(s.FieldNames(c)) > 0 || len(c.items) > 0 {
			b.WriteString("\n    Fields:\n")
			s.fieldTable(&b, c, "      ")
		}
		if ms := s.Methods(c.Name); len(ms) > 0 {
			b.WriteString("\n    Methods:\n")
			for _, f := range ms {
				fmt.Fprintf(&b, "      %-28s %s\n", s.Display(f), f.Summary)
			}
		}
		return b.String()
	}
	if m := s.Modules[name]; m != nil {
		how := "a global table, also require \"" + name + "\""
		if m.Require {
			how = "local " + name + " = require \"" + name + "\""
		}
		fmt.Fprintf(&b, "module %s: %s\n", name, how)
		indent(m.Summary + ".")
		if m.Doc != "" {
			b.WriteString("\n")
			indent(m.Doc)
		}
		funcs, values := s.Members(name)
		b.WriteString("\n")
		for _, f := range funcs {
			fmt.Fprintf(&b, "    %-30s %s\n", f.Name, f.Summary)
		}
		for _, v := range values {
			fmt.Fprintf(&b, "    %-30s %s\n", v.Name, v.Summary)
		}
		for _, cn := range s.ClassNames() {
			if c := s.Classes[cn]; c.Module == name {
				fmt.Fprintf(&b, "    %-30s %s\n", cn, c.Summary)
			}
		}
		return b.String()
	}
	if v := s.Values[name]; v != nil {
		fmt.Fprintf(&b, "%s: %s\n", v.Name, v.TypeSrc)
		indent(v.Summary + ".")
		if v.Doc != "" {
			indent("\n" + v.Doc)
		}
		return b.String()
	}
	return ""
}

func (s *Spec) fieldTable(b *strings.Builder, c *Class, pad string) {
	for i, f := range c.items {
		fmt.Fprintf(b, "%s[%d] %-18s %-22s %s\n", pad, i+1, f.Name, f.TypeSrc, f.Doc)
	}
	if c.arrayT != nil {
		fmt.Fprintf(b, "%s[1..n] %-22s %s\n", pad, c.Array, "the list part")
	}
	for _, name := range s.FieldNames(c) {
		f := c.Field(name)
		n := f.Name
		if f.Optional {
			n += "?"
		}
		fmt.Fprintf(b, "%s%-22s %-22s %s\n", pad, n, f.TypeSrc, f.Doc)
	}
}

// Nearest returns the name closest to key by edit distance, when it is
// within two edits: the did-you-mean of usage errors and mailexpect doc.
func Nearest(key string, names []string) string {
	best, bestD := "", 3
	for _, n := range names {
		if d := editDistance(key, n); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
