package transcript

import (
	"crypto/hmac"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// pass has every character the quoted forms treat specially.
const pass = `s3cr3t"P\w0rd <&>`

func b64(s string) string    { return base64.StdEncoding.EncodeToString([]byte(s)) }
func b64URL(s string) string { return base64.URLEncoding.EncodeToString([]byte(s)) }
func b64Raw(s string) string { return base64.RawStdEncoding.EncodeToString([]byte(s)) }

var (
	plain   = b64("\x00alice\x00" + pass)
	xoauth2 = b64("user=alice@example.com\x01auth=Bearer ya29.TOKEN-value_1\x01\x01")
)

func TestMask(t *testing.T) {
	cramResponse := func(user, password, challenge string) string {
		m := hmac.New(md5.New, []byte(password))
		m.Write([]byte(challenge))
		return b64(user + " " + hex.EncodeToString(m.Sum(nil)))
	}
	tests := []struct {
		name    string
		secrets []string
		in      string
		want    string
	}{
		{"no secrets", nil, "PASS " + pass, "PASS " + pass},
		{"nothing found", []string{pass}, "250 OK", "250 OK"},
		{"raw", []string{pass}, "PASS " + pass, "PASS ***"},
		{"twice", []string{pass}, pass + "|" + pass, "***|***"},
		{"go %q", []string{pass}, fmt.Sprintf("bad password %q", pass), `bad password "***"`},
		{"go %+q", []string{"pässwörd"}, fmt.Sprintf("%+q", "pässwörd"), `"***"`},
		{"json", []string{pass}, `{"pass":"s3cr3t\"P\\w0rd \u003c\u0026\u003e"}`, `{"pass":"***"}`},
		{"json no html escape", []string{pass}, `{"pass":"s3cr3t\"P\\w0rd <&>"}`, `{"pass":"***"}`},
		{"imap quoted", []string{pass}, `a001 LOGIN alice "s3cr3t\"P\\w0rd <&>"`, `a001 LOGIN alice "***"`},
		{"imap quoted simple", []string{`pa"ss`}, `a001 LOGIN user "pa\"ss"`, `a001 LOGIN user "***"`},
		{"url query", []string{pass}, "?p=" + url.QueryEscape(pass) + "&x=1", "?p=***&x=1"},
		{"url path", []string{pass}, "/" + url.PathEscape(pass) + "/", "/***/"},
		{"url userinfo", []string{pass}, url.UserPassword("alice", pass).String() + "@host", "alice:***@host"},
		{"url lower hex", []string{"a b/c"}, "x=a%20b%2fc", "x=***"},
		{"AUTH PLAIN", []string{pass}, "AUTH PLAIN " + plain, "AUTH PLAIN ***"},
		{"AUTH PLAIN url alphabet", []string{pass}, "AUTH PLAIN " + b64URL("\x00alice\x00"+pass), "AUTH PLAIN ***"},
		{"AUTH PLAIN unpadded", []string{"hunter22"}, "AUTH PLAIN " + b64Raw("\x00alice\x00hunter22"), "AUTH PLAIN ***"},
		{"AUTH LOGIN step", []string{pass}, b64(pass), "***"},
		{"XOAUTH2", []string{"ya29.TOKEN-value_1"}, "a1 AUTHENTICATE XOAUTH2 " + xoauth2, "a1 AUTHENTICATE XOAUTH2 ***"},
		{"glued after %20", []string{pass}, "Authorization: Basic%20" + b64("alice:"+pass), "Authorization: Basic%***"},
		{"glued 1", []string{"hunter22"}, "x" + b64("\x00u\x00hunter22"), "***"},
		{"glued 2", []string{"hunter22"}, "xy" + b64("\x00u\x00hunter22"), "***"},
		{"glued 3", []string{"hunter22"}, "xyz" + b64("\x00u\x00hunter22"), "***"},
		{"in quotes", []string{"hunter22"}, `"` + b64("hunter22") + `"`, `"***"`},
		{"cram-md5 is fine", []string{pass}, cramResponse("alice", pass, "<1.2@host>"), cramResponse("alice", pass, "<1.2@host>")},
		{"other base64 is fine", []string{pass}, "334 " + b64("Username:"), "334 " + b64("Username:")},
		{"overlapping", []string{"abcd", "cdef"}, "xx abcdef yy", "xx *** yy"},
		{"multi-line value", []string{"line-one\nline-two\n"}, "line-two", "***"},
		{"short value as word", []string{"a"}, "PASS a", "PASS ***"},
		{"short value glued", []string{"a"}, "220 mail.example.com ready", "220 mail.example.com ready"},
		{"short value quoted", []string{"a"}, `a001 LOGIN u "a"`, `a001 LOGIN u "***"`},
		{"short value in url", []string{"ab"}, "imap://u:ab@host", "imap://u:***@host"},
		{"short value AUTH LOGIN", []string{"a"}, "YQ==", "***"},
		{"short value AUTH PLAIN", []string{"ab"}, "AUTH PLAIN " + b64("\x00u\x00ab"), "AUTH PLAIN ***"},
		{"short value random base64", []string{"a"}, "ZmFrZWF", "ZmFrZWF"},
		{"short punctuation", []string{"!"}, "PASS !", "PASS ***"},
		{"short punctuation quoted", []string{"!"}, `a1 LOGIN u "!"`, `a1 LOGIN u "***"`},
		{"short punctuation in a URL", []string{"!"}, "imap://u:!@host", "imap://u:***@host"},
		{"short punctuation inside text", []string{"!"}, "ok!", "ok!"},
		{"a space as the secret", []string{" "}, "127.0.0.1:25: AUTH PLAIN refused: 535 no", "127.0.0.1:25: AUTH PLAIN refused: 535 no"},
		{"a colon as the secret", []string{":"}, "127.0.0.1:25: AUTH PLAIN refused", "127.0.0.1:25: AUTH PLAIN refused"},
		{"a colon standing alone", []string{":"}, "PASS :", "PASS ***"},
		{"three bytes everywhere", []string{"abc"}, "xabcx", "x***x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewSecrets()
			for _, v := range tt.secrets {
				s.Add(v)
			}
			if got := s.Mask(tt.in); got != tt.want {
				t.Errorf("Mask(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
			if got := string(s.MaskBytes([]byte(tt.in))); got != tt.want {
				t.Errorf("MaskBytes(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestMaskManySecrets runs the cases again with more secrets than
// fewPatterns, which switches to the two-byte index.
func TestMaskManySecrets(t *testing.T) {
	s := NewSecrets()
	for i := range 500 {
		s.Add(fmt.Sprintf("filler-%d-password", i))
	}
	s.Add(pass)
	s.Add("a")
	s.Add("ya29.TOKEN-value_1")
	tests := []struct{ in, want string }{
		{"PASS " + pass, "PASS ***"},
		{fmt.Sprintf("%q", pass), `"***"`},
		{"AUTH PLAIN " + plain, "AUTH PLAIN ***"},
		{"XOAUTH2 " + xoauth2, "XOAUTH2 ***"},
		{"PASS a", "PASS ***"},
		{"220 mail.example.com", "220 mail.example.com"},
		{"x filler-499-password y filler-0-password", "x *** y ***"},
		{b64("filler-7-password"), "***"},
	}
	for _, tt := range tests {
		if got := s.Mask(tt.in); got != tt.want {
			t.Errorf("Mask(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestMaskLongToken: a token longer than the decoding buffer, with the
// secret across the buffer's pieces at every offset.
func TestMaskLongToken(t *testing.T) {
	s := NewSecrets()
	s.Add("hunter22")
	for off := 0; off < 3000; off += 1 {
		raw := strings.Repeat("\x07", off) + "hunter22" + strings.Repeat("\x07", 3000-off)
		if got := s.Mask("X " + b64(raw) + " Y"); got != "X *** Y" {
			t.Fatalf("offset %d: secret not masked in long token: %.40q...", off, got)
		}
	}
}

func TestMaskNoSecretsDoesNotAllocate(t *testing.T) {
	line := "250-mail.example.com Hello client.example [192.0.2.1], pleased to meet you"
	for _, s := range []*Secrets{nil, NewSecrets()} {
		if n := testing.AllocsPerRun(100, func() { _ = s.Mask(line) }); n != 0 {
			t.Errorf("Mask with no secrets: %v allocations", n)
		}
	}
	s := NewSecrets()
	s.Add("hunter22")
	s.Add("alice")
	s.Add("ya29.TOKEN")
	if n := testing.AllocsPerRun(100, func() { _ = s.Mask(line) }); n != 0 {
		t.Errorf("Mask with secrets and nothing to mask: %v allocations", n)
	}
}

func TestSecretsEmptyAndNil(t *testing.T) {
	var nilSecrets *Secrets
	nilSecrets.Add("x")
	if !nilSecrets.Empty() || nilSecrets.Mask("x") != "x" {
		t.Error("nil *Secrets must be empty and mask nothing")
	}
	s := NewSecrets()
	s.Add("")
	if !s.Empty() {
		t.Error("Add(\"\") registered something")
	}
	s.Add("x")
	if s.Empty() {
		t.Error("Empty after Add")
	}
}

func BenchmarkMask(b *testing.B) {
	line := "250-mail.example.com Hello client.example [192.0.2.1], pleased to meet you\r\n"
	for _, n := range []int{0, 3, 1000} {
		b.Run(strconv.Itoa(n)+"secrets", func(b *testing.B) {
			s := NewSecrets()
			for i := range n {
				s.Add(fmt.Sprintf("Secret-%d-Value", i))
			}
			b.ReportAllocs()
			b.SetBytes(int64(len(line)))
			for b.Loop() {
				_ = s.Mask(line)
			}
		})
	}
	b.Run("3secrets-hit", func(b *testing.B) {
		s := NewSecrets()
		s.Add("hunter22")
		s.Add("alice")
		s.Add("ya29.TOKEN")
		hit := "AUTH PLAIN " + b64("\x00alice\x00hunter22") + " and PASS hunter22"
		b.ReportAllocs()
		for b.Loop() {
			_ = s.Mask(hit)
		}
	})
}

// TestSecretsRemove: a value removed as often as it was added is no
// longer masked; one still added elsewhere, or sharing a form, stays.
func TestSecretsRemove(t *testing.T) {
	s := NewSecrets()
	mask := func(text, want, when string) {
		t.Helper()
		if got := s.Mask(text); got != want {
			t.Errorf("%s: Mask(%q) = %q, want %q", when, text, got, want)
		}
	}
	s.Add("hunter2-long")
	s.Add("hunter2-long")
	s.Add("other-pass\nsecond-line")
	s.Add("seconds-pw-xyz") // shares its first bytes with another
	s.Remove("hunter2-long")
	mask("pw hunter2-long", "pw ***", "after one of two removes")
	s.Remove("hunter2-long")
	mask("pw hunter2-long", "pw hunter2-long", "after both removes")
	s.Remove("other-pass\nsecond-line")
	mask("other-pass second-line seconds-pw-xyz", "other-pass second-line ***", "after removing the two-line value")
	s.Remove("never-added")
	s.Remove("seconds-pw-xyz")
	if !s.Empty() {
		t.Error("registry not empty after every value was removed")
	}
	s.Add("reused-slot-pw")
	mask("x reused-slot-pw", "x ***", "a value added into a freed slot")
	s.Remove("reused-slot-pw")

	// A value with encodings: removed, its encoded forms go too (those
	// add registered, kept for remove), and nothing is left behind.
	s.Add("p@ss w<rd")
	mask("u=p%40ss+w%3Crd", "u=***", "the query-escaped form of a value")
	s.Remove("p@ss w<rd")
	mask("u=p%40ss+w%3Crd", "u=p%40ss+w%3Crd", "after removing a value with encodings")
	if len(s.forms.index) != 0 || len(s.encoded) != 0 {
		t.Errorf("after removing every value: %d forms, %d encoded values left", len(s.forms.index), len(s.encoded))
	}
}

// TestPlainHasOneForm: a value plainValue lets through is one that every
// encoder writes as it is, so formsOf may skip them; checked over every
// ASCII byte in and around a value.
func TestPlainHasOneForm(t *testing.T) {
	for c := 0; c < 0x100; c++ {
		for _, v := range []string{string(rune(c)), "pw" + string([]byte{byte(c)}) + "x", string([]byte{byte(c)}) + "9"} {
			forms := encodedForms(v)
			if plainValue(v) && (len(forms) != 1 || forms[0] != v) {
				t.Errorf("plainValue(%q) but its forms are %q", v, forms)
			}
		}
	}
	if !plainValue("Abc-09._~xyz") || plainValue("a b") || plainValue("pa%ss") || !plainValue("") {
		t.Error("plainValue: wrong verdict on a fixed value")
	}
}

// TestShortTokenDecoding: a token short enough to decode whole into the
// small buffer gets the verdict of the piecewise decoding it used to
// take (decodedHoldsLong), for values short and long, at every offset,
// with and without a glued prefix, whole or not.
func TestShortTokenDecoding(t *testing.T) {
	s := NewSecrets()
	for _, v := range []string{"k", "pw", "hunter2", "a-much-longer-secret-value-of-forty-bytes"} {
		s.Add(v)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	checked := 0
	for _, v := range []string{"k", "pw", "hunter2", "a-much-longer-secret-value-of-forty-bytes", "nothing here"} {
		for pre := 0; pre < 6; pre++ {
			for post := 0; post < 40; post += 7 {
				raw := strings.Repeat("\x00", pre%2) + strings.Repeat("x", pre) + v + strings.Repeat("y", post)
				tok := strings.TrimRight(base64.StdEncoding.EncodeToString([]byte(raw)), "=")
				for off := 0; off < 4 && off < len(tok); off++ {
					for _, end := range []bool{false, true} {
						data := tok[off:]
						if (len(data)+3)/4*3+3 > smallDecode {
							continue
						}
						checked++
						got, want := s.decodedHolds(data, end, end && off == 0), s.decodedHoldsLong(data, end, end && off == 0)
						if got != want {
							t.Errorf("%q from offset %d (at end %v): short path %v, piecewise %v", raw, off, end, got, want)
						}
					}
				}
			}
		}
	}
	if checked < 100 {
		t.Errorf("only %d tokens took the short path", checked)
	}
}
