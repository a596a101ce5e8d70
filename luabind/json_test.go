package luabind

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode"
)

// FuzzWriteJSONString: what json.encode writes for a string decodes (in
// encoding/json) to what encoding/json's own encoding of it decodes to
// (invalid UTF-8 as U+FFFD per byte), and holds no character a terminal
// would act on.
func FuzzWriteJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", "Grüße \"q\" \\ \n\r\t", "\x1b[31m\u009b\u202e\u2028", "a\xffb\xc3", "\U000e0001 \U0001F600", "\ufffd"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var buf bytes.Buffer
		writeJSONString(&buf, s)
		var got, want string
		if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
			t.Fatalf("%q: wrote %q, not JSON: %v", s, buf.String(), err)
		}
		std, _ := json.Marshal(s)
		if err := json.Unmarshal(std, &want); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("%q: decodes to %q, encoding/json's to %q", s, got, want)
		}
		if i := strings.IndexFunc(buf.String(), func(r rune) bool { return r != ' ' && !unicode.IsPrint(r) }); i >= 0 {
			t.Fatalf("%q: wrote %q, a non-printable character at %d", s, buf.String(), i)
		}
	})
}

func BenchmarkWriteJSONString(b *testing.B) {
	s := strings.Repeat("Subject: hello world, Grüße \"x\"\n", 20)
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		writeJSONString(&buf, s)
	}
}
