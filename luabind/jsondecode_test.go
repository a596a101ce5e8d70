package luabind

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"

	lua "github.com/mailexpect/mailexpect/third_party/gopher-lua"
)

// FuzzJSONDecode: the Lua-side decoder accepts exactly what encoding/json
// accepts, with the same values (numbers as float64, null as json.null) and
// the same error message.
func FuzzJSONDecode(f *testing.F) {
	for _, seed := range []string{
		`{"a": [1, 2, {"b": null}], "c": "d", "e": {}, "f": []}`,
		`[true, false, null, -0, 1e400, -1.5E-3, 0.5]`,
		`"\u00e9\ud83d\ude00\ud800x\"\\\/\b\f\n\r\t"`,
		"\"bad \xff utf-8 \xe2\x82\"", "\"tab\there\"", `{"a":1,"a":2}`,
		`{bad`, `[1,]`, `01`, `-`, `1.`, `1e`, `[1 2]`, `{"a" 1}`, "", " ", `"\x"`, `"\u12"`,
		strings.Repeat("[", 10001) + strings.Repeat("]", 10001), `nul`, `truex`, `{} {}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		L := lua.NewState()
		defer L.Close()
		js := &jsonState{r: &run{rowRun: rowRun{ctx: context.Background()}}, null: L.NewUserData(), objects: map[*lua.LTable]bool{}, arrays: map[*lua.LTable]bool{}}
		got, err := js.decodeValue(L, in)

		dec := json.NewDecoder(strings.NewReader(in))
		dec.UseNumber()
		var want any
		wantErr := json.Unmarshal([]byte(in), new(json.RawMessage))
		if wantErr == nil {
			if err := dec.Decode(&want); err != nil {
				t.Fatal(err)
			}
		}
		switch {
		case (err == nil) != (wantErr == nil):
			t.Fatalf("%q: error %v, encoding/json's %v", in, err, wantErr)
		case err != nil:
			if err.Error() != wantErr.Error() {
				t.Fatalf("%q: error %q, encoding/json says %q", in, err, wantErr)
			}
		default:
			var a, b bytes.Buffer
			writeGo(&a, js, got)
			writeGo(&b, js, want)
			if a.String() != b.String() {
				t.Fatalf("%q: decoded %s, encoding/json %s", in, a.String(), b.String())
			}
		}
	})
}

// writeGo writes a decoded value, Lua or encoding/json's, in one form that
// is easy to compare: keys sorted by the map printing of json.Marshal.
func writeGo(buf *bytes.Buffer, js *jsonState, v any) {
	var conv func(v any) any
	conv = func(v any) any {
		switch v := v.(type) {
		case *lua.LTable:
			if v.Len() > 0 || js.arrays[v] {
				out := []any{}
				for i := 1; i <= v.Len(); i++ {
					out = append(out, conv(v.RawGetInt(i)))
				}
				return out
			}
			out := map[string]any{}
			v.ForEach(func(k, e lua.LValue) { out[k.String()] = conv(e) })
			return out
		case []any:
			out := []any{}
			for _, e := range v {
				out = append(out, conv(e))
			}
			return out
		case map[string]any:
			out := map[string]any{}
			for k, e := range v {
				out[k] = conv(e)
			}
			return out
		case json.Number:
			f, _ := v.Float64()
			return conv(lua.LNumber(f))
		case lua.LNumber:
			if math.IsInf(float64(v), 0) {
				return "inf" + v.String()
			}
			return float64(v)
		case lua.LString:
			return string(v)
		case lua.LBool:
			return bool(v)
		case *lua.LUserData:
			if v == js.null {
				return nil
			}
		}
		return v
	}
	b, err := json.Marshal(conv(v))
	if err != nil {
		panic(err)
	}
	buf.Write(b)
}
