package luabind

import (
	lua "github.com/mailexpect/mailexpect/third_party/gopher-lua"
	"github.com/xdg-go/scram"
)

// scramClient is rt.scram(hash, user, pass [, authzid]): the client side
// of SCRAM (RFC 5802, RFC 7677) for mailexpect.sasl, by xdg-go/scram,
// which does SASLprep, the key derivation and the check of the server's
// signature. It returns a conversation table {step = fn(challenge) ->
// response | nil, why} (the first step takes "" and gives client-first),
// or nil and why when the credentials cannot be prepared. Nothing of the
// password is in a why: the library's password errors never echo it.
func (r moduleHooks) scramClient(L *lua.LState) int {
	var hash scram.HashGeneratorFcn
	switch name := r.checkString(L, 1, "scram"); name {
	case "SHA-1":
		hash = scram.SHA1
	case "SHA-256":
		hash = scram.SHA256
	default:
		r.usage(L, "scram: unknown hash %q (SHA-1, SHA-256)", name)
	}
	user, pass := r.checkString(L, 2, "scram"), r.checkString(L, 3, "scram")
	client, err := hash.NewClient(user, pass, L.OptString(4, ""))
	if err != nil {
		return pushError(L, err)
	}
	conv := client.NewConversation()
	t := L.CreateTable(0, 1)
	t.RawSetString("step", L.NewFunction(func(L *lua.LState) int {
		resp, err := conv.Step(L.CheckString(1))
		return pushResult(L, resp, err)
	}))
	L.Push(t)
	return 1
}
