package main

import (
	"crypto/x509"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/mailexpect/mailexpect/luabind"
	"github.com/mailexpect/mailexpect/luabind/apispec"
	lua "github.com/mailexpect/mailexpect/third_party/gopher-lua"
)

// runDoc is `mailexpect doc [NAME]`: the spec's entry for NAME, like go
// doc, or every name with its summary.
func runDoc(args []string, stdout, stderr io.Writer) int {
	spec := apispec.Get()
	switch len(args) {
	case 0:
		io.WriteString(stdout, spec.Index())
		return luabind.ExitOK
	case 1:
	default:
		printError(stderr, usageErr("one name at a time: mailexpect doc smtp.open", "doc takes one NAME, got %d", len(args)))
		return luabind.ExitUsage
	}
	names := spec.Lookup(args[0])
	switch len(names) {
	case 0:
		hint := "mailexpect doc lists every name"
		if near := nearestName(args[0], docNames(spec)); near != "" {
			hint = fmt.Sprintf("did you mean %s? (mailexpect doc lists every name)", near)
		}
		printError(stderr, usageErr(hint, "no entry for %q", args[0]))
		return luabind.ExitUsage
	case 1:
		io.WriteString(stdout, spec.Text(names[0]))
	default:
		fmt.Fprintf(stdout, "%s is ambiguous; one of:\n", args[0])
		for _, n := range names {
			f := spec.Funcs[n]
			summary := ""
			if f != nil {
				summary = f.Summary
			}
			fmt.Fprintf(stdout, "  %-30s %s\n", n, summary)
		}
	}
	return luabind.ExitOK
}

// docNames is every name mailexpect doc knows.
func docNames(spec *apispec.Spec) []string {
	var names []string
	for n := range spec.Funcs {
		names = append(names, n)
	}
	for n := range spec.Classes {
		names = append(names, n)
	}
	for n := range spec.Modules {
		names = append(names, n)
	}
	for n := range spec.Values {
		names = append(names, n)
	}
	sort.Strings(names)
	return slices.Compact(names) // regex is a module and a class
}

// nearestName is the did-you-mean of usage errors, case-insensitive.
func nearestName(key string, names []string) string {
	lower := make([]string, len(names))
	for i, n := range names {
		lower[i] = strings.ToLower(n)
	}
	near := apispec.Nearest(strings.ToLower(key), lower)
	for i, l := range lower {
		if l == near && near != "" {
			return names[i]
		}
	}
	return ""
}

// versionText is --version: the module version, the VCS revision it was
// built from, Go, and the Lua VM.
func versionText() string {
	var b strings.Builder
	fmt.Fprintf(&b, "mailexpect %s\n", versionString())
	if bi, ok := debug.ReadBuildInfo(); ok {
		settings := map[string]string{}
		for _, s := range bi.Settings {
			settings[s.Key] = s.Value
		}
		if rev := settings["vcs.revision"]; rev != "" {
			line := "revision " + rev
			if t := settings["vcs.time"]; t != "" {
				line += " (" + t + ")"
			}
			if settings["vcs.modified"] == "true" {
				line += ", modified"
			}
			b.WriteString(line + "\n")
		} else {
			b.WriteString("revision unknown (built without VCS information)\n")
		}
	}
	fmt.Fprintf(&b, "%s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(&b, "%s (gopher-lua %s with mailexpect's patches, third_party/gopher-lua)\n", lua.LuaVersion, gopherLuaBase)
	return b.String()
}

// gopherLuaBase is the upstream release third_party/gopher-lua was taken
// from (its PATCHES.md; the package's own PackageVersion constant is not
// kept up to date upstream).
const gopherLuaBase = "v1.1.2"

// envCAFile adds the CAs of MAILEXPECT_CA_FILE to what every connect
// trusts, so a plain connect(host) verifies a server whose CA the
// environment names (mailexpect sandbox prints that export line).
func envCAFile(cfg *luabind.Config) error {
	path := os.Getenv("MAILEXPECT_CA_FILE")
	if path == "" {
		return nil
	}
	pem, err := os.ReadFile(path)
	if err != nil {
		return usageErr("unset it, or point it at a PEM file of CA certificates", "MAILEXPECT_CA_FILE: %v", unwrapPath(err))
	}
	roots := cfg.RootCAs
	if roots == nil {
		if roots, err = x509.SystemCertPool(); err != nil || roots == nil {
			roots = x509.NewCertPool()
		}
	} else {
		roots = roots.Clone()
	}
	if !roots.AppendCertsFromPEM(pem) {
		return usageErr("it must hold PEM \"CERTIFICATE\" blocks", "MAILEXPECT_CA_FILE=%s: no certificate found", path)
	}
	cfg.RootCAs = roots
	return nil
}

// The usage text is the one description of the command line: the man page
// and the shell completions are made from it.

// Compiled on first use (the docs and completions), not at every start-up.
var (
	flagLine    = lazyRegexp(`^ {2,}((?:--?[a-z][a-z0-9-]*(?: [A-Z][A-Z0-9.,=]*)?(?:, )?)+)\s{2,}(.*)$`)
	flagName    = lazyRegexp(`--?[a-z][a-z0-9-]*`)
	subcmdLine  = lazyRegexp(`^(?:usage:| ) +mailexpect (?:\[[^]]*\] )*([a-z]+)\b`)
	sectionLine = lazyRegexp(`^([A-Z][A-Za-z ()/,.-]*[a-z)]):?(.*)$`)
)

func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

type usageFlag struct {
	names []string // "-h", "--help"
	arg   string   // "SECONDS"
	desc  string
}

// usageFlags lists the flags the usage text describes.
func usageFlags() []usageFlag {
	var out []usageFlag
	seen := map[string]bool{}
	for _, l := range strings.Split(usage, "\n") {
		m := flagLine().FindStringSubmatch(l)
		if m == nil {
			continue
		}
		var f usageFlag
		for _, n := range flagName().FindAllString(m[1], -1) {
			if !seen[n] {
				seen[n] = true
				f.names = append(f.names, n)
			}
		}
		if fs := strings.Fields(m[1]); len(fs) > 1 && !strings.HasPrefix(fs[len(fs)-1], "-") {
			f.arg = fs[len(fs)-1]
		}
		f.desc = strings.TrimSpace(m[2])
		if len(f.names) > 0 {
			out = append(out, f)
		}
	}
	return out
}

// usageSubcommands lists the subcommands of the usage's synopsis.
func usageSubcommands() []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range strings.Split(usage, "\n") {
		if m := subcmdLine().FindStringSubmatch(l); m != nil && !seen[m[1]] {
			seen[m[1]] = true
			out = append(out, m[1])
		}
	}
	return out
}

// runCompletion is `mailexpect completion bash|zsh|fish`.
func runCompletion(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		printError(stderr, usageErr("bash: source <(mailexpect completion bash); zsh: source <(mailexpect completion zsh); fish: mailexpect completion fish | source",
			"completion takes one shell: bash, zsh or fish"))
		return luabind.ExitUsage
	}
	var flags []string
	for _, f := range usageFlags() {
		flags = append(flags, f.names...)
	}
	sort.Strings(flags)
	subs := strings.Join(usageSubcommands(), " ")
	names := strings.Join(docNames(apispec.Get()), " ")
	switch args[0] {
	case "bash":
		fmt.Fprintf(stdout, `# mailexpect completion for bash: source <(mailexpect completion bash)
_mailexpect() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
  case ${COMP_WORDS[1]} in
    doc) COMPREPLY=($(compgen -W %q -- "$cur")); return ;;
    completion) COMPREPLY=($(compgen -W "bash zsh fish" -- "$cur")); return ;;
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W %q -- "$cur"))
  elif [[ $COMP_CWORD -eq 1 ]]; then
    COMPREPLY=($(compgen -W %q -- "$cur") $(compgen -f -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -o filenames -F _mailexpect mailexpect
`, names, strings.Join(flags, " "), subs)
	case "zsh":
		fmt.Fprintf(stdout, `#compdef mailexpect
# mailexpect completion for zsh: source <(mailexpect completion zsh)
_mailexpect() {
  local -a subcmds flags names
  subcmds=(%s)
  flags=(%s)
  names=(%s)
  case $words[2] in
    doc) compadd -a names; return ;;
    completion) compadd bash zsh fish; return ;;
  esac
  if [[ $PREFIX == -* ]]; then
    compadd -a flags
  elif (( CURRENT == 2 )); then
    compadd -a subcmds; _files
  else
    _files
  fi
}
compdef _mailexpect mailexpect
`, subs, strings.Join(flags, " "), names)
	case "fish":
		fmt.Fprintf(stdout, "# mailexpect completion for fish: mailexpect completion fish | source\n")
		fmt.Fprintf(stdout, "complete -c mailexpect -n __fish_use_subcommand -a %q\n", subs)
		fmt.Fprintf(stdout, "complete -c mailexpect -n '__fish_seen_subcommand_from doc' -f -a %q\n", names)
		fmt.Fprintf(stdout, "complete -c mailexpect -n '__fish_seen_subcommand_from completion' -f -a 'bash zsh fish'\n")
		for _, f := range usageFlags() {
			line := "complete -c mailexpect"
			for _, n := range f.names {
				if strings.HasPrefix(n, "--") {
					line += " -l " + n[2:]
				} else {
					line += " -s " + n[1:]
				}
			}
			if f.arg != "" {
				line += " -r"
			}
			line += fmt.Sprintf(" -d %q", f.desc)
			fmt.Fprintln(stdout, line)
		}
	default:
		printError(stderr, usageErr("", "completion: unknown shell %q (bash, zsh or fish)", args[0]))
		return luabind.ExitUsage
	}
	return luabind.ExitOK
}

// manPage renders the usage text as a man page (docs/mailexpect.1).
func manPage() string {
	var b strings.Builder
	esc := func(s string) string {
		s = strings.ReplaceAll(s, `\`, `\e`)
		s = strings.ReplaceAll(s, "-", `\-`)
		if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
			s = `\&` + s
		}
		return s
	}
	b.WriteString(".\\\" Generated from cmd/mailexpect/usage.go by \"go test ./cmd/mailexpect -run TestManPage -update\"; do not edit.\n")
	b.WriteString(".TH MAILEXPECT 1 \"\" \"mailexpect\" \"User Commands\"\n")
	b.WriteString(".SH NAME\nmailexpect \\- expect for mail: script SMTP, POP3 and IMAP conversations in Lua\n")
	lines := strings.Split(strings.TrimRight(usage, "\n"), "\n")
	b.WriteString(".SH SYNOPSIS\n.nf\n")
	i := 0
	for ; i < len(lines) && lines[i] != ""; i++ {
		b.WriteString(esc(strings.TrimPrefix(strings.TrimSpace(lines[i]), "usage: ")) + "\n")
	}
	b.WriteString(".fi\n.SH DESCRIPTION\n")
	inPre := false
	for ; i < len(lines); i++ {
		l := lines[i]
		switch {
		case l == "":
			if inPre {
				b.WriteString(".fi\n")
				inPre = false
			}
			b.WriteString(".PP\n")
		case !strings.HasPrefix(l, " ") && sectionLine().MatchString(l) && strings.HasSuffix(strings.Fields(l)[0], ":") || !strings.HasPrefix(l, " ") && strings.HasSuffix(l, ":"):
			if inPre {
				b.WriteString(".fi\n")
				inPre = false
			}
			head, rest, _ := strings.Cut(l, ":")
			fmt.Fprintf(&b, ".SH %s\n", strings.ToUpper(esc(head)))
			if r := strings.TrimSpace(rest); r != "" {
				b.WriteString(esc(r) + "\n")
			}
		case strings.HasPrefix(l, " "):
			if !inPre {
				b.WriteString(".nf\n")
				inPre = true
			}
			b.WriteString(esc(l) + "\n")
		default:
			if inPre {
				b.WriteString(".fi\n")
				inPre = false
			}
			b.WriteString(esc(l) + "\n")
		}
	}
	if inPre {
		b.WriteString(".fi\n")
	}
	b.WriteString(".SH SEE ALSO\nmailexpect doc (the Lua API), docs/guide.md, docs/reference.md\n")
	return b.String()
}
