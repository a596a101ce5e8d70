package luabind

import (
	"math/rand"
	"strings"
	"testing"

	lua "github.com/mailexpect/mailexpect/third_party/gopher-lua"
)

// shapeInLua is what the smtp module computed in Lua before messageShape:
// the reference the Go pass must agree with, byte for byte.
const shapeInLua = `
local function wire_size(msg)
  local n, i = #msg, 1
  while true do
    local s = msg:find("[\r\n]", i)
    if not s then return n end
    if msg:byte(s) == 13 and msg:byte(s + 1) == 10 then
      i = s + 2
    else
      n, i = n + 1, s + 1
    end
  end
end
local function binary(msg)
  if msg:find("%z") then return true end
  local i = 1
  while true do
    local e = msg:find("\n", i, true)
    if (e or #msg + 1) - i > 999 then return true end
    if not e then return false end
    i = e + 1
  end
end
return function(msg) return wire_size(msg), binary(msg), msg:find("[\128-\255]") ~= nil end
`

func TestMessageShape(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	if err := L.DoString(shapeInLua); err != nil {
		t.Fatal(err)
	}
	ref := L.Get(-1)
	long := strings.Repeat("x", 999)
	cases := []string{"", "a", "\r\n", "\r", "\n", "\n\r", "\r\r\n", "a\nb\r\nc\rd", "\x00", "caf\xc3\xa9\r\n",
		long + "\r\n", long + "x\r\n", long + "\n", long + "x\n", "a\n" + long + "x", "a\n" + long, long + "\r"}
	rng := rand.New(rand.NewSource(26))
	alphabet := []byte{'a', '\r', '\n', 0, 0x80, 0xff, '.'}
	for i := 0; i < 3000; i++ {
		b := make([]byte, rng.Intn(40))
		for j := range b {
			b[j] = alphabet[rng.Intn(len(alphabet))]
		}
		cases = append(cases, string(b))
		if i%100 == 0 { // lines around the 999-octet limit
			cases = append(cases, strings.Repeat("y", 995+rng.Intn(8))+string(b))
		}
	}
	for _, msg := range cases {
		if err := L.CallByParam(lua.P{Fn: ref, NRet: 3, Protect: true}, lua.LString(msg)); err != nil {
			t.Fatal(err)
		}
		wantSize, wantBin, want8 := int(L.Get(-3).(lua.LNumber)), L.Get(-2) == lua.LTrue, L.Get(-1) == lua.LTrue
		L.Pop(3)
		size, bin, eight := messageShape(msg)
		if size != wantSize || bin != wantBin || eight != want8 {
			t.Errorf("messageShape(%q) = %d, %v, %v; the module's Lua said %d, %v, %v", msg, size, bin, eight, wantSize, wantBin, want8)
		}
	}
}
