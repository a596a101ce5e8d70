package luabind

import (
	"bufio"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	lua "github.com/mailexpect/mailexpect/third_party/gopher-lua"

	"github.com/mailexpect/mailexpect/runtime/bulk"
	"github.com/mailexpect/mailexpect/runtime/session"
)

// openSecrets installs secret, secret_env, secret_file and netrc. Every
// value they return is registered with the run's secrets, so it shows as
// *** in transcripts, logs, print output and error messages.
//
// Under --restricted only secret() remains: a script from elsewhere gets
// its credentials from its arguments, never from the environment or files.
func (r globalsBinding) openSecrets(L *lua.LState) {
	g := L.G.Global
	g.RawSetString("secret", L.NewFunction(func(L *lua.LState) int {
		v := r.checkString(L, 1, "secret")
		r.secrets.Add(v)
		L.Push(lua.LString(v))
		return 1
	}))
	if r.cfg.Restricted {
		return
	}
	g.RawSetString("secret_env", L.NewFunction(r.secretEnv))
	g.RawSetString("secret_file", L.NewFunction(r.secretFile))
	g.RawSetString("netrc", L.NewFunction(r.netrc))
}

// luaSecretEnv: secret_env(name [, default]). A missing variable raises
// unless a default is given: a credential that silently becomes nil would
// only fail later, at AUTH, with a less helpful message.
func (r globalsBinding) secretEnv(L *lua.LState) int {
	name := r.checkString(L, 1, "secret_env")
	v, ok := os.LookupEnv(name)
	if !ok || v == "" {
		if L.GetTop() >= 2 {
			L.Push(L.Get(2))
			return 1
		}
		r.usage(L, "secret_env: environment variable %s is not set", name)
	}
	r.secrets.Add(v)
	r.noteSource(v, bulk.CredentialsEnvironment)
	L.Push(lua.LString(v))
	return 1
}

// luaSecretFile: secret_file(path) returns the file's content without its
// final line end, and warns when group or others may read the file.
func (r globalsBinding) secretFile(L *lua.LState) int {
	path := r.checkString(L, 1, "secret_file")
	b, err := os.ReadFile(path)
	if err != nil {
		r.usage(L, "secret_file: %v", err)
	}
	v := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	r.secrets.Add(v)
	r.noteSource(v, bulk.CredentialsFile)
	r.warnPermissions(path, "secret_file")
	L.Push(lua.LString(v))
	return 1
}

// noteSource notes where a value the script read came from (the
// environment: env, secret_env, os.getenv; a file: secret_file, netrc),
// so that the bulk summary can say where a row's login came from.
func (r globalsBinding) noteSource(v, source string) {
	if r.valueSources == nil {
		r.valueSources = map[string]string{}
	}
	r.valueSources[v] = source
}

func (r globalsBinding) warnPermissions(path, what string) {
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		r.warn("%s: %s is readable by others (mode %04o); chmod 600 %s", what, path, fi.Mode().Perm(), path)
	}
}

// luaNetrc: netrc(host [, login]) returns login, password from $NETRC or
// ~/.netrc (the "machine" entry for host, else "default"), or nil when
// there is none. The password is registered as a secret. host may also be
// an address as connect takes it ("host:port", "[v6]:port", a URL), so a
// script passes on what it was given instead of parsing it.
func (r globalsBinding) netrc(L *lua.LState) int {
	host := netrcHost(r.checkString(L, 1, "netrc"))
	login := ""
	if L.Get(2) != lua.LNil {
		login = r.checkString(L, 2, "netrc")
	}
	path := os.Getenv("NETRC")
	if path == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			L.Push(lua.LNil)
			return 1
		}
		path = filepath.Join(home, ".netrc")
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		L.Push(lua.LNil)
		return 1
	} else if err != nil {
		r.usage(L, "netrc: %v", err)
	}
	defer f.Close()
	r.warnPermissions(path, "netrc")
	e, ok := lookupNetrc(parseNetrc(f), host, login)
	if !ok {
		L.Push(lua.LNil)
		return 1
	}
	r.secrets.Add(e.password)
	r.noteSource(e.password, bulk.CredentialsFile)
	L.Push(lua.LString(e.login))
	L.Push(lua.LString(e.password))
	return 2
}

type netrcEntry struct {
	machine  string // "" for the default entry
	login    string
	password string
}

// parseNetrc reads the tokens of a .netrc file: machine/default entries with
// login and password; account is ignored; macdef bodies are skipped up to
// the blank line that ends them.
func parseNetrc(f *os.File) []netrcEntry {
	var entries []netrcEntry
	var cur *netrcEntry
	sc := bufio.NewScanner(f)
	inMacro := false
	for sc.Scan() {
		line := sc.Text()
		if inMacro {
			if strings.TrimSpace(line) == "" {
				inMacro = false
			}
			continue
		}
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		fields := strings.Fields(line)
		for i := 0; i < len(fields); i++ {
			next := func() string {
				if i+1 < len(fields) {
					i++
					return fields[i]
				}
				return ""
			}
			switch fields[i] {
			case "machine":
				entries = append(entries, netrcEntry{machine: next()})
				cur = &entries[len(entries)-1]
			case "default":
				entries = append(entries, netrcEntry{})
				cur = &entries[len(entries)-1]
			case "login":
				if v := next(); cur != nil {
					cur.login = v
				}
			case "password":
				if v := next(); cur != nil {
					cur.password = v
				}
			case "account":
				next()
			case "macdef":
				inMacro = true
				i = len(fields)
			}
		}
	}
	return entries
}

// lookupNetrc returns the first entry for host (and login, when given),
// falling back to the default entry, as ftp(1) and curl do.
func lookupNetrc(entries []netrcEntry, host, login string) (netrcEntry, bool) {
	for _, e := range entries {
		if e.machine != "" && strings.EqualFold(e.machine, host) && (login == "" || e.login == login) {
			return e, true
		}
	}
	for _, e := range entries {
		if e.machine == "" && (login == "" || e.login == login) {
			return e, true
		}
	}
	return netrcEntry{}, false
}

// netrcHost returns the host of an address ("host:port", "[v6]:port" or a
// URL), or s itself when it is a bare host name.
func netrcHost(s string) string {
	if a, err := session.ParseAddress(s); err == nil {
		return a.Host
	}
	return strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
}
