package luabind

// TEMPORARY stand-ins until runtime/transcript and runtime/session land.

import (
	"strings"

	lua "github.com/yuin/gopher-lua"
)

type transcriptLog interface{}

type secretsT interface {
	Add(string)
	Mask(string) string
}

type plainSecrets struct{ vals []string }

func (p *plainSecrets) Add(s string) {
	if s != "" {
		p.vals = append(p.vals, s)
	}
}
func (p *plainSecrets) Mask(s string) string {
	for _, v := range p.vals {
		s = strings.ReplaceAll(s, v, "***")
	}
	return s
}
func newSecretsT() secretsT { return &plainSecrets{} }

type sessionT interface{ Close() error }

func (r *run) openSession(L *lua.LState) {}
