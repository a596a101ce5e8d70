package apispec

import (
	"fmt"
	"strings"
)

// Markdown renders the reference, docs/reference.md.
func (s *Spec) Markdown() string {
	var b strings.Builder
	b.WriteString(`# mailexpect Lua API reference

<!-- Generated from luabind/apispec by "go test ./luabind/apispec -update"; do not edit. -->

Every call is checked against these declarations: an unknown option, a
value of the wrong type, a map where a list is expected or an argument
beyond the declared ones raises an error of kind ` + "`usage`" + ` that names
the parameter, what was given and the shape expected. ` + "`mailexpect doc NAME`" + `
prints one entry in the terminal. The user guide is [guide.md](guide.md);
the design contract [DESIGN.md](DESIGN.md).

Types are written as in LuaLS annotations: ` + "`string|number`" + ` one of,
` + "`T[]`" + ` a list, ` + "`{string, string}`" + ` a pair, ` + "`table<K, V>`" + ` a map,
` + "`name?`" + ` optional. The editor stubs in [stubs/](stubs/) say the same.

`)
	b.WriteString("## Contents\n\n- [Globals](#globals)\n- [session](#session)\n")
	for _, m := range s.ModuleNames() {
		fmt.Fprintf(&b, "- [%s](#module-%s)\n", m, m)
	}
	b.WriteString("- [Shared tables](#shared-tables)\n\n")

	b.WriteString("## Globals\n\n")
	funcs, values := s.Members("")
	for _, f := range funcs {
		s.mdFunc(&b, f)
	}
	b.WriteString("### Values\n\n| name | type | |\n| --- | --- | --- |\n")
	for _, v := range values {
		fmt.Fprintf(&b, "| `%s` | `%s` | %s%s |\n", v.Name, mdEscape(v.TypeSrc), v.Summary, when(v.When))
	}
	b.WriteString("\n")

	done := map[string]bool{}
	b.WriteString("## session\n\n")
	s.mdClass(&b, s.Classes["session"], done)
	for _, f := range s.Methods("session") {
		s.mdFunc(&b, f)
	}
	for _, cn := range s.ClassNames() {
		if strings.HasPrefix(cn, "session.") || strings.HasPrefix(cn, "expect.") {
			s.mdClass(&b, s.Classes[cn], done)
		}
	}
	for _, m := range s.ModuleNames() {
		mod := s.Modules[m]
		fmt.Fprintf(&b, "<a id=\"module-%s\"></a>\n## %s\n\n%s.\n\n", m, m, mod.Summary)
		if mod.Require {
			fmt.Fprintf(&b, "`local %s = require \"%s\"`%s\n\n", m, m, when(mod.When))
		} else {
			fmt.Fprintf(&b, "A global table (also `require \"%s\"`).\n\n", m)
		}
		if mod.Doc != "" {
			b.WriteString(mdDoc(mod.Doc))
		}
		funcs, values := s.Members(m)
		for _, f := range funcs {
			s.mdFunc(&b, f)
		}
		if len(values) > 0 {
			b.WriteString("| value | type | |\n| --- | --- | --- |\n")
			for _, v := range values {
				fmt.Fprintf(&b, "| `%s` | `%s` | %s%s |\n", v.Name, mdEscape(v.TypeSrc), v.Summary, when(v.When))
			}
			b.WriteString("\n")
		}
		for _, cn := range s.ClassNames() {
			c := s.Classes[cn]
			if c.Module != m {
				continue
			}
			s.mdClass(&b, c, done)
			for _, f := range s.Methods(cn) {
				s.mdFunc(&b, f)
			}
		}
	}
	b.WriteString("## Shared tables\n\n")
	for _, cn := range s.ClassNames() {
		s.mdClass(&b, s.Classes[cn], done)
	}
	return b.String()
}

func when(w string) string {
	if w == "" {
		return ""
	}
	return " (" + w + ")"
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", "\\|") }

// mdDoc turns a Doc text (paragraphs, code indented by 4) into markdown.
func mdDoc(doc string) string {
	return strings.TrimRight(doc, "\n") + "\n\n"
}

func anchor(name string) string {
	return strings.NewReplacer(":", "-", ".", "-").Replace(strings.ToLower(name))
}

func (s *Spec) mdFunc(b *strings.Builder, f *Func) {
	fmt.Fprintf(b, "<a id=\"%s\"></a>\n### `%s`\n\n", anchor(f.Name), f.Sig)
	fmt.Fprintf(b, "%s.%s\n\n", upperFirst(f.Summary), when(f.When))
	if f.Doc != "" {
		b.WriteString(mdDoc(f.Doc))
	}
	if len(f.Errors) > 0 {
		fmt.Fprintf(b, "Raises: %s.\n\n", "`"+strings.Join(f.Errors, "`, `")+"`")
	}
	var links []string
	seen := map[string]bool{}
	for _, list := range [][]Param{f.Params, f.Returns} {
		for _, p := range list {
			walkType(p.Type, func(t *Type) {
				if t.Kind == Named && !seen[t.Name] && s.Classes[t.Name] != nil {
					seen[t.Name] = true
					links = append(links, fmt.Sprintf("[`%s`](#%s)", t.Name, anchor(t.Name)))
				}
			})
		}
	}
	if len(links) > 0 {
		fmt.Fprintf(b, "See %s.\n\n", strings.Join(links, ", "))
	}
}

func (s *Spec) mdClass(b *strings.Builder, c *Class, done map[string]bool) {
	if c == nil || done[c.Name] {
		return
	}
	done[c.Name] = true
	kind := map[ClassKind]string{Options: "options", Object: "object", Record: "table"}[c.Kind]
	fmt.Fprintf(b, "<a id=\"%s\"></a>\n### %s `%s`\n\n%s.%s\n\n", anchor(c.Name), kind, c.Name, upperFirst(c.Summary), when(c.When))
	if c.Doc != "" {
		b.WriteString(mdDoc(c.Doc))
	}
	if c.Extends != "" {
		fmt.Fprintf(b, "Also every key of [`%s`](#%s).\n\n", c.Extends, anchor(c.Extends))
	}
	if len(c.fields)+len(c.items) == 0 && c.arrayT == nil {
		return
	}
	b.WriteString("| key | type | |\n| --- | --- | --- |\n")
	for i, f := range c.items {
		fmt.Fprintf(b, "| `[%d]` %s | `%s` | %s |\n", i+1, f.Name, mdEscape(f.TypeSrc), f.Doc)
	}
	if c.arrayT != nil {
		fmt.Fprintf(b, "| `[1..n]` | `%s` | the list part |\n", mdEscape(c.Array))
	}
	for _, f := range c.fields {
		n := f.Name
		if f.Optional {
			n += "?"
		}
		fmt.Fprintf(b, "| `%s` | `%s` | %s |\n", n, mdEscape(f.TypeSrc), f.Doc)
	}
	b.WriteString("\n")
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
