package luabind

import (
	"context"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	lua "github.com/mailexpect/mailexpect/third_party/gopher-lua"

	"github.com/mailexpect/mailexpect/runtime/failure"
	"github.com/mailexpect/mailexpect/runtime/transcript"
)

// TestErrorObject checks every field of the error object for a reply
// error, and that secrets are masked in all of them.
func TestErrorObject(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	secrets := transcript.NewSecrets()
	secrets.Add("hunter22")
	fe := &failure.Error{
		Kind:    failure.Reply,
		Message: "AUTH refused for hunter22\nsecond line",
		Stage:   "AUTH",
		Awaited: []string{"^235 "},
		Tail:    `"535 hunter22\r\n"`,
		Reply:   &failure.ServerReply{Code: 535, Enhanced: "5.7.8", Lines: []string{"bad hunter22"}, Text: "bad hunter22"},
	}
	obj := newErrorObject(L, fe, secrets.Mask)
	L.SetGlobal("e", obj)
	if err := L.DoString(`
		got = {kind = e.kind, message = e.message, stage = e.stage, awaited = e.awaited[1], tail = e.tail,
		       code = e.reply.code, enhanced = e.reply.enhanced, line = e.reply.lines[1], text = e.reply.text,
		       str = tostring(e), where = e.where}`); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	L.GetGlobal("got").(*lua.LTable).ForEach(func(k, v lua.LValue) { got[k.String()] = v.String() })
	want := map[string]string{
		"kind": "reply", "message": "AUTH refused for *** second line", "stage": "AUTH", "awaited": "^235 ",
		"tail": `"535 ***\r\n"`, "code": "535", "enhanced": "5.7.8", "line": "bad ***", "text": "bad ***",
		"str": "AUTH refused for *** second line", "where": "",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("error object (-want +got):\n%s", diff)
	}
}

// TestSharedProto runs one compiled proto in many states at once, as the
// bulk runner will: clean under -race.
func TestSharedProto(t *testing.T) {
	proto, err := Compile("shared.lua", []byte(`
		local re = regex.compile([[^(\d+)$]])
		local n = 0
		for i = 1, 200 do n = n + tonumber(re:match(tostring(i))[1]) end
		assert(n == 20100)
		exit(tonumber(arg[1]))`))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			code, err := NewRunner(Config{Args: []string{string(rune('0' + i%10))}}).Run(context.Background(), proto)
			if err != nil || code != i%10 {
				t.Errorf("run %d: code %d, err %v", i, code, err)
			}
		}(i)
	}
	wg.Wait()
}

// TestVMStopInsideModule: a run the VM stops between instructions of a
// module's own code (the imap module turning a flood of responses into
// its state) names the module command it was working on, as a stop in
// the wait itself does, masked; a stop in the script keeps the script's
// line, and one in another module keeps that module's.
func TestVMStopInsideModule(t *testing.T) {
	cases := []struct {
		name, op, raised string
		want             RunError
	}{
		{"in the imap module", "imap A001 SELECT INBOX", imapModuleChunk + ":186: context deadline exceeded",
			RunError{Kind: failure.Timeout, Message: "--max-time 2s reached during imap A001 SELECT INBOX"}},
		{"secret in the command", "imap A002 LOGIN ann hunter22", imapModuleChunk + ":90: context deadline exceeded",
			RunError{Kind: failure.Timeout, Message: "--max-time 2s reached during imap A002 LOGIN ann ***"}},
		{"in the script", "imap A001 SELECT INBOX", "check.lua:7: context deadline exceeded",
			RunError{Kind: failure.Timeout, Message: "check.lua:7: --max-time 2s reached"}},
		{"in another module", "imap A001 SELECT INBOX", moduleChunkPrefix + "pop3.lua:12: context deadline exceeded",
			RunError{Kind: failure.Timeout, Message: moduleChunkPrefix + "pop3.lua:12: --max-time 2s reached"}},
		{"no command yet", "", imapModuleChunk + ":186: context deadline exceeded",
			RunError{Kind: failure.Timeout, Message: imapModuleChunk + ":186: --max-time 2s reached"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			L := lua.NewState()
			defer L.Close()
			r := newRun(Config{})
			r.secrets.Add("hunter22")
			ctx, cancel := context.WithCancelCause(context.Background())
			cancel(maxTimeError{d: 2e9})
			r.ctx = ctx
			if c.op != "" {
				r.moduleOp = moduleOp{chunk: imapModuleChunk, op: c.op}
			}
			got := r.runError(L, &lua.ApiError{Type: lua.ApiErrorRun, Object: lua.LString(c.raised)})
			if diff := cmp.Diff(c.want, *got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
